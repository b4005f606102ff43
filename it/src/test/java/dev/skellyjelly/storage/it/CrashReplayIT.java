package dev.skellyjelly.storage.it;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.skellyjelly.storage.it.JarProcess.rows;
import static dev.skellyjelly.storage.it.JarProcess.run;
import static dev.skellyjelly.storage.it.JarProcess.scalar;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run killed with SIGKILL, then restarted on the same database: the lock is free again, every committed
 * event is emitted (the windows the crash cut short as {@code replayed} batches), and nothing of the screenshots it
 * held is left on disk, not even before the restart (their files had no names).
 */
class CrashReplayIT {

  private static final long WINDOW_MS = 5_000;
  private static final long GRACE_MS = 2_000;
  private static final Pattern BATCHES = Pattern.compile(".*events/s.*\\| (\\d+) batches.*");

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
  @Timeout(90)
  void restartAfterSigkillReplaysWhatTheCrashLeftUnemitted() throws Exception {
    long killedAt;
    try (JarProcess crashed = JarProcess.start(work, home, run(db, shots, "--simulate", "1000",
      "--set", "batch_window_seconds=5"))) {
      // Let at least one window be emitted normally first (~7 s into the run), so the crash falls after it.
      crashed.awaitStderr(l -> {
        Matcher m = BATCHES.matcher(l);
        return m.matches() && Integer.parseInt(m.group(1)) >= 1;
      }, Duration.ofSeconds(40));
      // Mid-window: the current window holds ~2 s of committed events that no batch carried yet.
      awaitPhase(2_000, 3_000);
      crashed.kill();
      killedAt = System.currentTimeMillis();
      assertTrue(crashed.stdoutLines().isEmpty(), "SIGKILL leaves no summary");
    }
    // The windows are wall-clock windows (the jar runs on the system clock): wait until the window the
    // crash cut short is past its end plus grace, so the restart finds it due and must replay it.
    long due = killedAt - Math.floorMod(killedAt, WINDOW_MS) + WINDOW_MS + GRACE_MS;
    await("the cut window past its end plus grace").atMost(Duration.ofMillis(WINDOW_MS + GRACE_MS + 1_000))
      .pollInterval(Duration.ofMillis(50)).until(() -> System.currentTimeMillis() >= due + 300);

    JsonObject summary;
    try (JarProcess restarted = JarProcess.start(work, home, run(db, shots, "--duration", "9s",
      "--set", "batch_window_seconds=5"))) {
      assertEquals(0, restarted.waitForExit(Duration.ofSeconds(40)), restarted::describe);
      assertFalse(restarted.stderrLines().stream().anyMatch(l -> l.contains("in use")),
        () -> "the killed run's lock is released by the OS\n" + restarted.describe());
      summary = restarted.summary();
    }

    assertEquals(List.of(List.of("ok")), rows(db, "PRAGMA integrity_check"));
    // Per window: the committed events never outnumber what its batches (replayed ones included) carried.
    List<List<Object>> windows = rows(db, "SELECT c.session_id, c.window_start_ms, c.n, coalesce(b.carried, 0), "
      + "coalesce(b.replayed, 0) FROM (SELECT session_id, window_start_ms, sum(n) AS n FROM event_counts GROUP BY 1, 2) c "
      + "LEFT JOIN (SELECT session_id, window_start_ms, sum(event_count) AS carried, sum(replayed) AS replayed "
      + "FROM batches GROUP BY 1, 2) b ON b.session_id = c.session_id AND b.window_start_ms = c.window_start_ms");
    assertTrue(windows.size() >= 2, () -> "windows of the killed run: " + windows);
    for (List<Object> w : windows) {
      long n = ((Number) w.get(2)).longValue();
      long carried = ((Number) w.get(3)).longValue();
      assertTrue(n > 0 && n <= carried, () -> "every committed event emitted at least once: " + w);
    }
    long replayed = scalar(db, "SELECT count(*) FROM batches WHERE replayed = 1");
    assertTrue(replayed >= 1, "the window the crash cut short came back replayed");
    // The restart received nothing itself: everything it emitted was a replay.
    assertEquals(0L, summary.getLong("events_received"), summary::encode);
    assertEquals(replayed, summary.getLong("batches_emitted"), summary::encode);
    assertEquals(0L, summary.getLong("events_batched"), () -> "replayed events are not counted again " + summary.encode());
  }

