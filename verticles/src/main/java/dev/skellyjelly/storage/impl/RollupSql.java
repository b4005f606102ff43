package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.impl.FocusRule.FocusChange;
import dev.skellyjelly.storage.impl.FocusRule.Span;
import dev.skellyjelly.storage.impl.RollupDelta.FocusRow;
import dev.skellyjelly.storage.impl.RollupDelta.RollupRow;

import java.util.List;

/** The statements that keep the rollups and the focus rule's inputs (schema: migration 4). */
interface RollupSql {

  /** A focus change of a session. */
  record SessionChange(String sessionId, FocusChange change) {
  }

  List<Sql.Write<RollupRow>> ADD_ROLLUP = List.of(addRollup("minute_rollups"), addRollup("hour_rollups"));
  List<Sql.Write<FocusRow>> ADD_FOCUS = List.of(addFocus("minute_focus"), addFocus("hour_focus"));
  /** A focus row that moved to nothing (its time went to another app) is removed. */
  List<Sql.Write<FocusRow>> DROP_EMPTY_FOCUS = List.of(dropEmpty("minute_focus"), dropEmpty("hour_focus"));

  /** A rollup row whose events all moved to another app is removed. */
  List<Sql.Write<RollupRow>> DROP_EMPTY_ROLLUP = List.of(dropEmptyRollup("minute_rollups"),
    dropEmptyRollup("hour_rollups"));

  Sql.Write<SessionChange> INSERT_FOCUS_CHANGE = new Sql.Write<>("INSERT OR REPLACE INTO focus_changes "
    + "(sk, ts_ms, seq, app) VALUES (" + Sql.SK + ", ?, ?, ?)",
    (r, p) -> p.add(r.sessionId()).add(r.change().tsMs()).add(r.change().seq()).add(r.change().app()));
  String PUT_ACTIVITY = "INSERT INTO activity (sk, start_ms, end_ms) VALUES (" + Sql.SK + ", ?, ?) "
    + "ON CONFLICT (sk, start_ms) DO UPDATE SET end_ms = excluded.end_ms";
  String DELETE_ACTIVITY = "DELETE FROM activity WHERE sk = " + Sql.SK + " AND start_ms = ?";

  String LATEST_FOCUS = "SELECT ts_ms, seq, app FROM focus_changes WHERE sk = " + Sql.SK + " "
    + "ORDER BY ts_ms DESC, seq DESC LIMIT 1";
  String LAST_ACTIVITY = "SELECT start_ms, end_ms FROM activity WHERE sk = " + Sql.SK + " ORDER BY start_ms DESC LIMIT 1";
  /** The few stretches of activity that start at or before a time, latest first (they are disjoint, each at least
   * idle_after_seconds long: four reach back past any span of that length). */
  String ACTIVITY_BEFORE = "SELECT start_ms, end_ms FROM activity WHERE sk = " + Sql.SK + " AND start_ms <= ? "
    + "ORDER BY start_ms DESC LIMIT 4";
  /** Stretches of activity that overlap [from, to): from the last one starting at or before from. */
  String ACTIVITY_OVERLAPPING = "SELECT start_ms, end_ms FROM activity WHERE sk = " + Sql.SK + " AND start_ms >= "
    + "coalesce((SELECT max(start_ms) FROM activity WHERE sk = " + Sql.SK + " AND start_ms <= ?), ?) AND start_ms < ? "
    + "ORDER BY start_ms";
  /** Focus changes from the last one at or before from (all of its millisecond) up to before to. */
  String FOCUS_CHANGES = "SELECT ts_ms, seq, app FROM focus_changes WHERE sk = " + Sql.SK + " AND ts_ms >= "
    + "coalesce((SELECT max(ts_ms) FROM focus_changes WHERE sk = " + Sql.SK + " AND ts_ms <= ?), ?) AND ts_ms < ? "
    + "ORDER BY ts_ms, seq";
  /** The last focus change at or before a time among those committed up to a sequence number. */
  String LAST_FOCUS_UP_TO_SEQ = "SELECT ts_ms, seq, app FROM focus_changes WHERE sk = " + Sql.SK + " AND ts_ms <= ? "
    + "AND seq <= ? ORDER BY ts_ms DESC, seq DESC LIMIT 1";
  /** The focus change that holds the focus at the event (ts, seq): the last at or before it. */
  String FOCUS_AT = "SELECT ts_ms, seq, app FROM focus_changes WHERE sk = " + Sql.SK + " AND ts_ms <= ? "
    + "AND (ts_ms < ? OR seq <= ?) ORDER BY ts_ms DESC, seq DESC LIMIT 1";
  String NEXT_FOCUS_TS = "SELECT min(ts_ms) FROM focus_changes WHERE sk = " + Sql.SK + " AND ts_ms > ?";
  String PAUSES = "SELECT start_ms, coalesce(end_ms, 9223372036854775807) FROM pauses ORDER BY start_ms";

