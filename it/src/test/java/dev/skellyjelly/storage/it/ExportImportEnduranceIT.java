package dev.skellyjelly.storage.it;

import dev.skellyjelly.storage.codecs.Timestamps;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Import and export at endurance length (CONTRACT §8 Export format; {@code -Pendurance}): an export file of
 * {@code skelly.endurance.history.events} events (10 million by default, 14 hours of history at 200 events/s over
 * four sessions) is imported into an empty database, exported again, and imported a second time, each by the
 * built jar under {@code conf/jvm.options} (a heap of a few dozen MB that exits on OutOfMemoryError) on the file. Every run
 * exits 0; the export gives every event once, in timestamp order; the second import stores nothing. Figures
 * (events/s, peak resident set) are printed.
 */
@Timeout(value = 6, unit = TimeUnit.HOURS)
class ExportImportEnduranceIT {

  private static final int EVENTS = Integer.getInteger("skelly.endurance.history.events", 10_000_000);
  /** The jar's peak resident set stays under this however many events pass (its heap is conf/jvm.options'). */
  private static final long PEAK_RSS_LIMIT_KB = 400 * 1024;

  @TempDir
  Path dir;

  private record Run(JsonObject result, long millis, long peakRssKb) {
  }

  @Test
  void tenMillionEventsOutAndBackWithBoundedMemory() throws Exception {
    Path db = dir.resolve("db").resolve("events.db");
    Files.createDirectories(db.getParent());
    List<String> location = List.of("--set", "database_path=" + db, "--set", "screenshot_temp_dir=" + dir.resolve("shots"),
      "--set", "raw_retention_days=0");
    long end = System.currentTimeMillis() - 2 * 86_400_000L;
    long start = end - EVENTS * 5L;
    Path file = dir.resolve("history.jsonl");
    writeHistory(file, start, end);

    Run first = run(location, "import", file.toString());
    assertEquals((long) EVENTS, first.result().getLong("imported"), first.result()::encode);
    Path out = dir.resolve("again.jsonl");
    Run exported = run(location, "export", "--from", String.valueOf(start), "--to", String.valueOf(end), "--out",
      out.toString());
    assertEquals((long) EVENTS, exported.result().getLong("exported"));
    long lines = checkOrderAndCount(out);
    assertEquals(EVENTS, lines);
    Files.delete(out);
    Run second = run(location, "import", file.toString());
    assertEquals(0L, second.result().getLong("imported"), second.result()::encode);
    assertEquals((long) EVENTS, second.result().getLong("duplicates"));

    for (Object[] r : new Object[][]{{"import", first}, {"export", exported}, {"import again", second}}) {
      Run run = (Run) r[1];
      System.out.printf("ExportImportEnduranceIT: %s of %,d events: %.1f s (%,.0f events/s), peak RSS %,d kB%n",
        r[0], EVENTS, run.millis() / 1000.0, EVENTS * 1000.0 / run.millis(), run.peakRssKb());
      assertTrue(run.peakRssKb() < PEAK_RSS_LIMIT_KB, r[0] + ": peak RSS " + run.peakRssKb() + " kB");
    }
    System.out.printf("ExportImportEnduranceIT: export file %,d bytes, database %,d bytes%n", Files.size(file),
      Files.size(db));
  }

  /** Keystrokes, mouse moves, resource samples and a focus change every 1 000 events, 5 ms apart, four sessions. */
  private static void writeHistory(Path file, long start, long end) throws Exception {
    String[] sessions = new String[4];
    for (int i = 0; i < sessions.length; i++) {
      sessions[i] = UUID.randomUUID().toString();
    }
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      w.write(new JsonObject().put("format", "skelly-storage-export").put("version", 1)
        .put("from", Timestamps.format(start)).put("to", Timestamps.format(end))
        .put("exported_at", Timestamps.format(end)).encode());
      w.write('\n');
      for (int i = 0; i < EVENTS; i++) {
        long ts = start + i * 5L;
        String type;
        JsonObject data;
        if (i % 1000 == 0) {
          type = "window_focus";
          data = new JsonObject().put("window_title", "Document " + (i / 1000) % 37).put("app_name", "App" + (i / 1000) % 5)
            .put("process_id", 1000 + (i / 1000) % 5).put("duration_ms", null);
        } else if (i % 10 < 4) {
          type = "keystroke";
          data = new JsonObject().put("key_code", 32 + i % 60).put("modifiers", new JsonObject().put("shift", i % 7 == 0)
            .put("ctrl", false).put("alt", false).put("meta", false)).put("inter_key_interval_ms", 80 + i % 200);
        } else if (i % 10 < 9) {
          type = "mouse_move";
          data = new JsonObject().put("x", i % 1920).put("y", i % 1080).put("velocity", (i % 5000) / 4.0);
        } else {
          type = "resource";
          data = new JsonObject().put("cpu_percent", (i % 400) / 4.0).put("memory_mb", 2048 + i % 100)
            .put("disk_io_mb_per_sec", 0.5).put("network_io_mb_per_sec", 0.25);
        }
        w.write(new JsonObject().put("id", UUID.randomUUID().toString()).put("session_id", sessions[i % 4])
          .put("timestamp", Timestamps.format(ts)).put("event_type", type).put("data", data).encode());
        w.write('\n');
      }
    }
  }

  /** The event lines of an export, checked to be in timestamp order with no id twice in a row. */
  private static long checkOrderAndCount(Path file) throws Exception {
    long lines = 0;
    long last = Long.MIN_VALUE;
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      assertEquals("skelly-storage-export", new JsonObject(r.readLine()).getString("format"));
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        // The timestamp is the module's form at a fixed place after the two UUIDs; parsed without a JSON object.
        int at = line.indexOf("\"timestamp\":\"") + 13;
        long ts = Timestamps.parse(line.substring(at, at + Timestamps.TEXT_CHARS));
        assertTrue(ts >= last, "line " + (lines + 2) + " goes back in time");
        last = ts;
        lines++;
      }
    }
    return lines;
  }

  private Run run(List<String> location, String verb, String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(verb));
    all.addAll(location);
    all.addAll(List.of(args));
    long started = System.nanoTime();
    JarProcess p = JarProcess.start(dir.resolve("work"), dir.resolve("home"), all);
    AtomicLong peak = new AtomicLong();
    Thread sampler = new Thread(() -> {
      try {
        while (p.isAlive()) {
          peak.accumulateAndGet(MemoryIT.vmHwmKb(p.pid()), Math::max);
          Thread.sleep(100);
        }
      } catch (Exception | AssertionError gone) {
        // The child exited between the check and the read: its last sample stands.
      }
    }, "rss-sampler");
    sampler.setDaemon(true);
    sampler.start();
    try {
      int exit = p.waitForExit(Duration.ofHours(2));
      long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      sampler.interrupt();
      assertEquals(0, exit, p::describe);
      List<String> out = p.stdoutLines();
      return new Run(new JsonObject(out.get(out.size() - 1)), millis, peak.get());
    } finally {
      p.close();
    }
  }
}
