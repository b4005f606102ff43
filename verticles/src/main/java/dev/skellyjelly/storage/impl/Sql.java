package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.impl.Messages.BatchRecord;
import dev.skellyjelly.storage.impl.Messages.ScreenshotDeletion;

import java.util.List;

/** The statements the writer runs; the schema itself lives in the numbered migration files. */
interface Sql {

  /** A statement that writes one row of type {@code R}, and how such a row fills its parameters. */
  record Write<R>(String sql, WriterConnection.RowBinder<R> binder) {
  }

  String CREATE_SCHEMA_VERSION = "CREATE TABLE IF NOT EXISTS schema_version ("
    + "version INTEGER PRIMARY KEY, applied_at_ms INTEGER NOT NULL)";
  String SCHEMA_LEVEL = "SELECT coalesce(max(version), 0) AS v FROM schema_version";
  String RECORD_MIGRATION = "INSERT INTO schema_version (version, applied_at_ms) VALUES (?, ?)";

  /** A session's key ({@link SessionKeys}); its row is made by {@link #ADD_SESSION} in the same transaction first. */
  String SK = SessionKeys.OF_ID;
  Write<String> ADD_SESSION = new Write<>(SessionKeys.ADD, (s, p) -> p.add(s));

  Write<CommitPlan.Count> ADD_COUNT = new Write<>("INSERT INTO window_counts (sk, window_start_ms, "
    + "event_type, n) VALUES (" + SK + ", ?, ?, ?) "
    + "ON CONFLICT (sk, window_start_ms, event_type) DO UPDATE SET n = n + excluded.n",
    (r, p) -> p.add(r.key().sessionId()).add(r.key().windowStartMs()).add(r.type().code()).add(r.events()));
  Write<CommitPlan.NewScreenshot> INSERT_SCREENSHOT = new Write<>("INSERT OR IGNORE INTO screenshots (screenshot_id, "
    + "session_id, event_id, ts_ms, window_start_ms, format, size_bytes, width, height, storage, app_name, "
    + "window_title, region_x, region_y, region_width, region_height, privacy_masked) "
    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    (r, p) -> p.add(r.screenshot().screenshotId()).add(r.event().sessionId()).add(r.event().id())
      .add(r.event().timestampMs()).add(r.windowStartMs()).add(r.screenshot().format().wireName())
      .add(r.row().sizeBytes()).add(r.row().width()).add(r.row().height()).add(r.row().storage())
      .add(r.screenshot().appName()).add(r.screenshot().windowTitle())
      .add(r.screenshot().screenRegion().x()).add(r.screenshot().screenRegion().y())
      .add(r.screenshot().screenRegion().width()).add(r.screenshot().screenRegion().height())
      .add(r.screenshot().privacyMasked() ? 1 : 0));
  Write<BatchRecord> INSERT_BATCH = new Write<>("INSERT OR REPLACE INTO batches (window_id, session_id, "
    + "window_start_ms, window_end_ms, part, parts, firing, event_count, screenshot_count, late, replayed, "
    + "emitted_at_ms, paused_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    (b, p) -> p.add(b.windowId()).add(b.sessionId()).add(b.windowStartMs()).add(b.windowEndMs()).add(b.part())
      .add(b.parts()).add(b.firing()).add(b.eventCount()).add(b.screenshotCount()).add(b.late() ? 1 : 0)
      .add(b.replayed() ? 1 : 0).add(b.emittedAtMs()).add(b.pausedMs()));
  String UPSERT_PAUSE = "INSERT OR REPLACE INTO pauses (start_ms, end_ms) VALUES (?, ?)";
  /** The newest pauses, at most as many as the module holds. */
  String RECENT_PAUSES = "SELECT start_ms, end_ms FROM pauses ORDER BY start_ms DESC LIMIT " + Pauses.KEPT;
  Write<ScreenshotDeletion> MARK_DELETED = new Write<>("UPDATE screenshots SET deleted_at_ms = ?, "
    + "deleted_reason = ? WHERE screenshot_id = ? AND deleted_at_ms IS NULL",
    (d, p) -> p.add(d.deletedAtMs()).add(d.reason()).add(d.screenshotId()));

