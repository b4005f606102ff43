package dev.skellyjelly.storage.it;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static dev.skellyjelly.storage.it.JarProcess.rows;
import static dev.skellyjelly.storage.it.JarProcess.run;
import static dev.skellyjelly.storage.it.JarProcess.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Screenshots through a real run: small ones in memory, large ones in temp files, each deleted on time
 * (retention after its batch was emitted, or at shutdown), and nothing left in the temp directory.
 */
class ScreenshotRunIT {

  private static final long RETENTION_MS = 3_000;

  @TempDir
  Path tmp;

  @Test
  @Timeout(90)
  void screenshotsAreHeldByThresholdAndDeletedOnTime() throws Exception {
    Path db = tmp.resolve("db/events.db");
    Path shots = tmp.resolve("shots");
    JsonObject summary;
    try (JarProcess p = JarProcess.start(tmp.resolve("work"), tmp.resolve("home"), run(db, shots,
      "--simulate", "200", "--duration", "25s", "--screenshot-every", "1s",
      "--set", "screenshot_memory_threshold_mb=1", "--set", "screenshot_retention_seconds=3",
      "--set", "batch_window_seconds=5"))) {
      assertEquals(0, p.waitForExit(Duration.ofSeconds(70)), p::describe);
      summary = p.summary();
    }
    RunCommandIT.assertConsistent(summary, db);

    // The simulator's PNGs range from a few hundred KB to ~8 MB: both sides of a 1 MB threshold.
    assertTrue(scalar(db, "SELECT count(*) FROM screenshots WHERE storage = 'memory'") > 0, "some held in memory");
    assertTrue(scalar(db, "SELECT count(*) FROM screenshots WHERE storage = 'disk'") > 0, "some written to disk");
    long total = scalar(db, "SELECT count(*) FROM screenshots");
    assertTrue(total >= 15, () -> "one a second for 25 s, got " + total);
    assertEquals(total, summary.getLong("screenshots_received"), summary::encode);
    assertEquals(total, summary.getLong("screenshots_deleted"), summary::encode);
    assertEquals(0L, scalar(db, "SELECT count(*) FROM screenshots WHERE deleted_at_ms IS NULL"), "every one deleted");

    // A retention deletion comes retention after the emission of the batch carrying the screenshot (within a
    // second). Which firing of its window carried it is not recorded, so bound it by the first and the last
    // firing that carried any screenshot.
    List<List<Object>> retained = rows(db, "SELECT s.screenshot_id, s.deleted_at_ms, min(b.emitted_at_ms), "
      + "max(b.emitted_at_ms) FROM screenshots s JOIN batches b ON b.session_id = s.session_id "
      + "AND b.window_start_ms = s.window_start_ms AND b.screenshot_count > 0 WHERE s.deleted_reason = 'retention' "
      + "GROUP BY s.screenshot_id, s.deleted_at_ms");
    assertEquals(scalar(db, "SELECT count(*) FROM screenshots WHERE deleted_reason = 'retention'"), retained.size(),
      "every screenshot deleted by retention was in an emitted batch");
    assertTrue(retained.size() >= 3, () -> "windows closed every 5 s, so retention deleted some: " + retained);
    for (List<Object> r : retained) {
      long deleted = ((Number) r.get(1)).longValue();
      long firstEmitted = ((Number) r.get(2)).longValue();
      long lastEmitted = ((Number) r.get(3)).longValue();
      assertTrue(deleted >= firstEmitted + RETENTION_MS, () -> "deleted before its retention ran out: " + r);
      assertTrue(deleted <= lastEmitted + RETENTION_MS + 1_000, () -> "deleted late: " + r);
    }
    List<Object> reasons = rows(db, "SELECT DISTINCT deleted_reason FROM screenshots ORDER BY 1").stream()
      .map(r -> r.get(0)).toList();
    assertTrue(List.of("retention", "shutdown").containsAll(reasons), () -> "no analysis ran: " + reasons);

    try (Stream<Path> left = Files.walk(shots)) {
      List<Path> files = left.filter(f -> !f.equals(shots) && !shots.relativize(f).startsWith("dev")).toList();
      assertEquals(List.of(), files, "the temp directory is empty at exit");
    }
  }
}
