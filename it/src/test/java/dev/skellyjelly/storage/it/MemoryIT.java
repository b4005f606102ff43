package dev.skellyjelly.storage.it;

import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.TestPng;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static dev.skellyjelly.storage.it.JarProcess.rows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The jar under exactly the JVM flags of conf/jvm.options (its heap) takes a maximum-size screenshot as
 * JSON over the TCP bridge while the in-memory screenshot budget is full: acknowledged, kept on disk, no
 * OutOfMemoryError, the module keeps committing, and it stops cleanly.
 */
class MemoryIT {

  static final int MB = 1 << 20;
  /** The defaults: screenshot_memory_threshold_mb 5, screenshot_memory_budget_mb 16, screenshot_max_mb 16. */
  static final int BUDGET = 16 * MB;
  static final int MAX = 16 * MB;
  /** Four captures just under 4 MB each: below the threshold, together just within the budget. */
  static final int HELD = 4 * MB - 64 * 1024;
  static final int LATER_EVENTS = 200;

  @TempDir
  Path dir;

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void aMaximumSizeScreenshotOverTheTcpBridgeFitsBesideAFullMemoryBudget() throws Exception {
    int httpPort = ClusterIT.freePort();
    int tcpPort = ClusterIT.freePort();
    Path db = dir.resolve("db").resolve("events.db");
    Path shots = dir.resolve("shots");
    String token = UUID.randomUUID().toString();
    String session = UUID.randomUUID().toString();
    List<String> held = new ArrayList<>();
    String big = UUID.randomUUID().toString();
    AtomicLong peakRssKb = new AtomicLong(-1);
    // JarProcess runs java with the flags of conf/jvm.options and nothing else; only module settings vary.
    try (JarProcess jar = JarProcess.start(dir.resolve("work"), dir.resolve("home"), JarProcess.run(db, shots,
      "--set", "http_port=" + httpPort, "--set", "tcp_bridge_port=" + tcpPort, "--set", "bridge_token=" + token,
      "--set", "write_flush_interval_ms=100", "--set", "screenshot_retention_seconds=3600"))) {
      jar.awaitStderr(line -> line.contains("HTTP on"), Duration.ofSeconds(60));
      Thread sampler = sampleRss(jar, peakRssKb);
      try (TcpBridgeClient bridge = TcpBridgeClient.connect(tcpPort, token)) {
        // Fill the memory budget; nothing reports them analysed and the retention is an hour, so they stay.
        for (int i = 0; i < 4; i++) {
          String id = UUID.randomUUID().toString();
          held.add(id);
          JsonObject e = MetricsIT.screenshot(session, id, TestPng.png(HELD, 2560, 1600, i), "png");
          assertEquals(true, bridge.request(Addresses.RAW_EVENT, e, "held-" + i).getJsonObject("body").getBoolean("committed"));
        }
        Scrape m = Scrape.of(httpPort);
        assertEquals(4.0, m.get("skelly_storage_screenshots_in_memory"), "the four captures are held in memory");
        assertEquals(4.0 * HELD, m.get("skelly_storage_screenshot_memory_bytes"));
        assertTrue(4L * HELD <= BUDGET && 5L * HELD > BUDGET, "the budget is as good as full");

        // A screenshot of exactly screenshot_max_mb, as base64 in one ~21.4 MB JSON frame.
        JsonObject e = MetricsIT.screenshot(session, big, TestPng.png(MAX, 7680, 4320, 99), "png");
        int frameBytes = bridge.frame("send", Addresses.RAW_EVENT, e).put("replyAddress", "big").encode().length();
        System.out.printf("MemoryIT: maximum-size screenshot frame %d bytes (%.1f MB)%n", frameBytes, frameBytes / (double) MB);
        JsonObject ack;
        try {
          ack = bridge.await(bridge.sendRequest(Addresses.RAW_EVENT, e, "big"), 60);
        } catch (AssertionError noReply) {
          throw new AssertionError(noReply.getMessage() + "\n" + jar.describe(), noReply);
        }
        assertEquals("message", ack.getString("type"), () -> ack.encode() + "\n" + jar.describe());
        assertEquals(new JsonObject().put("id", ack.getJsonObject("body").getString("id")).put("committed", true),
          ack.getJsonObject("body"));
        assertTrue(jar.isAlive(), jar.describe());

        // Kept on disk (the budget has no room, and it is over the threshold anyway), whole.
        m = Scrape.of(httpPort);
        assertEquals(1.0, m.get("skelly_storage_screenshots_on_disk"), m.toString());
        assertEquals(4.0, m.get("skelly_storage_screenshots_in_memory"));
        // Its temp file has no name any more; the module's open descriptor reads it.
        Path bigFile = JarProcess.heldScreenshots(jar.pid(), shots).get(big);
        assertNotNull(bigFile, "the screenshot is held in an unnamed temp file");
        assertEquals(MAX, Files.size(bigFile), "the temp file holds the whole image");

        // The module goes on: later events (of the six kinds other than screenshot) are committed.
        int[] kinds = {0, 1, 2, 3, 5, 6};
        for (int i = 0; i < LATER_EVENTS - 1; i++) {
          bridge.send(bridge.frame("send", Addresses.RAW_EVENT, MetricsIT.event(session, kinds[i % kinds.length], 1)));
        }
        JsonObject last = MetricsIT.event(session, 6, 2);
        JsonObject lastAck = bridge.request(Addresses.RAW_EVENT, last, "last");
        assertEquals(new JsonObject().put("id", last.getString("id")).put("committed", true), lastAck.getJsonObject("body"));
        m = Scrape.of(httpPort);
        assertEquals(5.0 + LATER_EVENTS, m.get("skelly_storage_events_persisted_total"), "every event committed");
        assertEquals(0.0, m.get("skelly_storage_dropped_total{reason=\"oversize\"}"));
        assertEquals(0, bridge.count(f -> "err".equals(f.getString("type"))), () -> String.join("\n", bridge.frames()));
      }
      assertTrue(jar.isAlive(), jar.describe());
      assertNoOutOfMemoryError(jar);
      sampler.interrupt();
      peakRssKb.set(vmHwmKb(jar.pid()));

      jar.terminate();
      assertEquals(0, jar.waitForExit(Duration.ofSeconds(30)), jar.describe());
      assertNoOutOfMemoryError(jar);
      JsonObject summary = jar.summary();
      assertEquals(5 + LATER_EVENTS, summary.getLong("events_received"), summary.encode());
      assertEquals(5 + LATER_EVENTS, summary.getLong("events_persisted"), summary.encode());
      assertEquals(5, summary.getLong("screenshots_received"), summary.encode());
      assertEquals(5, summary.getLong("screenshots_deleted"), "deleted at shutdown: " + summary.encode());
      assertEquals(0, summary.getLong("dead_letters"), summary.encode());
      assertEquals(0, summary.getLong("dropped"), summary.encode());
    } finally {
      // Printed for the record (also when the test failed): the last peak seen while the child lived.
      System.out.printf("MemoryIT: peak RSS of the module (VmHWM) %d kB (%.1f MB) under %s%n", peakRssKb.get(),
        peakRssKb.get() / 1024.0, String.join(" ", JarProcess.jvmOptions()));
    }

    Map<String, String> storage = new HashMap<>();
    for (List<Object> row : rows(db, "SELECT screenshot_id, storage, deleted_reason FROM screenshots")) {
      storage.put((String) row.get(0), row.get(1) + "/" + row.get(2));
    }
    Map<String, String> expected = new HashMap<>();
    held.forEach(id -> expected.put(id, "memory/shutdown"));
    expected.put(big, "disk/shutdown");
    assertEquals(expected, storage, "the screenshots rows: where each was kept, all deleted at shutdown");
    try (Stream<Path> left = Files.list(shots)) {
      assertEquals(List.of(), left.toList(), "no temp file left");
    }
  }

  /** -XX:+ExitOnOutOfMemoryError says so on stdout, a logged one would be on stderr: neither may appear. */
  private static void assertNoOutOfMemoryError(JarProcess jar) {
    assertTrue(Stream.concat(jar.stdoutLines().stream(), jar.stderrLines().stream()).noneMatch(l -> l.contains("OutOfMemoryError")),
      jar.describe());
  }

  /** Keeps {@code peak} at the child's VmHWM while it runs, so a child that dies still leaves a figure. */
  static Thread sampleRss(JarProcess jar, AtomicLong peak) {
    Thread t = new Thread(() -> {
      try {
        while (jar.isAlive()) {
          peak.accumulateAndGet(vmHwmKb(jar.pid()), Math::max);
          Thread.sleep(100);
        }
      } catch (IOException | InterruptedException | RuntimeException gone) {
        // The child exited, or the test is done with sampling.
      }
    }, "rss-sampler");
    t.setDaemon(true);
    t.start();
    return t;
  }

  /** The child's peak resident set size, from /proc (Linux). */
  static long vmHwmKb(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    throw new AssertionError("no VmHWM in /proc/" + pid + "/status");
  }

}