  /** At start-up: whatever a previous run held is gone (memory with the process, files with the sweep). */
  String SWEEP_UNDELETED = "UPDATE screenshots SET deleted_at_ms = ?, deleted_reason = 'startup-sweep' "
    + "WHERE deleted_at_ms IS NULL AND storage <> 'none'";

  /**
   * Per window with {@code range} (a condition on window_start_ms): its committed events (n), what its plain
   * batches carried plus what imports restored into it (plain: history, covered as if emitted) and the most any one
   * replayed firing carried (best). A window is covered when n <= max(plain, best): the writer's replay emits the
   * others again, and retention deletes only covered ones.
   */
  static String windowCoverage(String range) {
    return "SELECT s.session_id, c.window_start_ms, c.n, "
      + "coalesce(b.plain, 0) + coalesce(i.n, 0) AS plain, coalesce(r.best, 0) AS best FROM "
      + "(SELECT sk, window_start_ms, sum(n) AS n FROM window_counts WHERE " + range + " GROUP BY 1, 2) c "
      + "JOIN sessions s ON s.sk = c.sk LEFT JOIN (SELECT session_id, window_start_ms, sum(event_count) AS plain FROM batches WHERE replayed = 0 "
      + "AND " + range + " GROUP BY 1, 2) b ON b.session_id = s.session_id AND b.window_start_ms = c.window_start_ms "
      + "LEFT JOIN (SELECT session_id, window_start_ms, max(total) AS best FROM (SELECT session_id, window_start_ms, "
      + "firing, sum(event_count) AS total FROM batches WHERE replayed = 1 AND " + range + " GROUP BY 1, 2, 3) "
      + "GROUP BY 1, 2) r ON r.session_id = s.session_id AND r.window_start_ms = c.window_start_ms "
      + "LEFT JOIN imported_windows i ON i.sk = c.sk AND i.window_start_ms = c.window_start_ms";
  }

  /** Windows whose committed events outnumber what their batches and imports cover (see the writer's replay). */
  String UNCOVERED_WINDOWS = windowCoverage("1 = 1")
    + " WHERE c.n > max(coalesce(b.plain, 0) + coalesce(i.n, 0), coalesce(r.best, 0))";
  /** Events an import stored in one window. */
  Write<CommitPlan.Count> ADD_IMPORTED = new Write<>("INSERT INTO imported_windows (sk, window_start_ms, n) "
    + "VALUES (" + SK + ", ?, ?) ON CONFLICT (sk, window_start_ms) DO UPDATE SET n = n + excluded.n",
    (r, p) -> p.add(r.key().sessionId()).add(r.key().windowStartMs()).add(r.events()));
  /** An imported screenshot's deletion as the export recorded it (its pixels were never imported). */
  Write<ScreenshotDeletion> IMPORTED_DELETION = new Write<>("UPDATE screenshots SET deleted_at_ms = ?, "
    + "deleted_reason = ? WHERE screenshot_id = ?",
    (d, p) -> p.add(d.deletedAtMs()).add(d.reason()).add(d.screenshotId()));
  /** The blocks of one window of one session, for the ids they hold. */
  String WINDOW_BLOCK_DATA = "SELECT data FROM event_blocks WHERE sk = " + SK + " AND window_start_ms = ?";
  String LAST_FIRINGS = "SELECT session_id, window_start_ms, max(firing) AS f FROM batches "
    + "WHERE window_end_ms >= ? GROUP BY 1, 2";
  String WINDOW_SCREENSHOTS = "SELECT screenshot_id, ts_ms, format, size_bytes, width, height, storage, deleted_at_ms "
    + "FROM screenshots WHERE session_id = ? AND window_start_ms = ?";
  /**
   * The blocks of one window start from a session key on, that may hold events with after < seq <= upto, session
   * by session in key order, each with its session's id: what a sweep of the windows the batcher kept no record of reads, a page at a time.
   */
  String SWEEP_BLOCKS = "SELECT e.block, e.sk, s.session_id, e.event_type, e.n FROM event_blocks e "
    + "JOIN sessions s ON s.sk = e.sk WHERE e.window_start_ms = ? AND e.sk > ? AND e.max_seq > ? "
    + "AND coalesce(e.min_seq, 0) <= ? ORDER BY e.sk, coalesce(e.min_seq, 0), e.block LIMIT ?";
  /** At least as many events as one window has with after < seq <= upto (blocks that overlap the range). */
  String WINDOW_EVENTS_AT_MOST = "SELECT coalesce(sum(n), 0) FROM event_blocks WHERE sk = " + SK
    + " AND window_start_ms = ? AND max_seq > ? AND coalesce(min_seq, 0) <= ?";
  /** The last firing of one window emitted so far, null if none. */
  String LAST_FIRING = "SELECT max(firing) FROM batches WHERE session_id = ? AND window_start_ms = ?";
  String MAX_SEQ = "SELECT coalesce(max(max_seq), 0) FROM event_blocks";

