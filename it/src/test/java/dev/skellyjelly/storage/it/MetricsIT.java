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
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static dev.skellyjelly.storage.it.JarProcess.rows;
import static dev.skellyjelly.storage.it.JarProcess.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every metric of CONTRACT §7, scraped from the real jar's {@code GET /metrics}, reads exactly what happened:
 * a known input goes in through the TCP bridge (every kind of event, some with producer ids and one re-sent,
 * screenshots on both sides of the memory threshold, one input per dead-letter reason), the batches are
 * consumed from the bridge, some are reported analysed and the rest of their screenshots expire; the counters,
 * timers, summaries and gauges then agree with the input, with the database and with the run summary.
 */
class MetricsIT {

  static final String[] KINDS = {"keystroke", "mouse_move", "mouse_click", "window_focus", "screenshot", "process",
    "resource"};
  /** Plain events per session and kind (screenshots among them privacy-masked, without an image). */
  static final int PER_KIND = 3;
  static final int MAX_MB = 2;
  static final String[] DEAD_LETTER_REASONS = {"not_an_object", "unknown_event_type", "missing_field", "bad_uuid",
    "bad_timestamp", "future_timestamp", "bad_field", "too_large", "bad_image"};
  static final String[] DROP_REASONS = {"overload", "shutdown", "screenshot_store", "oversize", "malformed_frame",
    "paused", "excluded"};
  static final String[] STAGES = {"receiver", "writer", "batcher", "screenshots"};

