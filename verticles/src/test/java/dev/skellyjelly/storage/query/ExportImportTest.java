package dev.skellyjelly.storage.query;

import dev.skellyjelly.storage.ConfigKeys;
import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.StorageModule;
import dev.skellyjelly.storage.TestSupport;
import dev.skellyjelly.storage.TestSupport.ManualClock;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.TestPng;
import dev.skellyjelly.storage.codecs.Timestamps;
import dev.skellyjelly.storage.codecs.ValidationLimits;
import dev.skellyjelly.storage.impl.ExportFormat;
import dev.skellyjelly.storage.impl.ImportFeed;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Export and import (CONTRACT §8 Export format) as a person leaving with their data and coming back notices it:
 * after export, deleteRange over everything and import, every history answer is what it was; a second import stores
 * nothing; imported history is never emitted in a batch, not at import and not by a restart's replay; an export
 * of many windows comes out whole and in timestamp order.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ExportImportTest {

  private static final long NOW = Instant.parse("2026-11-26T10:00:00Z").toEpochMilli();
  private static final long T0 = NOW - 2 * 3_600_000L;
  private static final String S1 = "5b1d0c2e-0000-4000-8000-00000000000a";
  private static final String S2 = "5b1d0c2e-0000-4000-8000-00000000000b";
  private static final String HISTORY = "query($from: DateTime!, $to: DateTime!) {"
    + " events(from: $from, to: $to, first: 10000) { events { id sessionId timestamp type app data } nextCursor }"
    + " minutes: timeline(from: $from, to: $to, bucket: MINUTE) { start type count }"
    + " hours: timeline(from: $from, to: $to, bucket: HOUR) { start type count }"
    + " usage: appUsage(from: $from, to: $to) { app focusedMs switches keystrokes clicks }"
    + " hourly: appUsage(from: $from, to: $to, bucket: HOUR) { app start focusedMs switches keystrokes clicks }"
    + " sessions(from: $from, to: $to) { id first last events }"
    + " screenshots(from: $from, to: $to) { screenshots { id sessionId timestamp format sizeBytes width height appName"
    + " windowTitle privacyMasked storage deletedAt deletedReason } nextCursor } }";

  @TempDir
  Path dir;
  private Vertx vertx;
  private ManualClock clock;
  private JsonObject config;
  private Path db;
  private String deployment;
  private final List<JsonObject> batches = new CopyOnWriteArrayList<>();
  private int sentCount;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    clock = new ManualClock(NOW);
    config = TestSupport.config(dir, ConfigKeys.WRITE_FLUSH_INTERVAL_MS, 10L, ConfigKeys.WINDOW_GRACE_MS, 50L);
    db = dir.resolve("events.db");
    vertx.eventBus().<JsonObject>consumer(Addresses.EVENT_BATCH_JSON, m -> batches.add(m.body()));
    startModule();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  private void startModule() {
    deployment = vertx.deployVerticle(new StorageModule(clock, new SimpleMeterRegistry()),
      new DeploymentOptions().setConfig(config)).await();
  }

  private void stopModule() {
    vertx.undeploy(deployment).await();
  }

  private JsonObject history(long from, long to) {
    JsonObject r = vertx.eventBus().<JsonObject>request(Addresses.QUERY, new JsonObject().put("query", HISTORY)
      .put("variables", new JsonObject().put("from", from).put("to", to))).await().body();
    assertNull(r.getValue("errors"), r::encode);
    return r.getJsonObject("data");
  }

  private Future<Object> send(String session, long ts, String type, JsonObject data) {
    JsonObject ev = new JsonObject().put("id", UUID.randomUUID().toString()).put("session_id", session)
      .put("timestamp", ts).put("event_type", type).put("data", data);
    return vertx.eventBus().request(Addresses.RAW_EVENT, ev).map(m -> m.body());
  }

  private void sendNow(String session, long ts, String type, JsonObject data) {
    JsonObject ack = (JsonObject) send(session, ts, type, data).await();
    assertTrue(ack.getBoolean("committed"), ack::encode);
    sentCount++;
  }

  private static JsonObject key(int code) {
    return new JsonObject().put("key_code", code).put("modifiers", new JsonObject().put("shift", code % 2 == 0)
      .put("ctrl", false).put("alt", false).put("meta", false)).put("inter_key_interval_ms", code % 3 == 0 ? null : 120);
  }

  private static JsonObject focus(String app) {
    return new JsonObject().put("window_title", app + " — a document").put("app_name", app).put("process_id", 4242)
      .put("duration_ms", null);
  }

  private static JsonObject shot(byte[] png, boolean masked) {
    JsonObject d = new JsonObject().put("screenshot_id", UUID.randomUUID().toString()).put("format", "png")
      .put("window_title", "Editor — a document").put("app_name", "Editor")
      .put("screen_region", new JsonObject().put("x", 0).put("y", 0).put("width", 640).put("height", 480))
      .put("privacy_masked", masked);
    return png == null ? d : d.put("image", Base64.getEncoder().encodeToString(png));
  }

  /** Two sessions over two hours: every kind of event, app switches, an idle gap, screenshots with and without pixels. */
  private void history() {
    sendNow(S1, T0 + 1_000, "keystroke", key(1));
    sendNow(S1, T0 + 5_000, "window_focus", focus("Editor"));
    for (int i = 0; i < 40; i++) {
      sendNow(S1, T0 + 6_000 + i * 7_000L, "keystroke", key(i));
      sendNow(S1, T0 + 6_500 + i * 7_000L, "mouse_move", new JsonObject().put("x", i * 3).put("y", -i)
        .put("velocity", 12.25 + i));
    }
    sendNow(S1, T0 + 40_000, "mouse_click", new JsonObject().put("x", 10).put("y", 20).put("button", "left")
      .put("click_type", "double"));
    sendNow(S1, T0 + 60_000, "screenshot", shot(TestPng.png(2_000, 640, 480, "x".getBytes(StandardCharsets.US_ASCII)), false));
    sendNow(S1, T0 + 61_000, "screenshot", shot(null, true));
    sendNow(S1, T0 + 300_000, "window_focus", focus("Browser"));
    sendNow(S1, T0 + 301_000, "mouse_click", new JsonObject().put("x", 1).put("y", 2).put("button", "right")
      .put("click_type", "single"));
    sendNow(S1, T0 + 4_000_000, "keystroke", key(7)); // after an idle gap, in the next hour
    sendNow(S2, T0 + 2_000, "window_focus", focus("Terminal"));
    sendNow(S2, T0 + 2_500, "process", new JsonObject().put("process_id", 99).put("process_name", "make")
      .put("event_type", "started"));
    for (int i = 0; i < 10; i++) {
      sendNow(S2, T0 + 3_000 + i * 31_000L, "keystroke", key(100 + i));
      sendNow(S2, T0 + 3_100 + i * 31_000L, "resource", new JsonObject().put("cpu_percent", 3.5 * i)
        .put("memory_mb", 512 + i).put("disk_io_mb_per_sec", 0.5).put("network_io_mb_per_sec", 0.0));
    }
  }

  private Buffer export(long from, long to) {
    ExportReader reader = ExportReader.open(vertx, StorageConfig.fromJson(config), from, to);
    Buffer out = ExportFormat.header(from, to, NOW);
    try {
      for (Buffer chunk = reader.next().await(); chunk != null; chunk = reader.next().await()) {
        out.appendBuffer(chunk);
      }
    } finally {
      reader.close().await();
    }
    return out;
  }

  private JsonObject importLines(Buffer file) {
    // In pieces that cut lines anywhere, as a socket or a file read delivers them.
    ImportFeed feed = new ImportFeed(vertx, clock, ValidationLimits.DEFAULTS);
    for (int i = 0; i < file.length(); i += 777) {
      feed.push(file.slice(i, Math.min(file.length(), i + 777))).await();
    }
    return feed.finish().await();
  }

  /** Waits for the batch of one live event sent now: the known later event every "no batch" is judged against. */
  private void liveMarker() {
    long ts = clock.millis();
    sendNow(S1, ts, "keystroke", key(5));
    clock.set(ts + 60_000);
    await().atMost(Duration.ofSeconds(20)).until(() -> batches.stream().anyMatch(b -> b.getJsonArray("events")
      .stream().anyMatch(e -> Timestamps.parse(((JsonObject) e).getString("timestamp")) == ts)));
  }

  private List<String> windows() {
    return batches.stream().map(b -> b.getString("window_start") + (b.getBoolean("replayed") ? " replayed" : "")).toList();
  }

  @Test
  void exportDeleteImportAnswersAsBefore() throws SQLException {
    history();
    int n = sentCount;
    // A stop drains: windows emitted, held screenshots deleted ('shutdown'); the restarted module answers.
    stopModule();
    startModule();
    long from = T0 - 60_000;
    long to = NOW;
    JsonObject before = history(from, to);
    assertEquals(n, before.getJsonObject("events").getJsonArray("events").size());
    assertTrue(before.getJsonArray("usage").size() >= 3, before::encode);

    Buffer file = export(from, to);
    String[] lines = file.toString(StandardCharsets.UTF_8).split("\n");
    assertEquals(1 + n, lines.length);
    JsonObject header = new JsonObject(lines[0]);
    assertEquals("skelly-storage-export", header.getString("format"));
    assertEquals(1, header.getInteger("version"));
    JsonObject shotLine = null;
    for (int i = 1; i < lines.length; i++) {
      JsonObject e = new JsonObject(lines[i]);
      if (e.getString("event_type").equals("screenshot") && !e.getJsonObject("data").getBoolean("privacy_masked")) {
        shotLine = e.getJsonObject("data");
      }
    }
    assertEquals(false, shotLine.containsKey("image"));
    assertEquals(2_000L, shotLine.getLong("size_bytes"));
    assertEquals(640, shotLine.getInteger("width"));
    assertEquals("shutdown", shotLine.getString("deleted_reason"));

    JsonObject deleted = vertx.eventBus().<JsonObject>request(Addresses.QUERY, new JsonObject()
      .put("query", "mutation($from: DateTime!, $to: DateTime!) { deleteRange(from: $from, to: $to) { events } }")
      .put("variables", new JsonObject().put("from", from).put("to", to))).await().body();
    assertEquals((double) n, deleted.getJsonObject("data").getJsonObject("deleteRange").getDouble("events"), deleted::encode);
    assertEquals(0, history(from, to).getJsonObject("events").getJsonArray("events").size());
    assertEquals(0L, TestSupport.scalar(db, "SELECT count(*) FROM batches"));

    batches.clear();
    JsonObject first = importLines(file);
    assertEquals(n, first.getLong("imported"), first::encode);
    assertEquals(0L, first.getLong("duplicates"));
    assertEquals(0L, first.getLong("invalid"));
    assertEquals(before, history(from, to));

    JsonObject second = importLines(file);
    assertEquals(0L, second.getLong("imported"), second::encode);
    assertEquals(n, second.getLong("duplicates"));
    assertEquals(n, TestSupport.scalar(db, "SELECT coalesce(sum(n), 0) FROM window_counts"));
    assertEquals(before, history(from, to));

    liveMarker();
    assertEquals(1, batches.size(), () -> "batches after import: " + windows());
    // A restart's replay finds every imported window covered.
    stopModule();
    batches.clear();
    startModule();
    liveMarker();
    assertEquals(1, batches.size(), () -> "batches after restart: " + windows());
    stopModule();
    assertEquals(0L, TestSupport.scalar(db, "SELECT count(*) FROM batches WHERE replayed = 1"));
    assertEquals(2L, TestSupport.scalar(db, "SELECT count(*) FROM batches"));
  }

  @Test
  void importSkipsAndNamesInvalidLinesAndRefusesWhatIsNoExport() {
    long ts = T0 + 1_000;
    String header = ExportFormat.header(T0, NOW, NOW).toString(StandardCharsets.UTF_8);
    String good = new JsonObject().put("id", UUID.randomUUID().toString()).put("session_id", S1).put("timestamp", ts)
      .put("event_type", "keystroke").put("data", key(3)).encode();
    String noId = new JsonObject().put("session_id", S1).put("timestamp", ts).put("event_type", "keystroke")
      .put("data", key(3)).encode();
    String badUuid = new JsonObject(good).put("id", "not-a-uuid").encode();
    // A screenshot needs no image; its size and deletion come from the line.
    JsonObject shotData = shot(null, false).put("size_bytes", 1234).put("width", 64).put("height", 48)
      .put("storage", "disk").put("deleted_at", Timestamps.format(ts + 5)).put("deleted_reason", "analysis-complete");
    String shotLine = new JsonObject().put("id", UUID.randomUUID().toString()).put("session_id", S1)
      .put("timestamp", ts + 1).put("event_type", "screenshot").put("data", shotData).encode();
    String recent = new JsonObject(good).put("id", UUID.randomUUID().toString()).put("timestamp", NOW - 1_000).encode();
    Buffer file = Buffer.buffer(header + good + "\n" + noId + "\r\n" + badUuid + "\n\n" + recent + "\n" + shotLine);

    JsonObject summary = importLines(file);
    assertEquals(2L, summary.getLong("imported"), summary::encode);
    assertEquals(2L, summary.getLong("invalid"));
    assertEquals(1L, summary.getLong("too_recent"));
    assertEquals("line 3: missing_field: id is missing: an import needs it", summary.getString("first_invalid"));
    JsonObject shots = history(T0, NOW).getJsonObject("screenshots");
    JsonObject meta = shots.getJsonArray("screenshots").getJsonObject(0);
    assertEquals(1234, meta.getInteger("sizeBytes"));
    assertEquals("disk", meta.getString("storage"));
    assertEquals("analysis-complete", meta.getString("deletedReason"));
    assertEquals(Timestamps.format(ts + 5), meta.getString("deletedAt"));

    ImportFeed notExport = new ImportFeed(vertx, clock, ValidationLimits.DEFAULTS);
    Throwable refused = assertThrows(Throwable.class, () -> notExport.push(Buffer.buffer(good + "\n")).await());
    assertEquals("the first line is not a skelly-storage-export header", refused.getMessage());
    ImportFeed huge = new ImportFeed(vertx, clock, ValidationLimits.DEFAULTS);
    huge.push(Buffer.buffer(header)).await();
    Throwable tooLong = assertThrows(Throwable.class,
      () -> huge.push(Buffer.buffer(new byte[ImportFeed.MAX_LINE_BYTES + 1])).await());
    assertEquals("line 2 is longer than " + ImportFeed.MAX_LINE_BYTES + " bytes", tooLong.getMessage());
  }

  @Test
  void importedHistoryOlderThanRawRetentionGoesWithItsRecord() throws SQLException {
    long old = NOW - 20 * 86_400_000L;
    String header = ExportFormat.header(old, NOW, NOW).toString(StandardCharsets.UTF_8);
    String line = new JsonObject().put("id", UUID.randomUUID().toString()).put("session_id", S1).put("timestamp", old)
      .put("event_type", "keystroke").put("data", key(3)).encode();
    assertEquals(1L, importLines(Buffer.buffer(header + line)).getLong("imported"));
    assertEquals(1L, TestSupport.scalar(db, "SELECT count(*) FROM imported_windows"));
    // The start-up retention pass finds the window covered (by its import) and removes it with its record.
    stopModule();
    startModule();
    await().atMost(Duration.ofSeconds(30)).until(() -> TestSupport.scalar(db, "SELECT count(*) FROM window_counts") == 0);
    assertEquals(0L, TestSupport.scalar(db, "SELECT count(*) FROM imported_windows"));
    assertEquals(0L, TestSupport.scalar(db, "SELECT count(*) FROM event_blocks"));
  }

  @Test
  void exportOfManyWindowsIsWholeAndOrdered() {
    // 60 000 events 5 ms apart: 10 windows of 6 000, three chunks of the reader.
    int n = 60_000;
    long start = NOW - 3_600_000L;
    Set<String> sessions = Set.of(S1, S2);
    List<Future<Object>> inFlight = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      inFlight.add(send(i % 3 == 0 ? S2 : S1, start + (n - i) * 5L, "mouse_move",
        new JsonObject().put("x", i).put("y", i % 1000).put("velocity", 1.5)));
      if (inFlight.size() == 1_000) {
        Future.all(inFlight).await();
        inFlight.clear();
      }
    }
    Future.all(inFlight).await();
    Buffer file = export(start, NOW);
    String[] lines = file.toString(StandardCharsets.UTF_8).split("\n");
    assertEquals(n + 1, lines.length);
    long last = Long.MIN_VALUE;
    Set<String> ids = new HashSet<>();
    for (int i = 1; i < lines.length; i++) {
      JsonObject e = new JsonObject(lines[i]);
      long ts = Timestamps.parse(e.getString("timestamp"));
      assertTrue(ts >= last, "line " + i + " goes back in time");
      assertTrue(sessions.contains(e.getString("session_id")));
      ids.add(e.getString("id"));
      last = ts;
    }
    assertEquals(n, ids.size());
    assertEquals(start + 5, Timestamps.parse(new JsonObject(lines[1]).getString("timestamp")));
  }
}
