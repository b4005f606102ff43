package dev.skellyjelly.storage.it;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static dev.skellyjelly.storage.it.JarProcess.rows;
import static dev.skellyjelly.storage.it.JarProcess.run;
import static dev.skellyjelly.storage.it.JarProcess.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code run} of the real jar (CONTRACT §6): the summary line against the database, configuration errors,
 * the one-module-per-database lock, SIGTERM, and firings split in parts.
 */
class RunCommandIT {

  /** The eight fields of the run summary the contract names. */
  private static final List<String> SUMMARY_FIELDS = List.of("events_received", "events_persisted", "events_batched",
    "batches_emitted", "screenshots_received", "screenshots_deleted", "dead_letters", "dropped");
  private static final Pattern STATUS = Pattern.compile(".*events/s.*windows open.*batches.*screenshots.*db.*");

  @TempDir
  Path tmp;
  Path db;
  Path shots;
  Path work;
  Path home;

  @BeforeEach
  void paths() {
    db = tmp.resolve("db/events.db");
    shots = tmp.resolve("shots");
    work = tmp.resolve("work");
    home = tmp.resolve("home");
  }

  @Test
  @Timeout(60)
  void simulatedRunCommitsAndBatchesEveryEventAndPrintsOnlyTheSummary() throws Exception {
    try (JarProcess p = JarProcess.start(work, home, run(db, shots, "--simulate", "2000", "--duration", "10s"))) {
      assertEquals(0, p.waitForExit(Duration.ofSeconds(45)), p::describe);
      assertEquals(1, p.stdoutLines().size(), () -> "stdout holds nothing but the summary\n" + p.describe());
      JsonObject s = p.summary();
      for (String field : SUMMARY_FIELDS) {
        assertTrue(s.getValue(field) instanceof Number, () -> "summary field " + field + " missing: " + s.encode());
      }
      // 2000/s for 10 s: roughly 20 000, never more than the rate allows.
      long received = s.getLong("events_received");
      assertTrue(received >= 10_000 && received <= 21_000, () -> "events_received " + received);
      assertEquals(0L, s.getLong("dead_letters"));
      assertEquals(0L, s.getLong("dropped"));
      // The default screenshot interval (30 s) is longer than the run: no screenshot at all.
      assertEquals(0L, s.getLong("screenshots_received"));
      assertEquals(0L, s.getLong("screenshots_deleted"));
      assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(db));
      assertConsistent(s, db);
      assertEquals(s.getLong("batches_emitted"), scalar(db, "SELECT count(*) FROM batches"));
      long status = p.stderrLines().stream().filter(l -> STATUS.matcher(l).matches()).count();
      assertTrue(status >= 3, () -> "a status line every few seconds on stderr\n" + p.describe());
      assertFalse(Files.exists(home.resolve(".skelly-jelly")), "nothing under the (test's) home directory");
    }
  }

  @Test
  @Timeout(30)
  void unknownKeyOnTheCommandLineExits2() throws Exception {
    assertRejected(Map.of(), "no_such_key", "--set", "no_such_key=1");
  }

  @Test
  @Timeout(30)
  void negativeWindowExits2() throws Exception {
    assertRejected(Map.of(), "batch_window_seconds", "--set", "batch_window_seconds=-3");
  }

  @Test
  @Timeout(30)
  void graceNotAboveFlushIntervalExits2() throws Exception {
    // The default flush interval is 1000 ms: a grace of 500 ms could close windows before their events commit.
    assertRejected(Map.of(), "window_grace_ms", "--set", "window_grace_ms=500");
  }

  @Test
  @Timeout(30)
  void unknownEnvironmentVariableExits2() throws Exception {
    assertRejected(Map.of("SKELLY_STORAGE_FOO", "1"), "(?i)foo");
  }

  @Test
  @Timeout(30)
  void badValueInConfigFileExits2() throws Exception {
    Path file = tmp.resolve("storage.toml");
    Files.writeString(file, "[storage]\nbatch_window_seconds = 5\nmax_events_per_batch = \"many\"\n");
    assertRejected(Map.of(), "max_events_per_batch", "--config", file.toString());
  }

  @Test
  @Timeout(30)
  void badDurationExits2() throws Exception {
    assertRejected(Map.of(), "10 parsecs", "--duration", "10 parsecs");
  }

  @Test
  @Timeout(60)
  void secondRunOnTheSameDatabaseRefusesNamingTheHolder() throws Exception {
    try (JarProcess first = JarProcess.start(work, home, run(db, shots, "--simulate", "500", "--duration", "10s"))) {
      // A status line means the module is up, so the first holds the database.
      first.awaitStderr(l -> STATUS.matcher(l).matches(), Duration.ofSeconds(20));
      try (JarProcess second = JarProcess.start(tmp.resolve("work2"), tmp.resolve("home2"),
        run(db, tmp.resolve("shots2"), "--duration", "5s"))) {
        assertEquals(1, second.waitForExit(Duration.ofSeconds(30)), second::describe);
        Pattern holder = Pattern.compile(".*\\bpid " + first.pid() + "\\b.*");
        assertTrue(second.stderrLines().stream().anyMatch(l -> holder.matcher(l).matches()),
          () -> "a line naming the holder, pid " + first.pid() + "\n" + second.describe());
        assertTrue(second.stdoutLines().isEmpty(), second::describe);
      }
      assertTrue(first.isAlive(), () -> "the first run keeps running\n" + first.describe());
      assertEquals(0, first.waitForExit(Duration.ofSeconds(30)), first::describe);
      JsonObject s = first.summary();
      assertTrue(s.getLong("events_received") > 0, s::encode);
      assertConsistent(s, db);
    }
  }

  @Test
  @Timeout(60)
  void sigtermStopsGracefullyWithTheSummary() throws Exception {
    try (JarProcess p = JarProcess.start(work, home, run(db, shots, "--simulate", "2000"))) {
      p.awaitStderr(l -> STATUS.matcher(l).matches(), Duration.ofSeconds(20));
      p.terminate();
      assertEquals(0, p.waitForExit(Duration.ofSeconds(30)), p::describe);
      assertEquals(1, p.stdoutLines().size(), p::describe);
      JsonObject s = p.summary();
      assertTrue(s.getLong("events_received") > 0, s::encode);
      assertConsistent(s, db);
    }
  }

  @Test
  @Timeout(60)
  void firingsOverTheLimitAreSplitInPartsNeverTruncated() throws Exception {
    try (JarProcess p = JarProcess.start(work, home, run(db, shots, "--simulate", "3000", "--duration", "20s",
      "--set", "batch_window_seconds=5", "--set", "max_events_per_batch=2000"))) {
      assertEquals(0, p.waitForExit(Duration.ofSeconds(50)), p::describe);
      assertConsistent(p.summary(), db);
    }
    // Per window: what its (non-replayed) batches carried equals what was committed in it.
    List<List<Object>> windows = rows(db, "SELECT c.session_id, c.window_start_ms, c.n, coalesce(b.carried, 0) FROM "
      + "(SELECT session_id, window_start_ms, sum(n) AS n FROM event_counts GROUP BY 1, 2) c LEFT JOIN "
      + "(SELECT session_id, window_start_ms, sum(event_count) AS carried FROM batches WHERE replayed = 0 GROUP BY 1, 2) b "
      + "ON b.session_id = c.session_id AND b.window_start_ms = c.window_start_ms");
    assertTrue(windows.size() >= 3, () -> "20 s of 5 s windows: " + windows);
    for (List<Object> w : windows) {
      assertEquals(((Number) w.get(2)).longValue(), ((Number) w.get(3)).longValue(), () -> "window " + w);
    }
    // Per firing: `parts` batches, each at most 2000 events, and no more parts than needed.
    List<List<Object>> firings = rows(db, "SELECT session_id, window_start_ms, firing, count(*), min(parts), max(parts), "
      + "sum(event_count), max(event_count), count(DISTINCT part) FROM batches GROUP BY 1, 2, 3");
    for (List<Object> f : firings) {
      long batches = ((Number) f.get(3)).longValue();
      long parts = ((Number) f.get(5)).longValue();
      long events = ((Number) f.get(6)).longValue();
      assertEquals(parts, ((Number) f.get(4)).longValue(), () -> "one parts value per firing " + f);
      assertEquals(parts, batches, () -> "every part emitted " + f);
      assertEquals(parts, ((Number) f.get(8)).longValue(), () -> "distinct part numbers " + f);
      assertTrue(((Number) f.get(7)).longValue() <= 2000, () -> "max_events_per_batch " + f);
      assertEquals(Math.max(1, (events + 1999) / 2000), parts, () -> "as few parts as the limit allows " + f);
    }
    assertTrue(scalar(db, "SELECT max(parts) FROM batches") > 1, "some window was split in parts");
  }

  /**
   * Start-up refused: exit 2, a stderr line matching {@code named} (the key), and nothing created.
   */
  private void assertRejected(Map<String, String> env, String named, String... more) throws Exception {
    try (JarProcess p = JarProcess.start(work, home, env, run(db, shots, more))) {
      assertEquals(2, p.waitForExit(Duration.ofSeconds(20)), p::describe);
      Pattern key = Pattern.compile(".*" + (named.startsWith("(?") ? named : Pattern.quote(named)) + ".*");
      assertTrue(p.stderrLines().stream().anyMatch(l -> key.matcher(l).matches()),
        () -> "a line naming " + named + "\n" + p.describe());
      assertTrue(p.stdoutLines().isEmpty(), () -> "no summary of a run that never started\n" + p.describe());
      assertFalse(Files.exists(db), "a refused start-up creates no database");
    }
  }

  /** The summary agrees with itself and with the database; the database is sound. */
  static void assertConsistent(JsonObject s, Path db) throws Exception {
    long persisted = s.getLong("events_persisted");
    assertEquals(s.getLong("events_received"), persisted, () -> "every accepted event committed: " + s.encode());
    assertEquals(persisted, scalar(db, "SELECT coalesce(sum(n), 0) FROM event_counts"), () -> "event_counts " + s.encode());
    assertEquals(persisted, s.getLong("events_batched"), () -> "every committed event batched: " + s.encode());
    assertEquals(persisted, scalar(db, "SELECT coalesce(sum(event_count), 0) FROM batches WHERE replayed = 0"),
      () -> "batches " + s.encode());
    assertEquals(List.of(List.of("ok")), rows(db, "PRAGMA integrity_check"));
  }
}