  @TempDir
  Path dir;

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void everyMetricReadsWhatWasSentBatchedAndDeleted() throws Exception {
    int httpPort = ClusterIT.freePort();
    int tcpPort = ClusterIT.freePort();
    Path db = dir.resolve("db").resolve("events.db");
    Path shots = dir.resolve("shots");
    String token = UUID.randomUUID().toString();
    // Session A's screenshots are reported analysed as their batches arrive; session B's expire (retention 1 s).
    String sessionA = UUID.randomUUID().toString();
    String sessionB = UUID.randomUUID().toString();

    try (JarProcess jar = JarProcess.start(dir.resolve("work"), dir.resolve("home"), JarProcess.run(db, shots,
      "--set", "http_port=" + httpPort, "--set", "tcp_bridge_port=" + tcpPort, "--set", "bridge_token=" + token,
      "--set", "batch_window_seconds=1", "--set", "window_grace_ms=300", "--set", "write_flush_interval_ms=100",
      "--set", "screenshot_retention_seconds=1", "--set", "screenshot_memory_threshold_mb=1",
      "--set", "screenshot_max_mb=" + MAX_MB))) {
      jar.awaitStderr(line -> line.contains("HTTP on"), Duration.ofSeconds(60));

      // ---------------------------------------------------------------- input
      Map<String, Integer> expectedByType = new LinkedHashMap<>();
      Map<String, Integer> receivedByType = new LinkedHashMap<>();
      for (String kind : KINDS) {
        expectedByType.put(kind, 0);
        receivedByType.put(kind, 0);
      }
      Map<String, Integer> perSession = new HashMap<>(Map.of(sessionA, 0, sessionB, 0));
      Set<String> producerIds = new HashSet<>();
      Set<String> completedWindows = java.util.concurrent.ConcurrentHashMap.newKeySet();

      try (TcpBridgeClient bridge = TcpBridgeClient.connect(tcpPort, token)) {
        // Batches of session A are reported analysed the moment they arrive: well inside the 1 s retention.
        bridge.onFrame = frame -> {
          if (isBatch(frame) && sessionA.equals(frame.getJsonObject("body").getString("session_id"))
            && !frame.getJsonObject("body").getJsonArray("screenshot_refs").isEmpty()) {
            String windowId = frame.getJsonObject("body").getString("window_id");
            completedWindows.add(windowId);
            bridge.sendQuietly(bridge.frame("send", Addresses.ANALYSIS_COMPLETE, new JsonObject().put("window_id", windowId))
              .put("replyAddress", "done-" + windowId));
          }
        };
        bridge.register(Addresses.EVENT_BATCH_JSON);
        bridge.register(Addresses.DEAD_LETTER);
        assertNotNull(bridge.ping(10), "the pong: both registrations are in place");

        // Plain events of every kind in both sessions: without an id (published), with a producer id (sent),
        // with a producer id as a request (acknowledged once committed).
        int acks = 0;
        for (String session : List.of(sessionA, sessionB)) {
          for (int k = 0; k < KINDS.length; k++) {
            for (int j = 0; j < PER_KIND; j++) {
              JsonObject e = event(session, k, j);
              count(expectedByType, KINDS[k]);
              count(receivedByType, KINDS[k]);
              perSession.merge(session, 1, Integer::sum);
              if (j == 0) {
                e.remove("id");
                bridge.publish(Addresses.RAW_EVENT, e);
              } else if (j == 1) {
                producerIds.add(e.getString("id"));
                bridge.send(Addresses.RAW_EVENT, e);
              } else {
                producerIds.add(e.getString("id"));
                JsonObject ack = bridge.request(Addresses.RAW_EVENT, e, "ack-" + acks++);
                assertEquals(new JsonObject().put("id", e.getString("id")).put("committed", true), ack.getJsonObject("body"),
                  ack.encode());
              }
            }
          }
        }

        // One re-sent id: acknowledged as a duplicate, received (counted) but not stored or batched again.
        JsonObject first = event(sessionA, 0, 7);
        producerIds.add(first.getString("id"));
        count(expectedByType, "keystroke");
        count(receivedByType, "keystroke");
        perSession.merge(sessionA, 1, Integer::sum);
        assertEquals(new JsonObject().put("id", first.getString("id")).put("committed", true),
          bridge.request(Addresses.RAW_EVENT, first, "ack-first").getJsonObject("body"));
        count(receivedByType, "keystroke");
        assertEquals(new JsonObject().put("id", first.getString("id")).put("committed", true).put("duplicate", true),
          bridge.request(Addresses.RAW_EVENT, first.copy(), "ack-again").getJsonObject("body"));

        // Screenshots with images: below 1 MB in memory, at or above it on disk.
        record Shot(String session, String id, int size, int width, int height, String storage) {
        }
        List<Shot> stored = List.of(
          new Shot(sessionA, UUID.randomUUID().toString(), 300_000, 1280, 720, "memory"),
          new Shot(sessionA, UUID.randomUUID().toString(), 700_000, 1920, 1080, "memory"),
          new Shot(sessionA, UUID.randomUUID().toString(), 1_200_000, 2560, 1440, "disk"),
          new Shot(sessionB, UUID.randomUUID().toString(), 500_000, 1440, 900, "memory"),
          new Shot(sessionB, UUID.randomUUID().toString(), (1 << 20) + 500_000, 3840, 2160, "disk"));
        for (Shot s : stored) {
          JsonObject e = screenshot(s.session(), s.id(), TestPng.png(s.size(), s.width(), s.height(), s.size()), "png");
          producerIds.add(e.getString("id"));
          count(expectedByType, "screenshot");
          count(receivedByType, "screenshot");
          perSession.merge(s.session(), 1, Integer::sum);
          assertEquals(true, bridge.request(Addresses.RAW_EVENT, e, "shot-" + s.id()).getJsonObject("body")
            .getBoolean("committed"));
        }

        // One input per dead-letter reason the bridge can carry (bad_wire needs the typed codec): each request
        // fails with 400 and the reason, and the dead letter is published.
        Map<String, Object> invalid = invalidInputs(sessionA);
        for (Map.Entry<String, Object> bad : invalid.entrySet()) {
          JsonObject err = bridge.await(bridge.sendRequest(Addresses.RAW_EVENT, bad.getValue(), "bad-" + bad.getKey()), 20);
          assertEquals("err", err.getString("type"), err.encode());
          assertEquals(400, err.getInteger("failureCode"), err.encode());
          assertEquals(bad.getKey(), err.getString("message"), err.encode());
        }
        List<String> letters = new ArrayList<>();
        for (String reason : DEAD_LETTER_REASONS) {
          JsonObject letter = bridge.await(TcpBridgeClient.message(Addresses.DEAD_LETTER)
            .and(f -> reason.equals(f.getJsonObject("body").getString("reason"))), 10).getJsonObject("body");
          letters.add(letter.getString("reason"));
          if (reason.equals("too_large")) {
            assertTrue(letter.getString("received").contains(" bytes>"), "the image replaced by its length: " + letter);
          }
        }
        assertEquals(List.of(DEAD_LETTER_REASONS), letters);

        // ---------------------------------------------------------------- batches and deletions
        int total = perSession.get(sessionA) + perSession.get(sessionB);
        Map<String, Integer> batchedIds = new HashMap<>();
        Map<String, Integer> batchedPerSession = new HashMap<>();
        List<JsonObject> batches = new ArrayList<>();
        long deadline = TcpBridgeClient.deadline(30);
        while (batchedPerSession.values().stream().mapToInt(Integer::intValue).sum() < total) {
          JsonObject batch = bridge.awaitUntil(MetricsIT::isBatch, deadline).getJsonObject("body");
          batches.add(batch);
          for (Object o : batch.getJsonArray("events")) {
            batchedIds.merge(((JsonObject) o).getString("id"), 1, Integer::sum);
          }
          batchedPerSession.merge(batch.getString("session_id"), batch.getJsonArray("events").size(), Integer::sum);
        }
        assertEquals(perSession, batchedPerSession, "every event batched once, in its session");
        assertEquals(total, batchedIds.size(), "distinct ids");
        assertTrue(batchedIds.keySet().containsAll(producerIds), "every producer id came back");

        // Screenshot refs of the batches: session A's were completed, each completion deleting all of its batch's.
        int refsA = 0;
        for (JsonObject b : batches) {
          int refs = b.getJsonArray("screenshot_refs").size();
          if (sessionA.equals(b.getString("session_id")) && refs > 0) {
            refsA += refs;
            String windowId = b.getString("window_id");
            JsonObject done = bridge.await(f -> ("done-" + windowId).equals(f.getString("address")), 10);
            assertEquals(new JsonObject().put("window_id", windowId).put("deleted", refs), done.getJsonObject("body"),
              done.encode());
          }
        }
        long inA = stored.stream().filter(s -> s.session().equals(sessionA)).count();
        long inB = stored.size() - inA;
        assertEquals(inA, refsA);
        assertEquals(stored.size(), batches.stream().mapToInt(b -> b.getJsonArray("screenshot_refs").size()).sum());

        // Idle: session B's screenshots expired, nothing held, every stage empty, the deletions committed.
        Scrape m = Scrape.await(httpPort, x -> x.get(deleted("retention")) == inB
          && x.get("skelly_storage_screenshots_in_memory") == 0 && x.get("skelly_storage_screenshots_on_disk") == 0
          && Stream.of(STAGES).allMatch(s -> x.get(depth(s)) == 0), Duration.ofSeconds(20));
        // Nothing further can come: the batcher holds nothing, and the pong answers a ping sent now, after every
        // frame the module wrote before it (a batch it published, an error for anything sent earlier).
        assertNotNull(bridge.ping(10), "the pong");
        m = Scrape.of(httpPort);
        assertEquals(batches.size(), bridge.count(MetricsIT::isBatch), "no batch beyond those consumed");
        assertEquals(0, bridge.count(f -> "err".equals(f.getString("type")) && !f.getString("address", "").startsWith("bad-")),
          "no unexpected error frames: " + bridge.frames());

        // ---------------------------------------------------------------- the metrics
        int persisted = total;
        for (String kind : KINDS) {
          assertEquals((int) receivedByType.get(kind), m.get(series("skelly_storage_events_received_total", "event_type", kind)),
            "events_received_total{event_type=" + kind + "}");
        }
        assertEquals(persisted, m.get("skelly_storage_events_persisted_total"), "events_persisted_total");
        assertEquals(batches.size(), m.get("skelly_storage_batches_emitted_total"), "batches_emitted_total");
        assertEquals(stored.size() + 2 * PER_KIND, m.get("skelly_storage_screenshots_received_total"),
          "screenshots_received_total: the masked ones count, too");
        assertEquals(inA, m.get(deleted("analysis-complete")), "screenshots_deleted_total{analysis-complete}");
        assertEquals(inB, m.get(deleted("retention")), "screenshots_deleted_total{retention}");
        assertEquals(0, m.get(deleted("shutdown")));
        assertEquals(0, m.get(deleted("startup-sweep")));
        for (String reason : DEAD_LETTER_REASONS) {
          assertEquals(1, m.get(series("skelly_storage_dead_letters_total", "reason", reason)), "dead_letters_total{" + reason + "}");
        }
        assertEquals(0, m.get(series("skelly_storage_dead_letters_total", "reason", "bad_wire")));
        for (String reason : DROP_REASONS) {
          assertEquals(0, m.get(series("skelly_storage_dropped_total", "reason", reason)), "dropped_total{" + reason + "}");
        }
        // Timers.
        assertEquals(batches.size(), m.get("skelly_storage_batch_creation_seconds_count"), "batch_creation_seconds: one per batch");
        assertTrue(m.get("skelly_storage_batch_creation_seconds_sum") > 0);
        assertEquals(persisted, m.get("skelly_storage_event_persist_latency_seconds_count"), "persist latency: one per committed event");
        assertTrue(m.get("skelly_storage_event_persist_latency_seconds_sum") > 0);
        assertTrue(m.get("skelly_storage_event_persist_latency_seconds_max") < 30, "received → committed within seconds");
        assertTrue(m.get("skelly_storage_db_write_seconds_count") > 0);
        assertTrue(m.get("skelly_storage_db_write_seconds_sum") > 0, "db_write_seconds_sum");
        assertEquals(stored.size(), m.get("skelly_storage_screenshot_processing_seconds_count"),
          "screenshot_processing_seconds: one per stored image");
        assertTrue(m.get("skelly_storage_screenshot_processing_seconds_sum") > 0);
        // Summaries.
        assertEquals(persisted, m.get("skelly_storage_batch_events_sum"), "batch_events_sum: events batched");
        assertEquals(batches.size(), m.get("skelly_storage_batch_events_count"));
        assertEquals(batches.stream().mapToInt(b -> b.getJsonArray("events").size()).max().orElseThrow(),
          m.get("skelly_storage_batch_events_max"));
        assertEquals(persisted, m.get("skelly_storage_db_write_batch_size_sum"), "db_write_batch_size_sum: events committed");
        assertTrue(m.get("skelly_storage_db_write_batch_size_count") > 0);
        // Gauges.
        long fileBytes = Files.size(db) + sizeIfExists(db.resolveSibling("events.db-wal"));
        double dbSize = m.get("skelly_storage_db_size_bytes");
        assertTrue(dbSize > 0 && dbSize >= fileBytes / 2.0 && dbSize <= fileBytes * 2.0,
          "db_size_bytes " + dbSize + " vs database + WAL on disk " + fileBytes);
        assertEquals(0, m.get("skelly_storage_screenshots_in_memory"));
        assertEquals(0, m.get("skelly_storage_screenshots_on_disk"));
        assertEquals(0, m.get("skelly_storage_screenshot_memory_bytes"));
        for (String stage : STAGES) {
          assertEquals(0, m.get(depth(stage)), "queue_depth{stage=" + stage + "} when idle");
        }
        // Micrometer's JVM and process binders.
        assertTrue(m.get("process_cpu_usage") >= 0, "process_cpu_usage");
        assertTrue(m.has("jvm_memory_used_bytes") && m.sum("jvm_memory_used_bytes") > 0, "jvm_memory_used_bytes");
        try (Stream<Path> left = Files.list(shots)) {
          assertEquals(List.of(), left.filter(Files::isRegularFile).toList(), "no screenshot file left");
        }

        // ---------------------------------------------------------------- the run summary agrees
        jar.terminate();
        assertEquals(0, jar.waitForExit(Duration.ofSeconds(30)), jar.describe());
        int receivedTotal = receivedByType.values().stream().mapToInt(Integer::intValue).sum();
        JsonObject summary = jar.summary();
        assertEquals(new JsonObject().put("events_received", receivedTotal).put("events_persisted", persisted)
          .put("events_batched", persisted).put("batches_emitted", batches.size())
          .put("screenshots_received", stored.size() + 2 * PER_KIND).put("screenshots_deleted", stored.size())
          .put("dead_letters", DEAD_LETTER_REASONS.length).put("dropped", 0).put("duplicates", 1), summary);

        // ---------------------------------------------------------------- the database agrees
        Map<String, Long> counts = new HashMap<>();
        for (List<Object> row : rows(db, "SELECT event_type, sum(n) FROM event_counts GROUP BY event_type")) {
          counts.put((String) row.get(0), ((Number) row.get(1)).longValue());
        }
        Map<String, Long> expectedCounts = new HashMap<>();
        expectedByType.forEach((k, v) -> expectedCounts.put(k, v.longValue()));
        assertEquals(expectedCounts, counts, "event_counts by type");
        assertEquals(batches.size(), scalar(db, "SELECT count(*) FROM batches"));
        assertEquals(persisted, scalar(db, "SELECT sum(event_count) FROM batches"));
        assertEquals(stored.size(), scalar(db, "SELECT sum(screenshot_count) FROM batches"));
        Set<String> windowIds = batches.stream().map(b -> b.getString("window_id")).collect(Collectors.toSet());
        assertEquals(windowIds, rows(db, "SELECT window_id FROM batches").stream().map(r -> (String) r.get(0))
          .collect(Collectors.toSet()), "the batches table lists the batches seen on the bridge");
        assertEquals(completedWindows, batches.stream().filter(b -> sessionA.equals(b.getString("session_id"))
          && !b.getJsonArray("screenshot_refs").isEmpty()).map(b -> b.getString("window_id")).collect(Collectors.toSet()));
        assertEquals(stored.size() + 2L * PER_KIND, scalar(db, "SELECT count(*) FROM screenshots"));
        for (Shot s : stored) {
          List<List<Object>> r = rows(db, "SELECT size_bytes, width, height, storage, deleted_reason, deleted_at_ms IS NOT NULL"
            + " FROM screenshots WHERE screenshot_id = '" + s.id() + "'");
          assertEquals(1, r.size(), s.id());
          String reason = s.session().equals(sessionA) ? "analysis-complete" : "retention";
          assertEquals(List.of((long) s.size(), (long) s.width(), (long) s.height(), s.storage(), reason, 1L),
            r.get(0).stream().map(v -> v instanceof Number n ? (Object) n.longValue() : v).toList(),
            "screenshots row of " + s);
        }
        assertEquals(2L * PER_KIND, scalar(db, "SELECT count(*) FROM screenshots WHERE storage = 'none' AND deleted_at_ms IS NULL"));
      }
    }
  }

