package dev.skellyjelly.storage.impl;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.List;

/**
 * Brings a database's schema up to this module's level: the numbered scripts under
 * {@code dev/skellyjelly/storage/db/}, each run whole by SQLite, in one transaction with the record of its level.
 */
final class Migrations {

  /** Logged under the writer's name, which runs them. */
  private static final Logger LOG = LoggerFactory.getLogger(DbWriterVerticle.class);

  /** In order; migration i (1-based) brings the schema to level i. */
  static final List<String> FILES = List.of("001-events.sql", "002-block-ranges.sql", "003-blocks-by-start.sql",
    "004-lifecycle.sql", "005-retention.sql", "006-import.sql", "007-session-keys.sql");

  private Migrations() {
  }

  /** Applies every migration {@code database} lacks; refuses a schema newer than this module's. */
  static void apply(WriterConnection db, Path database, InstantSource clock) throws SQLException {
    db.transaction(c -> {
      c.runScript(Sql.CREATE_SCHEMA_VERSION);
      int level = c.query(Sql.SCHEMA_LEVEL, rs -> rs.getInt(1)).get(0);
      if (level > FILES.size()) {
        throw new IllegalStateException("database " + database + " has schema level " + level
          + ", newer than this module's " + FILES.size());
      }
      for (int i = level; i < FILES.size(); i++) {
        String script = script(FILES.get(i));
        LOG.info("migrating {} to schema level {}", database, i + 1);
        c.runScript(script);
        c.update(Sql.RECORD_MIGRATION, i + 1, clock.millis());
      }
      return null;
    });
  }

  private static String script(String file) {
    try (InputStream in = Migrations.class.getResourceAsStream("/dev/skellyjelly/storage/db/" + file)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException | NullPointerException e) {
      throw new IllegalStateException("migration " + file + " is missing", e);
    }
  }
}