  @Test
  @Timeout(90)
  void heldScreenshotsHaveNoNamesAndNothingOfThemOutlivesSigkill() throws Exception {
    Set<String> held;
    try (JarProcess crashed = JarProcess.start(work, home, run(db, shots, "--simulate", "200",
      "--screenshot-every", "1s", "--set", "screenshot_memory_threshold_mb=1"))) {
      // Screenshots of 1 MB and more go to temp files whose names are gone once open; wait until a few are held.
      await("three held screenshot files").atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(100))
        .failFast(() -> assertTrue(crashed.isAlive(), crashed::describe))
        .untilAsserted(() -> assertTrue(heldFiles(crashed.pid()).size() >= 3,
          () -> "fewer than three held screenshot files in " + shots + "\n" + crashed.describe()));
      held = heldFiles(crashed.pid());
      // No other process can open them by name: the directory has no file at all.
      assertEquals(List.of(), screenshotFiles(), "screenshot files with names while held");
      crashed.kill();
      // Before any restart: the killed process's descriptors were the last references; nothing is on disk.
      assertEquals(List.of(), screenshotFiles(), "screenshot files after kill -9");
    }
    assertTrue(held.size() >= 3, () -> "files held before the crash: " + held);

    try (JarProcess restarted = JarProcess.start(work, home, run(db, shots, "--duration", "3s"))) {
      assertEquals(0, restarted.waitForExit(Duration.ofSeconds(30)), restarted::describe);
    }

    assertEquals(List.of(), screenshotFiles(), "no screenshot file after the restart");
    List<List<Object>> shotRows = rows(db, "SELECT screenshot_id, storage, deleted_at_ms, deleted_reason FROM screenshots");
    assertFalse(shotRows.isEmpty(), "the killed run committed screenshot rows");
    for (List<Object> r : shotRows) {
      // Nothing was analysed or retained past its time before the crash: the sweep recorded every one.
      assertTrue(r.get(2) != null, () -> "deleted_at_ms of " + r);
      assertEquals("startup-sweep", r.get(3), () -> "reason of " + r);
    }
    Set<String> rowIds = shotRows.stream().map(r -> (String) r.get(0)).collect(Collectors.toSet());
    // A file written just before the kill may belong to an event that was never committed (no row);
    // the older ones were committed, so the sweep's reason is on their rows.
    assertTrue(held.stream().anyMatch(rowIds::contains), () -> "held " + held + " rows " + rowIds);
    assertTrue(shotRows.stream().anyMatch(r -> r.get(1).equals("disk")), () -> "rows " + shotRows);
  }

  /** The screenshot ids of the temp files process {@code pid} holds open after their names were removed. */
  private Set<String> heldFiles(long pid) throws IOException {
    return JarProcess.heldScreenshots(pid, shots).keySet();
  }

  /** Regular files under the temp dir (a dev/ directory excepted). */
  private List<Path> screenshotFiles() throws IOException {
    if (!Files.isDirectory(shots)) {
      return List.of();
    }
    try (Stream<Path> files = Files.walk(shots)) {
      return files.filter(Files::isRegularFile).filter(f -> !shots.relativize(f).startsWith("dev")).sorted().toList();
    }
  }

  /** Waits until the wall clock is between {@code from} and {@code to} ms into an epoch-aligned window. */
  private static void awaitPhase(long from, long to) {
    await("the wall clock " + from + "–" + to + " ms into a window").atMost(Duration.ofMillis(2 * WINDOW_MS))
      .pollInterval(Duration.ofMillis(10)).until(() -> {
        long phase = Math.floorMod(System.currentTimeMillis(), WINDOW_MS);
        return phase >= from && phase < to;
      });
  }
}