  // ---------------------------------------------------------------- input

  /** Plain event {@code j} of kind {@code k} (the contract's order), with a producer id and session. */
  static JsonObject event(String session, int k, int j) {
    JsonObject data = switch (k) {
      case 0 -> new JsonObject().put("key_code", 65 + j)
        .put("modifiers", new JsonObject().put("shift", j % 2 == 0).put("ctrl", true).put("alt", false).put("meta", false))
        .put("inter_key_interval_ms", j == 0 ? null : 120 + j);
      case 1 -> new JsonObject().put("x", 10 + j).put("y", -20).put("velocity", 310.25);
      case 2 -> new JsonObject().put("x", 5).put("y", 6 + j).put("button", "right").put("click_type", "double");
      case 3 -> new JsonObject().put("window_title", "Inbox – Mail " + j).put("app_name", "mail").put("process_id", 77)
        .put("duration_ms", 1500);
      case 4 -> new JsonObject().put("screenshot_id", UUID.randomUUID().toString()).put("format", "png")
        .put("window_title", "t").put("app_name", "a").put("privacy_masked", true)
        .put("screen_region", new JsonObject().put("x", 0).put("y", 0).put("width", 1920).put("height", 1080));
      case 5 -> new JsonObject().put("process_id", 4321 + j).put("process_name", "cargo").put("event_type", "started");
      default -> new JsonObject().put("cpu_percent", 150.5).put("memory_mb", 2048).put("disk_io_mb_per_sec", 1.25)
        .put("network_io_mb_per_sec", 0.5);
    };
    long now = System.currentTimeMillis();
    // Both timestamp forms of the contract: ISO-8601 and epoch milliseconds.
    Object ts = j == 1 ? (Object) now : Instant.ofEpochMilli(now).toString();
    return new JsonObject().put("id", UUID.randomUUID().toString()).put("session_id", session).put("timestamp", ts)
      .put("event_type", KINDS[k]).put("data", data);
  }

