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
      assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), levels);
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
