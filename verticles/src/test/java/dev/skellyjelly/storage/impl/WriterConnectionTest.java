package dev.skellyjelly.storage.impl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** How durable a commit of the writer is before an event is acknowledged. */
class WriterConnectionTest {

  @TempDir
  Path dir;

  /** A committed event survives a power loss, not only a killed process: WAL with synchronous=FULL (2). */
  @Test
  void commitsAreSyncedToDiskBeforeTheyReturn() throws Exception {
    try (WriterConnection c = new WriterConnection(dir.resolve("events.db"))) {
      assertEquals(List.of("wal"), c.read(w -> w.query("PRAGMA journal_mode", rs -> rs.getString(1))));
      assertEquals(List.of(2), c.read(w -> w.query("PRAGMA synchronous", rs -> rs.getInt(1))));
      // Still so on a connection opened anew after a failure.
      c.transaction(w -> w.update("CREATE TABLE t (x)"));
      try {
        c.transaction(w -> w.update("INSERT INTO missing VALUES (1)"));
      } catch (java.sql.SQLException expected) {
        // The connection was discarded; the next use opens a new one.
      }
      assertEquals(List.of(2), c.read(w -> w.query("PRAGMA synchronous", rs -> rs.getInt(1))));
      // A rewrite (compaction) is not synced on its own; the commits after it are again.
      assertEquals(List.of(1), c.rewrite(w -> w.query("PRAGMA synchronous", rs -> rs.getInt(1))));
      assertEquals(List.of(2), c.read(w -> w.query("PRAGMA synchronous", rs -> rs.getInt(1))));
    }
  }
}
