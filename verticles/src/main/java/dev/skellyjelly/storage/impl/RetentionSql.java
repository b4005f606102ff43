package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.impl.Messages.WindowKey;

/** The statements of retention: each finds or removes one range, oldest first, through an index. */
interface RetentionSql {

  /** Window starts of committed events after a cursor and before a bound, oldest first, at most a number. */
  String WINDOW_STARTS = "SELECT DISTINCT window_start_ms FROM window_counts WHERE window_start_ms > ? "
    + "AND window_start_ms < ? ORDER BY window_start_ms LIMIT ?";
  /** The windows of a range of window starts with their coverage by batches (the replay's rule). */
  String COVERAGE = Sql.windowCoverage("window_start_ms BETWEEN ? AND ?");
  String OLDEST_WINDOW = "SELECT min(window_start_ms) FROM window_counts WHERE window_start_ms >= ?";

  Sql.Write<WindowKey> DELETE_BLOCKS = new Sql.Write<>("DELETE FROM event_blocks WHERE sk = " + Sql.SK
    + " AND window_start_ms = ?", (k, p) -> p.add(k.sessionId()).add(k.windowStartMs()));
  Sql.Write<WindowKey> DELETE_COUNTS = new Sql.Write<>("DELETE FROM window_counts WHERE sk = " + Sql.SK
    + " AND window_start_ms = ?", (k, p) -> p.add(k.sessionId()).add(k.windowStartMs()));
  Sql.Write<WindowKey> DELETE_BATCHES = new Sql.Write<>("DELETE FROM batches WHERE session_id = ? "
    + "AND window_start_ms = ?", (k, p) -> p.add(k.sessionId()).add(k.windowStartMs()));
  Sql.Write<WindowKey> DELETE_IMPORTED = new Sql.Write<>("DELETE FROM imported_windows WHERE sk = " + Sql.SK
    + " AND window_start_ms = ?", (k, p) -> p.add(k.sessionId()).add(k.windowStartMs()));
  /** Screenshot metadata stays; its window title goes with the raw events of its day. */
  String CLEAR_TITLES = "UPDATE screenshots SET window_title = '' WHERE window_start_ms > ? AND window_start_ms <= ? "
    + "AND window_title <> ''";

  String NEXT_FOCUS = "SELECT min(ts_ms) FROM focus_changes WHERE ts_ms >= ?";
  /** The time of the focus change a number of rows after a time: where a step of that many rows ends. */
  String FOCUS_AFTER_ROWS = "SELECT ts_ms FROM focus_changes WHERE ts_ms >= ? ORDER BY ts_ms LIMIT 1 OFFSET ?";
  /**
   * Focus changes of a time slice before a bound, except each session's last one before the bound: the focus
   * it gives lasts past the bound, and what follows is attributed by it.
   */
  String DELETE_FOCUS = "DELETE FROM focus_changes WHERE ts_ms >= ? AND ts_ms < ? AND EXISTS (SELECT 1 "
    + "FROM focus_changes l WHERE l.sk = focus_changes.sk AND l.ts_ms < ? "
    + "AND (l.ts_ms, l.seq) > (focus_changes.ts_ms, focus_changes.seq))";
  String DELETE_ACTIVITY = "DELETE FROM activity WHERE end_ms <= ?";

  /**
   * Raw events before this are gone (or going): rollups before it are never recomputed from raw events
   * ({@link RollupRecompute#RAW_KEPT_FROM}). Only ever moves forward.
   */
  String RAW_KEPT_FROM = "INSERT INTO lifecycle (name, value) VALUES ('" + RollupRecompute.RAW_KEPT_FROM + "', ?) "
    + "ON CONFLICT (name) DO UPDATE SET value = max(value, excluded.value)";
  String OLDEST_MINUTE = "SELECT min(m) FROM (SELECT min(bucket_ms) AS m FROM minute_rollups "
    + "UNION ALL SELECT min(bucket_ms) FROM minute_focus)";
  String OLDEST_HOUR = "SELECT min(m) FROM (SELECT min(bucket_ms) AS m FROM hour_rollups "
    + "UNION ALL SELECT min(bucket_ms) FROM hour_focus)";
  String DELETE_MINUTE_ROLLUPS = "DELETE FROM minute_rollups WHERE bucket_ms >= ? AND bucket_ms < ?";
  String DELETE_MINUTE_FOCUS = "DELETE FROM minute_focus WHERE bucket_ms >= ? AND bucket_ms < ?";
  String DELETE_HOUR_ROLLUPS = "DELETE FROM hour_rollups WHERE bucket_ms >= ? AND bucket_ms < ?";
  String DELETE_HOUR_FOCUS = "DELETE FROM hour_focus WHERE bucket_ms >= ? AND bucket_ms < ?";
}