  String RECENT_HOURS = "SELECT tbl, hour FROM recent_ids_hours";
  String SET_RECENT_HOUR = "UPDATE recent_ids_hours SET hour = ? WHERE tbl = ?";
  List<String> CLEAR_RECENT = List.of("DELETE FROM recent_ids_0", "DELETE FROM recent_ids_1");
  /**
   * A producer-chosen id, as its 16 bytes, claimed for this hour's table: inserted unless either table holds it,
   * so that the statement's count of rows changed (0 or 1) tells whether it was held before.
   */
  List<Write<byte[]>> CLAIM_RECENT = List.of(
    new Write<>("INSERT OR IGNORE INTO recent_ids_0 (id) SELECT ?1 WHERE NOT EXISTS "
      + "(SELECT 1 FROM recent_ids_1 WHERE id = ?1)", (id, p) -> p.add(id)),
    new Write<>("INSERT OR IGNORE INTO recent_ids_1 (id) SELECT ?1 WHERE NOT EXISTS "
      + "(SELECT 1 FROM recent_ids_0 WHERE id = ?1)", (id, p) -> p.add(id)));

  /** Windows with more than one piece of some event type: candidates for compaction once emitted. */
  String UNCOMPACTED_WINDOWS = "SELECT DISTINCT s.session_id, w.window_start_ms FROM "
    + "(SELECT sk, window_start_ms FROM event_blocks GROUP BY sk, window_start_ms, event_type HAVING count(*) > 1) w "
    + "JOIN sessions s ON s.sk = w.sk";
  Write<BlockRow> INSERT_BLOCK = new Write<>("INSERT INTO event_blocks (sk, window_start_ms, event_type, n, "
    + "min_seq, max_seq, data) VALUES (" + SK + ", ?, ?, ?, ?, ?, ?)",
    (b, p) -> p.add(b.key().sessionId()).add(b.key().windowStartMs()).add(b.type().code())
      .add(b.events()).add(b.minSeq()).add(b.maxSeq()).add(b.data()));
  /** The blocks of a window that may hold events with after < seq <= upto, in the order their events begin. */
  String PAGE_BLOCKS = "SELECT block, coalesce(min_seq, 0) AS lo, event_type FROM event_blocks "
    + "WHERE sk = " + SK + " AND window_start_ms = ? AND max_seq > ? AND coalesce(min_seq, 0) <= ? ORDER BY lo, block";
  /** A window's blocks by type, each type's in the order their events begin. */
  String COMPACT_BLOCKS = "SELECT block, event_type, n FROM event_blocks WHERE sk = " + SK + " AND window_start_ms = ? "
    + "ORDER BY event_type, coalesce(min_seq, 0), block";
  String BLOCK_DATA = "SELECT data FROM event_blocks WHERE block = ?";
  /** Followed by a parenthesised list of block numbers. */
  String BLOCKS_DATA = "SELECT block, data FROM event_blocks WHERE block IN ";
  String DELETE_BLOCK = "DELETE FROM event_blocks WHERE block = ?";

  /** {@code n} comma-separated parameter marks, for an {@code IN (...)} list. */
  static String marks(int n) {
    return "?" + ",?".repeat(n - 1);
  }
}
