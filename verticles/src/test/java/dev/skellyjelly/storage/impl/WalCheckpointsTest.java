package dev.skellyjelly.storage.impl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No commit of the writer checkpoints the write-ahead log on its way: the log grows past SQLite's automatic
 * threshold (1 000 pages) until the writer checkpoints between commits, and a truncation after a complete PASSIVE
 * checkpoint leaves it empty.
 */
class WalCheckpointsTest {

  @TempDir
  Path dir;

  @Test
  void commitsLeaveTheLogToTheWritersOwnCheckpoints() throws Exception {
    Path db = dir.resolve("events.db");
    Path wal = CompanionFiles.wal(db);
    try (WriterConnection c = new WriterConnection(db)) {
      c.transaction(w -> w.update("CREATE TABLE t (x BLOB)"));
      // 1 200 commits of a page each: past the automatic checkpoint's 1 000 pages.
      for (int i = 0; i < 1_200; i++) {
        c.transaction(w -> w.update("INSERT INTO t VALUES (zeroblob(3000))"));
      }
      long pageSize = c.read(w -> w.query("PRAGMA page_size", rs -> rs.getLong(1))).get(0);
      assertTrue(Files.size(wal) > 1_200 * pageSize, "the log holds every commit: " + Files.size(wal) + " bytes");

      WalCheckpoints checkpoints = new WalCheckpoints();
      WalCheckpoints.Result passive = checkpoints.passive(c);
      assertTrue(passive.complete(), passive.toString());
      assertTrue(passive.logFrames() > 1_200, passive.toString());
      assertTrue(checkpoints.truncate(c));
      assertEquals(0, Files.size(wal));
      assertEquals(1_200L, c.read(w -> w.query("SELECT count(*) FROM t", rs -> rs.getLong(1))).get(0));
    }
  }

  @Test
  void theTickCheckpointsEverySecondWhenIdleAndAfterTwoInAnyCase() {
    WalCheckpoints checkpoints = new WalCheckpoints();
    long start = System.nanoTime();
    assertFalse(checkpoints.due(true, start + 500_000_000L));
    assertTrue(checkpoints.due(true, start + 1_500_000_000L));
    assertFalse(checkpoints.due(false, start + 1_500_000_000L));
    assertTrue(checkpoints.due(false, start + 2_500_000_000L));
  }
}