  String LAST_WINDOW_START = "SELECT max(window_start_ms) FROM event_blocks WHERE sk = " + Sql.SK;
  String WINDOW_BLOCKS = "SELECT event_type, data FROM event_blocks WHERE sk = " + Sql.SK + " AND window_start_ms >= ? "
    + "AND window_start_ms < ?";
  String WINDOW_TYPE_BLOCKS = "SELECT data FROM event_blocks WHERE sk = " + Sql.SK + " AND window_start_ms = ? "
    + "AND event_type = ?";
  List<String> ROW_MEMORY_MAX = List.of(
    "SELECT memory_max_mb FROM minute_rollups WHERE bucket_ms = ? AND sk = " + Sql.SK + " AND event_type = ? AND app = ?",
    "SELECT memory_max_mb FROM hour_rollups WHERE bucket_ms = ? AND sk = " + Sql.SK + " AND event_type = ? AND app = ?");
  List<String> SET_MEMORY_MAX = List.of(
    "UPDATE minute_rollups SET memory_max_mb = ? WHERE bucket_ms = ? AND sk = " + Sql.SK + " AND event_type = ? AND app = ?",
    "UPDATE hour_rollups SET memory_max_mb = ? WHERE bucket_ms = ? AND sk = " + Sql.SK + " AND event_type = ? AND app = ?");
  String LIFECYCLE_VALUE = "SELECT value FROM lifecycle WHERE name = ?";

  /** Sessions with anything at or after a time: focus, activity or rollups. */
  String SESSIONS_SINCE = "SELECT session_id FROM sessions WHERE sk IN (SELECT sk FROM activity WHERE end_ms > ? "
    + "UNION SELECT sk FROM focus_changes WHERE ts_ms >= ? UNION SELECT sk FROM minute_rollups WHERE bucket_ms >= ?)";

  List<String> CLEAR_ROLLUPS = List.of(
    "DELETE FROM minute_rollups WHERE sk = " + Sql.SK + " AND bucket_ms >= ? AND bucket_ms < ?",
    "DELETE FROM hour_rollups WHERE sk = " + Sql.SK + " AND bucket_ms >= ? AND bucket_ms < ?");
  List<String> CLEAR_FOCUS = List.of(
    "DELETE FROM minute_focus WHERE sk = " + Sql.SK + " AND bucket_ms >= ? AND bucket_ms < ?",
    "DELETE FROM hour_focus WHERE sk = " + Sql.SK + " AND bucket_ms >= ? AND bucket_ms < ?");
  String CLEAR_FOCUS_CHANGES = "DELETE FROM focus_changes WHERE sk = " + Sql.SK + " AND ts_ms >= ? AND ts_ms < ?";
  String CLEAR_ACTIVITY = "DELETE FROM activity WHERE sk = " + Sql.SK + " AND start_ms >= ? AND start_ms < ?";

  static FocusChange change(java.sql.ResultSet rs) throws java.sql.SQLException {
    return new FocusChange(rs.getLong(1), rs.getLong(2), rs.getString(3));
  }

  static Span span(java.sql.ResultSet rs) throws java.sql.SQLException {
    return new Span(rs.getLong(1), rs.getLong(2));
  }

  private static Sql.Write<RollupRow> addRollup(String table) {
    return new Sql.Write<>("INSERT INTO " + table + " (bucket_ms, sk, event_type, app, n, interval_n, "
      + "interval_sum_ms, cpu_sum, memory_max_mb) VALUES (?, " + Sql.SK + ", ?, ?, ?, ?, ?, ?, ?) "
      + "ON CONFLICT (bucket_ms, sk, event_type, app) DO UPDATE SET n = n + excluded.n, "
      + "interval_n = interval_n + excluded.interval_n, interval_sum_ms = interval_sum_ms + excluded.interval_sum_ms, "
      + "cpu_sum = cpu_sum + excluded.cpu_sum, memory_max_mb = max(memory_max_mb, excluded.memory_max_mb)",
      (r, p) -> p.add(r.key().bucketMs()).add(r.key().sessionId()).add(r.key().type().code()).add(r.key().app())
        .add(r.stats().n).add(r.stats().intervalN).add(r.stats().intervalSumMs).add(r.stats().cpuSum)
        .add(r.stats().memoryMaxMb));
  }

  private static Sql.Write<FocusRow> addFocus(String table) {
    return new Sql.Write<>("INSERT INTO " + table + " (bucket_ms, sk, app, focused_ms, switches) "
      + "VALUES (?, " + Sql.SK + ", ?, ?, ?) ON CONFLICT (bucket_ms, sk, app) DO UPDATE SET "
      + "focused_ms = focused_ms + excluded.focused_ms, switches = switches + excluded.switches",
      (r, p) -> p.add(r.key().bucketMs()).add(r.key().sessionId()).add(r.key().app()).add(r.focus().focusedMs)
        .add(r.focus().switches));
  }

  private static Sql.Write<RollupRow> dropEmptyRollup(String table) {
    return new Sql.Write<>("DELETE FROM " + table + " WHERE bucket_ms = ? AND sk = " + Sql.SK + " AND event_type = ? "
      + "AND app = ? AND n = 0",
      (r, p) -> p.add(r.key().bucketMs()).add(r.key().sessionId()).add(r.key().type().code()).add(r.key().app()));
  }

  private static Sql.Write<FocusRow> dropEmpty(String table) {
    return new Sql.Write<>("DELETE FROM " + table + " WHERE bucket_ms = ? AND sk = " + Sql.SK + " AND app = ? "
      + "AND focused_ms = 0 AND switches = 0",
      (r, p) -> p.add(r.key().bucketMs()).add(r.key().sessionId()).add(r.key().app()));
  }
}
