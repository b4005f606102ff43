package dev.skellyjelly.storage.it;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static dev.skellyjelly.storage.it.JarProcess.run;
import static dev.skellyjelly.storage.it.JarProcess.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A flood of valid events, 10 000 a second for 40 s with the default 30 s windows, into the real jar under
 * conf/jvm.options: a window holds far more events than the batcher keeps in memory, so windows are read back
 * from the database when they close. The process lives, refuses nothing, and every event is committed and
 * batched exactly once.
 */
class FloodIT {

  @TempDir
  Path tmp;

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void tenThousandEventsASecondAreAllCommittedAndBatchedWithoutRunningOutOfMemory() throws Exception {
    Path db = tmp.resolve("db/events.db");
    JsonObject summary;
    try (JarProcess p = JarProcess.start(tmp.resolve("work"), tmp.resolve("home"), run(db, tmp.resolve("shots"),
      // The stop emits the windows held in the database by reading them back: on a slow machine that can take more
      // than the default 10 s, and this test is about memory under a flood, not about how fast a stop is.
      "--simulate", "10000", "--duration", "40s", "--set", "shutdown_timeout_ms=60000"))) {
      assertEquals(0, p.waitForExit(Duration.ofMinutes(2)), p.describe());
      summary = p.summary();
      // Not vacuous: at least one window outgrew the batcher's memory and was read back.
      assertTrue(p.stderrLines().stream().anyMatch(l -> l.contains("will be read back from the database")), p.describe());
    }
    long received = summary.getLong("events_received");
    assertTrue(received > 300_000, summary.encode());
    assertEquals(received, summary.getLong("events_persisted"), summary.encode());
    assertEquals(received, summary.getLong("events_batched"), summary.encode());
    assertEquals(0, summary.getLong("dropped"), summary.encode());
    assertEquals(0, summary.getLong("dead_letters"), summary.encode());
    assertEquals(received, scalar(db, "SELECT sum(n) FROM event_counts"));
    assertEquals(received, scalar(db, "SELECT sum(event_count) FROM batches WHERE replayed = 0"));
    assertTrue(scalar(db, "SELECT max(n) FROM event_blocks") <= 32_768);
    assertEquals("ok", JarProcess.rows(db, "PRAGMA integrity_check").get(0).get(0));
  }
}
