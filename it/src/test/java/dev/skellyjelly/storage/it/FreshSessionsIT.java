package dev.skellyjelly.storage.it;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static dev.skellyjelly.storage.it.JarProcess.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A token holder sending valid keystrokes at 5 000 a second, each of a fresh session (a buggy producer), into
 * the real jar: no event-loop task runs over 100 ms, the resident set stays bounded, the process lives, and
 * every event is committed and batched exactly once. {@link FreshSessionsEnduranceIT} runs it for 5 minutes.
 */
class FreshSessionsIT {

  /** The resident set the module may reach under this flood (the heap of conf/jvm.options, metaspace, threads, SQLite). */
  static final long MAX_RSS_KB = 320 * 1024;

  @TempDir
  Path dir;

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void fiveThousandFreshSessionsASecondForThirtySeconds() throws Exception {
    flood(dir, Duration.ofSeconds(30), HostileLoad.SUITE);
  }

  static void flood(Path dir, Duration duration, HostileLoad.Checker checker) throws Exception {
    try (HostileLoad load = HostileLoad.start(dir, checker, "shutdown_timeout_ms=120000")) {
      long sent = load.send(5_000, duration, HostileLoad::freshSessionKeystroke);
      JsonObject summary = load.stop(Duration.ofMinutes(3));
      System.out.printf("FreshSessionsIT: %d events in %s, peak RSS %d kB%n", sent, duration, load.peakRssKb.get());
      load.assertNeverBlockedNorOutOfMemory();
      assertTrue(load.peakRssKb.get() < MAX_RSS_KB, "peak RSS " + load.peakRssKb.get() + " kB");
      assertTrue(load.jar.stderrLines().stream().anyMatch(l -> l.contains("will be read from the database")),
        "not vacuous: windows went past the batcher's record\n" + load.jar.describe());
      assertEquals(sent, summary.getLong("events_received"), summary.encode());
      assertEquals(sent, summary.getLong("events_persisted"), summary.encode());
      assertEquals(sent, summary.getLong("events_batched"), summary.encode());
      assertEquals(0, summary.getLong("dropped"), summary.encode());
      assertEquals(sent, scalar(load.db, "SELECT sum(n) FROM event_counts"));
      assertEquals(sent, scalar(load.db, "SELECT sum(event_count) FROM batches WHERE replayed = 0"));
      assertEquals(sent, scalar(load.db, "SELECT count(DISTINCT session_id) FROM batches"), "a window per session");
      assertEquals(0, scalar(load.db, "SELECT count(*) FROM (SELECT session_id, window_start_ms FROM batches "
        + "GROUP BY 1, 2 HAVING count(*) > 1)"), "each window emitted once");
    }
  }
}