  static JsonObject screenshot(String session, String screenshotId, byte[] image, String format) {
    return new JsonObject().put("id", UUID.randomUUID().toString()).put("session_id", session)
      .put("timestamp", Instant.now().toString()).put("event_type", "screenshot")
      .put("data", new JsonObject().put("screenshot_id", screenshotId).put("format", format)
        .put("image", Base64.getEncoder().encodeToString(image)).put("window_title", "Editor").put("app_name", "code")
        .put("screen_region", new JsonObject().put("x", 0).put("y", 0).put("width", 1280).put("height", 720))
        .put("privacy_masked", false));
  }

  /** One input per reason, in the contract's order; each is valid but for the one fault. */
  static Map<String, Object> invalidInputs(String session) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("not_an_object", event(session, 0, 2).encode());
    out.put("unknown_event_type", event(session, 0, 2).put("event_type", "scroll"));
    JsonObject missing = event(session, 6, 2);
    missing.getJsonObject("data").remove("cpu_percent");
    out.put("missing_field", missing);
    out.put("bad_uuid", event(session, 1, 2).put("id", "not-a-uuid"));
    out.put("bad_timestamp", event(session, 1, 2).put("timestamp", "2026-11-26T10:00:00"));
    out.put("future_timestamp", event(session, 1, 2).put("timestamp", Instant.now().plusSeconds(60).toString()));
    JsonObject badField = event(session, 2, 2);
    badField.getJsonObject("data").put("button", "left-ish");
    out.put("bad_field", badField);
    // Over screenshot_max_mb, yet a frame under the bridge's limit.
    out.put("too_large", screenshot(session, UUID.randomUUID().toString(), TestPng.png((MAX_MB << 20) + 100_000, 800, 600, 1), "png"));
    // A PNG announced as WebP: its magic bytes do not match.
    out.put("bad_image", screenshot(session, UUID.randomUUID().toString(), TestPng.png(10_000, 800, 600, 2), "webp"));
    return out;
  }

  private static void count(Map<String, Integer> byType, String kind) {
    byType.merge(kind, 1, Integer::sum);
  }

  // ---------------------------------------------------------------- metrics

  static String series(String name, String label, String value) {
    return name + "{" + label + "=\"" + value + "\"}";
  }

  static String deleted(String reason) {
    return series("skelly_storage_screenshots_deleted_total", "reason", reason);
  }

  static String depth(String stage) {
    return series("skelly_storage_queue_depth", "stage", stage);
  }

  private static long sizeIfExists(Path p) throws IOException {
    return Files.exists(p) ? Files.size(p) : 0;
  }

  static boolean isBatch(JsonObject f) {
    return TcpBridgeClient.message(Addresses.EVENT_BATCH_JSON).test(f);
  }

}
