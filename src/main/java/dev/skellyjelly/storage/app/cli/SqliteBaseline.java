package dev.skellyjelly.storage.app.cli;

import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Uuids;
import dev.skellyjelly.storage.impl.EventRows;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The baseline {@code bench} compares the pipeline with: the same events as plain rows through
 * sqlite-jdbc, a prepared statement, 1000 per transaction, WAL, synchronous=NORMAL.
 */
final class SqliteBaseline {

  private static final Logger LOG = LoggerFactory.getLogger(SqliteBaseline.class);

  private SqliteBaseline() {}

  /** Rows per second for {@code events} events, in a database under {@code dir}. */
  static double rowsPerSecond(Path dir, int events) throws SQLException {
    BenchCorpus corpus = new BenchCorpus(events, false);
    Path db = dir.resolve("raw.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db + "?journal_mode=WAL&synchronous=NORMAL")) {
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE events (seq INTEGER PRIMARY KEY, id BLOB NOT NULL, session BLOB NOT NULL, "
          + "ts_ms INTEGER NOT NULL, event_type INTEGER NOT NULL, data BLOB NOT NULL)");
      }
      c.setAutoCommit(false);
      byte[] session = Uuids.toBytes(Uuids.random());
      long started = System.nanoTime();
      try (PreparedStatement insert = c.prepareStatement(
        "INSERT INTO events (id, session, ts_ms, event_type, data) VALUES (?, ?, ?, ?, ?)")) {
        for (int i = 0; corpus.hasNext(); i++) {
          RawEvent e = corpus.next();
          insert.setBytes(1, Uuids.toBytes(Uuids.random()));
          insert.setBytes(2, session);
          insert.setLong(3, e.timestampMs());
          insert.setInt(4, e.eventType().code());
          insert.setBytes(5, EventRows.data(e));
          insert.executeUpdate();
          if (i % 1000 == 999) {
            c.commit();
          }
        }
        c.commit();
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      LOG.info("baseline: {} rows in {} s", events, BenchFigures.round(seconds, 2));
      return events / seconds;
    }
  }
}
