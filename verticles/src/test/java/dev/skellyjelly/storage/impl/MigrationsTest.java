package dev.skellyjelly.storage.impl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each migration script runs whole, once, recorded with its level; a newer schema is refused. */
class MigrationsTest {

  private static final InstantSource CLOCK = InstantSource.fixed(Instant.ofEpochMilli(1_764_151_200_000L));

  @TempDir
  Path dir;

  @Test
  void everyStatementOfEveryScriptRunsOnceAndEachLevelIsRecorded() throws Exception {
    Path database = dir.resolve("events.db");
    try (WriterConnection db = new WriterConnection(database)) {
      Migrations.apply(db, database, CLOCK);
      Migrations.apply(db, database, CLOCK);

      List<Long> levels = db.read(c -> c.query("SELECT version FROM schema_version ORDER BY version",
        rs -> rs.getLong(1)));
      assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L), levels);
      assertEquals(List.of(CLOCK.millis()), db.read(c -> c.query("SELECT DISTINCT applied_at_ms FROM schema_version",
        rs -> rs.getLong(1))));
      // The last statement of the first script and the one of the second both took effect.
      assertEquals(1, db.read(c -> c.query("SELECT count(*) FROM sqlite_master WHERE name = 'screenshots_by_window'",
        rs -> rs.getInt(1))).get(0));
      assertTrue(db.read(c -> c.query("SELECT name FROM pragma_table_info('event_blocks')", rs -> rs.getString(1)))
        .contains("min_seq"));
      assertTrue(db.read(c -> c.query("SELECT name FROM pragma_table_info('batches')", rs -> rs.getString(1)))
        .contains("paused_ms"));
      assertEquals(7, db.read(c -> c.query("SELECT count(*) FROM event_types", rs -> rs.getInt(1))).get(0));
      // Import's record of the windows it restored.
      assertTrue(db.read(c -> c.query("SELECT name FROM pragma_table_info('imported_windows')", rs -> rs.getString(1)))
        .contains("n"));
      // Retention's indexes: its deletes find the oldest range without scanning a table.
      assertEquals(4, db.read(c -> c.query("SELECT count(*) FROM sqlite_master WHERE name IN ('window_counts_by_start', "
        + "'batches_by_start', 'screenshots_titled_by_start', 'activity_by_end')", rs -> rs.getInt(1))).get(0));
      // Session keys: the tables filled per session and time hold a key, the contract's view still the id.
      for (String table : List.of("event_blocks", "window_counts", "activity", "focus_changes", "minute_rollups",
        "hour_rollups", "minute_focus", "hour_focus", "imported_windows")) {
        List<String> columns = db.read(c -> c.query("SELECT name FROM pragma_table_info('" + table + "')",
          rs -> rs.getString(1)));
        assertTrue(columns.contains("sk") && !columns.contains("session_id") && !columns.contains("session"),
          table + " " + columns);
      }
      assertEquals(List.of("session_id", "window_start_ms", "event_type", "n"), db.read(c -> c.query(
        "SELECT name FROM pragma_table_info('event_counts')", rs -> rs.getString(1))));
      assertEquals(6, db.read(c -> c.query("SELECT count(*) FROM sqlite_master WHERE name IN ('event_blocks_by_window', "
        + "'event_blocks_by_start', 'event_blocks_by_max_seq', 'window_counts_by_start', 'activity_by_end', "
        + "'focus_changes_by_time')", rs -> rs.getInt(1))).get(0));
    }
  }

  @Test
  void levelSevenGivesEachSessionOneKeyAndKeepsEveryRowOfEveryTable() throws Exception {
    Path database = dir.resolve("events.db");
    String a = "0a1b2c3d-0000-4000-8000-00000000000a";
    String b = "0a1b2c3d-0000-4000-8000-00000000000b";
    try (WriterConnection db = new WriterConnection(database)) {
      db.transaction(c -> {
        c.runScript(Sql.CREATE_SCHEMA_VERSION);
        for (int i = 0; i < 6; i++) {
          try (var in = Migrations.class.getResourceAsStream("/dev/skellyjelly/storage/db/" + Migrations.FILES.get(i))) {
            c.runScript(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
          } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
          }
          c.update(Sql.RECORD_MIGRATION, i + 1, CLOCK.millis());
        }
        // Level 6 rows: session a in every table, b only in a block and its count.
        c.update("INSERT INTO event_blocks (session, window_start_ms, event_type, n, max_seq, data, min_seq) "
          + "VALUES (?, 30000, 0, 2, 2, x'01', 1), (?, 30000, 3, 1, 3, x'02', 3), (?, 60000, 0, 1, 4, x'03', 4)",
          dev.skellyjelly.storage.codecs.Uuids.toBytes(a), dev.skellyjelly.storage.codecs.Uuids.toBytes(a),
          dev.skellyjelly.storage.codecs.Uuids.toBytes(b));
        c.update("INSERT INTO window_counts VALUES (?, 30000, 0, 2), (?, 30000, 3, 1), (?, 60000, 0, 1)", a, a, b);
        c.update("INSERT INTO activity VALUES (?, 30000, 95000)", a);
        c.update("INSERT INTO focus_changes VALUES (?, 31000, 3, 'Editor')", a);
        c.update("INSERT INTO minute_rollups (bucket_ms, session_id, event_type, app, n) VALUES (0, ?, 0, 'Editor', 2)", a);
        c.update("INSERT INTO hour_rollups (bucket_ms, session_id, event_type, app, n) VALUES (0, ?, 0, 'Editor', 2)", a);
        c.update("INSERT INTO minute_focus VALUES (0, ?, 'Editor', 29000, 1)", a);
        c.update("INSERT INTO hour_focus VALUES (0, ?, 'Editor', 29000, 1)", a);
        c.update("INSERT INTO imported_windows VALUES (?, 30000, 3)", a);
        return null;
      });

      Migrations.apply(db, database, CLOCK);

      assertEquals(List.of(a, b), db.read(c -> c.query("SELECT session_id FROM sessions ORDER BY session_id",
        rs -> rs.getString(1))));
      assertEquals(List.of(a + "|30000|keystroke|2", a + "|30000|window_focus|1", b + "|60000|keystroke|1"),
        db.read(c -> c.query("SELECT session_id || '|' || window_start_ms || '|' || event_type || '|' || n "
          + "FROM event_counts ORDER BY 1", rs -> rs.getString(1))));
      assertEquals(List.of(a + "|1|x01", a + "|3|x02", b + "|4|x03"), db.read(c -> c.query("SELECT s.session_id "
        + "|| '|' || e.min_seq || '|x' || hex(e.data) FROM event_blocks e JOIN sessions s ON s.sk = e.sk ORDER BY e.block",
        rs -> rs.getString(1))));
      for (String table : List.of("activity", "focus_changes", "minute_rollups", "hour_rollups", "minute_focus",
        "hour_focus", "imported_windows")) {
        assertEquals(List.of(a), db.read(c -> c.query("SELECT s.session_id FROM " + table
          + " t JOIN sessions s ON s.sk = t.sk", rs -> rs.getString(1))), table);
      }
      assertEquals(List.of("Editor|2|29000"), db.read(c -> c.query("SELECT r.app || '|' || r.n || '|' || f.focused_ms "
        + "FROM hour_rollups r JOIN hour_focus f ON f.sk = r.sk AND f.bucket_ms = r.bucket_ms", rs -> rs.getString(1))));
      assertEquals(List.of("ok"), db.read(c -> c.query("PRAGMA integrity_check", rs -> rs.getString(1))));
    }
  }

  @Test
  void aSchemaNewerThanTheModuleIsRefusedAndLeftAsItIs() throws Exception {
    Path database = dir.resolve("events.db");
    try (WriterConnection db = new WriterConnection(database)) {
      Migrations.apply(db, database, CLOCK);
      db.update(Sql.RECORD_MIGRATION, Migrations.FILES.size() + 1, CLOCK.millis());

      IllegalStateException refused = assertThrows(IllegalStateException.class,
        () -> Migrations.apply(db, database, CLOCK));
      assertTrue(refused.getMessage().contains("newer than this module's " + Migrations.FILES.size()),
        refused.getMessage());
      assertEquals(Migrations.FILES.size() + 1, db.read(c -> c.query(Sql.SCHEMA_LEVEL, rs -> rs.getInt(1))).get(0));
    }
  }
}
