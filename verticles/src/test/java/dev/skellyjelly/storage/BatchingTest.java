package dev.skellyjelly.storage;

import dev.skellyjelly.storage.TestSupport.ManualClock;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.Codecs;
import dev.skellyjelly.storage.codecs.EventBatch;
import dev.skellyjelly.storage.codecs.EventData;
import dev.skellyjelly.storage.codecs.EventJson;
import dev.skellyjelly.storage.codecs.ImageFormat;
import dev.skellyjelly.storage.codecs.Keystroke;
import dev.skellyjelly.storage.codecs.MouseClick;
import dev.skellyjelly.storage.codecs.MouseMove;
import dev.skellyjelly.storage.codecs.ProcessEvent;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.ResourceUsage;
import dev.skellyjelly.storage.codecs.Screenshot;
import dev.skellyjelly.storage.codecs.ScreenshotRef;
import dev.skellyjelly.storage.codecs.ScreenshotStorage;
import dev.skellyjelly.storage.codecs.TestPng;
import dev.skellyjelly.storage.codecs.WindowFocus;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Event-time batching as the Analysis Engine sees it (CONTRACT §1, §3): windows per session and
 * {@code floor(ts/W)·W}, closed by the injected clock at end + grace, late firings, parts, the JSON form,
 * stable window ids, graceful stop, screenshot refs, and the {@code batches} table behind all of it.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class BatchingTest {

  /** Aligned to both 5 s and 30 s windows. */
  private static final long T0 = Instant.parse("2026-11-26T10:00:00Z").toEpochMilli();
  private static final long GRACE_MS = 200;
  private static final long FLUSH_MS = 50;
  private static final Pattern TIMESTAMP = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z");
  private static final Pattern UUID_TEXT = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

  @TempDir
  Path dir;

  private Vertx vertx;
  private final ManualClock clock = new ManualClock(T0);
  private StorageModule module;
  /** Typed batches in arrival order, each with the clock when it arrived (the clock moves only between steps). */
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final TickMarker ticks = new TickMarker(clock);
  /** JSON batches by window id, only for the tests that subscribe to them. */
  private final Map<String, JsonObject> json = new ConcurrentHashMap<>();

  private record Seen(EventBatch batch, long clockMs) {
  }

  @BeforeEach
  void listen(Vertx vertx) {
    this.vertx = vertx;
    Codecs.ensureRegistered(vertx);
    vertx.eventBus().<EventBatch>consumer(Addresses.EVENT_BATCH, m -> {
      if (!ticks.take(m.body())) {
        seen.add(new Seen(m.body(), clock.millis()));
      }
    }).completion().await();
  }

  // ---------------------------------------------------------------- the acceptance

  /**
   * 5 sessions × 40 000 events over 5 windows of 5 s. Per (session, window): 5 000 events sent while the
   * window is current, 1 500 sent out of order while the next window is current (but before this one's
   * end + grace), then 1 200 and 300 sent after it closed and was emitted: two late firings.
   */
  @Test
  @Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
  void everyEventGoesOutInExactlyOneBatchOfItsWindow() throws Exception {
    int sessions = 5;
    int windows = 5;
    long w = 5_000;
    int maxPerBatch = 1_000;
    int[] groupSizes = {5_000, 1_500, 1_200, 300};
    int onTimeNow = 0;
    int onTimeNext = 1;
    int lateFirst = 2;
    int lateSecond = 3;
    int perWindow = 8_000;
    start(dir, 5, maxPerBatch);
    Random rnd = new Random(20261126);
    String[] session = new String[sessions];
    for (int s = 0; s < sessions; s++) {
      session[s] = uuid(rnd);
    }
    // plan.get(List.of(s, k, g)): the events of session s, window k, sending group g.
    Map<List<Integer>, List<RawEvent>> plan = new HashMap<>();
    Map<String, Long> plannedByType = new TreeMap<>();
    for (int s = 0; s < sessions; s++) {
      for (int k = 0; k < windows; k++) {
        List<RawEvent> all = new ArrayList<>();
        for (int i = 0; i < perWindow; i++) {
          // All seven kinds, few screenshots (as in real capture).
          RawEvent e = event(rnd, session[s], T0 + k * w + rnd.nextInt((int) w), i % 50 == 49 ? 6 : i % 6);
          all.add(e);
          plannedByType.merge(session[s] + "/" + (T0 + k * w) + "/" + e.eventType().wireName(), 1L, Long::sum);
        }
        int from = 0;
        for (int g = 0; g < groupSizes.length; g++) {
          plan.put(List.of(s, k, g), all.subList(from, from + groupSizes[g]));
          from += groupSizes[g];
        }
      }
    }

    long emitted = 0;
    for (int r = 0; r <= windows + 1; r++) {
      long roundStart = T0 + r * w;
      boolean current = r < windows;
      boolean previous = r >= 1 && r - 1 < windows;
      boolean beforePrevious = r >= 2 && r - 2 < windows;
      // Window r-1 has ended but is still within its grace: its stragglers are on time, mixed with window r.
      clock.set(roundStart + 100);
      List<RawEvent> onTime = new ArrayList<>();
      for (int s = 0; s < sessions; s++) {
        if (current) {
          onTime.addAll(plan.get(List.of(s, r, onTimeNow)));
        }
        if (previous) {
          onTime.addAll(plan.get(List.of(s, r - 1, onTimeNext)));
        }
      }
      Collections.shuffle(onTime, rnd);
      if (!onTime.isEmpty()) {
        deliver(onTime);
        // The batcher hears of a commit on its own thread: let it hold them before the clock moves on.
        long held = (current ? sessions * groupSizes[onTimeNow] : 0)
          + (previous ? sessions * (groupSizes[onTimeNow] + groupSizes[onTimeNext]) : 0);
        await("the batcher holding the round's events").atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(5))
          .untilAsserted(() -> assertEquals(held, module.metrics().queueDepth("batcher").get(), "events held"));
      }
      // Window r-1 closes now (end + grace) and goes out at the next tick.
      clock.set(roundStart + GRACE_MS);
      if (previous) {
        emitted += sessions * (groupSizes[onTimeNow] + groupSizes[onTimeNext]);
        awaitEmitted(emitted);
      }
      // Late: sent after the window closed and was emitted.
      List<RawEvent> late = new ArrayList<>();
      for (int s = 0; s < sessions; s++) {
        if (previous) {
          late.addAll(plan.get(List.of(s, r - 1, lateFirst)));
        }
        if (beforePrevious) {
          late.addAll(plan.get(List.of(s, r - 2, lateSecond)));
        }
      }
      Collections.shuffle(late, rnd);
      if (!late.isEmpty()) {
        deliver(late);
        emitted += late.size();
        awaitEmitted(emitted);
      }
    }
    assertEquals((long) sessions * windows * perWindow, emitted);

    List<Seen> all = List.copyOf(seen);
    // Every event id in exactly one batch, and nothing that was not sent.
    Map<String, EventBatch> batchOf = new HashMap<>();
    for (Seen s : all) {
      for (RawEvent e : s.batch().events()) {
        assertNull(batchOf.put(e.id(), s.batch()), () -> "event " + e.id() + " is in two batches");
      }
    }
    assertEquals(sessions * windows * perWindow, batchOf.size());
    // Every batch: not replayed, W wide and aligned, at most max_events_per_batch, events inside its bounds.
    for (Seen s : all) {
      EventBatch b = s.batch();
      assertFalse(b.replayed());
      assertEquals(w, b.windowEndMs() - b.windowStartMs());
      assertEquals(0, Math.floorMod(b.windowStartMs(), w));
      assertTrue(b.events().size() >= 1 && b.events().size() <= maxPerBatch, () -> "part of " + b.events().size());
      assertTrue(b.screenshotRefs().isEmpty(), "masked captures without an image have no refs");
      for (RawEvent e : b.events()) {
        assertEquals(b.sessionId(), e.sessionId());
        assertTrue(e.timestampMs() >= b.windowStartMs() && e.timestampMs() < b.windowEndMs(),
          () -> "event at " + e.timestampMs() + " outside [" + b.windowStartMs() + ", " + b.windowEndMs() + ")");
      }
    }
    // Per window, in order: one on-time firing with exactly the events sent before end + grace, then late
    // firings (as many as the ticks that found newly committed stragglers) with exactly the late events,
    // those sent in the round after the window closed before those sent one round later.
    Map<String, List<List<EventBatch>>> firings = firings(all);
    Map<String, Long> clockOf = new HashMap<>();
    for (Seen s : all) {
      clockOf.put(s.batch().windowId(), s.clockMs());
    }
    assertEquals(sessions * windows, firings.size());
    for (int s = 0; s < sessions; s++) {
      for (int k = 0; k < windows; k++) {
        String key = session[s] + "/" + (T0 + k * w);
        List<List<EventBatch>> f = firings.get(key);
        assertNotNull(f, key);
        assertTrue(f.size() >= 3, () -> key + " fired " + f.size() + " times");
        Set<String> onTime = ids(plan.get(List.of(s, k, onTimeNow)));
        onTime.addAll(ids(plan.get(List.of(s, k, onTimeNext))));
        List<Set<String>> expected = List.of(onTime, ids(plan.get(List.of(s, k, lateFirst))),
          ids(plan.get(List.of(s, k, lateSecond))));
        long closedAt = T0 + (k + 1) * w + GRACE_MS;
        // Stage 0: the first firing; 1: late firings while the clock stood at the close; 2: one round later.
        List<Set<String>> got = List.of(new HashSet<>(), new HashSet<>(), new HashSet<>());
        int stage = 0;
        for (int i = 0; i < f.size(); i++) {
          List<EventBatch> parts = f.get(i);
          EventBatch head = parts.get(0);
          assertEquals(i > 0, head.late(), key + " firing " + i);
          int at = i == 0 ? 0 : clockOf.get(head.windowId()) == closedAt ? 1 : 2;
          assertTrue(at >= stage, key + ": firings out of order");
          stage = at;
          int n = 0;
          for (EventBatch b : parts) {
            assertEquals(T0 + k * w, b.windowStartMs(), "late firings keep the window's bounds");
            n += b.events().size();
            for (RawEvent e : b.events()) {
              got.get(at).add(e.id());
            }
          }
          assertEquals((n + maxPerBatch - 1) / maxPerBatch, parts.size(), key + " firing " + i + " of " + n + " events");
        }
        assertEquals(expected, got, key);
      }
    }

    // The batches table: one row per emitted batch, as emitted; window ids distinct.
    Path db = dir.resolve("events.db");
    Map<String, Seen> byWindowId = new HashMap<>();
    for (Seen s : all) {
      assertNull(byWindowId.put(s.batch().windowId(), s), "window ids are distinct across parts and firings");
    }
    await("the batches recorded").atMost(Duration.ofSeconds(60))
      .untilAsserted(() -> assertEquals(all.size(), count(db, "SELECT count(*) FROM batches"), "batches rows"));
    assertBatchRows(db, byWindowId);
    // Per window: what the batches carried is what event_counts says was committed, by type too.
    Map<String, Long> committed = groupSums(db, "SELECT session_id, window_start_ms, sum(n) FROM event_counts GROUP BY 1, 2");
    Map<String, Long> carried = groupSums(db,
      "SELECT session_id, window_start_ms, sum(event_count) FROM batches WHERE replayed = 0 GROUP BY 1, 2");
    assertEquals(sessions * windows, committed.size());
    assertEquals(committed, carried);
    for (long n : committed.values()) {
      assertEquals(perWindow, n);
    }
    Map<String, Long> byType = new TreeMap<>();
    try (Connection c = TestSupport.open(db); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT session_id, window_start_ms, event_type, n FROM event_counts")) {
      while (rs.next()) {
        byType.put(rs.getString(1) + "/" + rs.getLong(2) + "/" + rs.getString(3), rs.getLong(4));
      }
    }
    assertEquals(plannedByType, byType);
    // And what the database holds is exactly what was batched.
    Set<String> stored = new HashSet<>();
    for (RawEvent e : TestSupport.readEvents(db)) {
      stored.add(e.id());
    }
    assertEquals(batchOf.keySet(), stored);
  }

  // ---------------------------------------------------------------- JSON form

  @Test
  void jsonBatchMatchesTheContractFieldByField() throws Exception {
    vertx.eventBus().<JsonObject>consumer(Addresses.EVENT_BATCH_JSON, m -> json.put(m.body().getString("window_id"), m.body()))
      .completion().await();
    clock.set(T0 + 10_000);
    start(dir, 30, 100);
    String session = "5b1d0c1e-0000-4000-8000-00000000000a";
    byte[] png = TestPng.png(4_000, 1920, 1080, "json-test".getBytes(StandardCharsets.US_ASCII));
    String shotId = "a1000000-0000-4000-8000-000000000001";
    List<JsonObject> inputs = List.of(
      raw(1, session, "2026-11-26T10:00:00.123Z", "keystroke", new JsonObject().put("key_code", 65)
        .put("modifiers", new JsonObject().put("shift", true).put("ctrl", false).put("alt", false).put("meta", false))
        .put("inter_key_interval_ms", 120)),
      raw(2, session, "2026-11-26T10:00:01.000Z", "keystroke", new JsonObject().put("key_code", 4_294_967_295L)
        .put("modifiers", new JsonObject().put("shift", false).put("ctrl", true).put("alt", true).put("meta", true))
        .putNull("inter_key_interval_ms")),
      raw(3, session, "2026-11-26T10:00:02.5Z", "mouse_move", new JsonObject().put("x", -5).put("y", 1080)
        .put("velocity", 1234.5)),
      raw(4, session, "2026-11-26T10:00:03.004Z", "mouse_click", new JsonObject().put("x", 10).put("y", 20)
        .put("button", "right").put("click_type", "double")),
      raw(5, session, "2026-11-26T10:00:04.000Z", "window_focus", new JsonObject().put("window_title", "Inbox — Mail")
        .put("app_name", "Mail").put("process_id", 4242).put("duration_ms", 1500)),
      raw(6, session, "2026-11-26T10:00:05.000Z", "window_focus", new JsonObject().put("window_title", "")
        .put("app_name", "Finder").put("process_id", 1).putNull("duration_ms")),
      raw(7, session, "2026-11-26T10:00:06.250Z", "screenshot", new JsonObject().put("screenshot_id", shotId)
        .put("format", "png").put("image", java.util.Base64.getEncoder().encodeToString(png))
        .put("window_title", "Editor").put("app_name", "code")
        .put("screen_region", new JsonObject().put("x", 0).put("y", 0).put("width", 1920).put("height", 1080))
        .put("privacy_masked", false)),
      raw(8, session, "2026-11-26T10:00:07.000Z", "screenshot", new JsonObject()
        .put("screenshot_id", "a1000000-0000-4000-8000-000000000002").put("format", "webp")
        .put("window_title", "Bank").put("app_name", "browser")
        .put("screen_region", new JsonObject().put("x", 100).put("y", -20).put("width", 800).put("height", 600))
        .put("privacy_masked", true)),
      raw(9, session, "2026-11-26T10:00:08.000Z", "process", new JsonObject().put("process_id", 77)
        .put("process_name", "cargo").put("event_type", "started")),
      raw(10, session, "2026-11-26T10:00:09.000Z", "resource", new JsonObject().put("cpu_percent", 153.5)
        .put("memory_mb", 2048).put("disk_io_mb_per_sec", 1.25).put("network_io_mb_per_sec", 0.0)),
      // Epoch milliseconds in, contract text out.
      raw(11, session, T0 + 29_999, "mouse_move", new JsonObject().put("x", 0).put("y", 0).put("velocity", 0.0)));
    for (JsonObject in : inputs) {
      JsonObject ack = vertx.eventBus().<JsonObject>request(Addresses.RAW_EVENT, in).await().body();
      assertEquals(true, ack.getBoolean("committed"));
    }
    await("the batcher holding every event").atMost(Duration.ofSeconds(60))
      .until(() -> module.metrics().queueDepth("batcher").get() == inputs.size());
    clock.set(T0 + 30_000 + GRACE_MS);
    await("one typed and one JSON batch").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      assertEquals(1, seen.size(), "typed batches");
      assertEquals(1, json.size(), "JSON batches");
    });

    EventBatch typed = seen.get(0).batch();
    JsonObject live = json.get(typed.windowId());
    assertNotNull(live, "the JSON batch has the typed batch's window_id");
    // What a bridge consumer sees: the text form, parsed again.
    JsonObject b = new JsonObject(live.encode());
    assertEquals(Set.of("window_id", "session_id", "window_start", "window_end", "part", "parts", "late", "replayed",
      "paused_ms", "events", "screenshot_refs"), b.fieldNames());
    assertEquals(0L, b.getLong("paused_ms"), "nothing was paused");
    assertTrue(UUID_TEXT.matcher(b.getString("window_id")).matches(), b.getString("window_id"));
    assertEquals(session, b.getString("session_id"));
    assertEquals("2026-11-26T10:00:00.000Z", b.getValue("window_start"));
    assertEquals("2026-11-26T10:00:30.000Z", b.getValue("window_end"));
    assertEquals(30_000, Instant.parse(b.getString("window_end")).toEpochMilli()
      - Instant.parse(b.getString("window_start")).toEpochMilli());
    assertEquals(0, b.getValue("part"));
    assertEquals(1, b.getValue("parts"));
    assertEquals(false, b.getValue("late"));
    assertEquals(false, b.getValue("replayed"));

    JsonArray events = b.getJsonArray("events");
    assertEquals(inputs.size(), events.size());
    Map<String, JsonObject> outById = new HashMap<>();
    for (int i = 0; i < events.size(); i++) {
      JsonObject e = events.getJsonObject(i);
      assertTrue(TIMESTAMP.matcher(e.getString("timestamp")).matches(), e.getString("timestamp"));
      outById.put(e.getString("id"), e);
    }
    for (JsonObject in : inputs) {
      // Every field as received (timestamps in the contract's text), a screenshot without its image.
      JsonObject expected = new JsonObject(in.encode());
      expected.put("timestamp", text(Instant.ofEpochMilli(millis(in.getValue("timestamp")))));
      expected.getJsonObject("data").remove("image");
      assertEquals(expected, outById.get(in.getString("id")), () -> "event " + in.getString("id"));
    }
    assertInstanceOf(Double.class, outById.get(inputs.get(2).getString("id")).getJsonObject("data").getValue("velocity"));
    assertInstanceOf(Double.class, outById.get(inputs.get(10).getString("id")).getJsonObject("data").getValue("velocity"));

    JsonArray refs = b.getJsonArray("screenshot_refs");
    assertEquals(1, refs.size(), "only the capture with an image has a ref");
    JsonObject ref = refs.getJsonObject(0);
    assertEquals(Set.of("screenshot_id", "timestamp", "format", "size_bytes", "width", "height", "storage"), ref.fieldNames());
    assertEquals(shotId, ref.getValue("screenshot_id"));
    assertEquals("2026-11-26T10:00:06.250Z", ref.getValue("timestamp"));
    assertEquals("png", ref.getValue("format"));
    assertEquals(png.length, ref.getValue("size_bytes"));
    assertEquals(1920, ref.getValue("width"));
    assertEquals(1080, ref.getValue("height"));
    assertEquals("memory", ref.getValue("storage"));

    // The JSON form is the typed batch, event for event.
    assertEquals(typed, EventJson.decodeBatch(b));
    List<String> typedIds = new ArrayList<>();
    for (RawEvent e : typed.events()) {
      typedIds.add(e.id());
      if (e.data() instanceof Screenshot s) {
        assertNull(s.image(), "batched screenshot events carry no pixels");
      }
    }
    List<String> jsonIds = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      jsonIds.add(events.getJsonObject(i).getString("id"));
    }
    assertEquals(typedIds, jsonIds);
  }

  // ---------------------------------------------------------------- window ids

  @Test
  void windowIdIsStableForSessionStartPartAndFiringAndDistinctOtherwise(@TempDir Path otherDir) throws Exception {
    Map<String, String> first = scriptedRun(dir);
    undeploy();
    seen.clear();
    Map<String, String> second = scriptedRun(otherDir);
    // Same sessions, windows, parts and firings on another database: the same ids.
    assertEquals(first, second);
    // (session a: firing 0 in 3 parts, firing 1 in 2 parts; session b: firing 0 in 1 part.)
    assertEquals(6, first.size(), first.toString());
    assertEquals(first.size(), new HashSet<>(first.values()).size(), "ids distinct across sessions, parts and firings");
    Path db = dir.resolve("events.db");
    await("the batches recorded").atMost(Duration.ofSeconds(60))
      .untilAsserted(() -> assertEquals(first.size(), count(db, "SELECT count(*) FROM batches"), "batches rows"));
    Set<String> rows = new HashSet<>();
    try (Connection c = TestSupport.open(db); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT window_id FROM batches")) {
      while (rs.next()) {
        rows.add(rs.getString(1));
      }
    }
    assertEquals(new HashSet<>(first.values()), rows);
  }

  /** The same events on every run; returns "session/start/firing/part" → window_id. */
  private Map<String, String> scriptedRun(Path d) {
    clock.set(T0 + 1_000);
    start(d, 5, 3);
    Random rnd = new Random(99);
    String a = uuid(rnd);
    String b = uuid(rnd);
    List<RawEvent> onTime = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      onTime.add(event(rnd, a, T0 + 100 + i, i));
    }
    onTime.add(event(rnd, b, T0 + 4_999, 0));
    deliver(onTime);
    await("the batcher holding every event").atMost(Duration.ofSeconds(60))
      .until(() -> module.metrics().queueDepth("batcher").get() == 8);
    clock.set(T0 + 5_000 + GRACE_MS);
    awaitEmitted(8);
    List<RawEvent> late = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      late.add(event(rnd, a, T0 + i * 1_000, i));
    }
    deliver(late);
    awaitEmitted(12);
    Map<String, String> ids = new TreeMap<>();
    firings(List.copyOf(seen)).forEach((window, fs) -> {
      for (int f = 0; f < fs.size(); f++) {
        for (EventBatch batch : fs.get(f)) {
          assertEquals(f > 0, batch.late());
          ids.put(window + "/" + f + "/" + batch.part(), batch.windowId());
        }
      }
    });
    return ids;
  }

  /**
   * A firing long after the window (here seven hours, the module running all along) is still a late firing
   * of that window with an id of its own; it must not overwrite the first firing's row.
   */
  @Test
  void lateFiringHoursAfterTheWindowStillGetsANewWindowId() throws Exception {
    clock.set(T0 + 1_000);
    start(dir, 5, 100);
    String session = "5b1d0c1e-0000-4000-8000-00000000000b";
    Random rnd = new Random(5);
    deliver(List.of(event(rnd, session, T0 + 10, 0), event(rnd, session, T0 + 20, 1), event(rnd, session, T0 + 30, 2)));
    await("the batcher holding every event").atMost(Duration.ofSeconds(60))
      .until(() -> module.metrics().queueDepth("batcher").get() == 3);
    clock.set(T0 + 5_000 + GRACE_MS);
    awaitEmitted(3);
    Path db = dir.resolve("events.db");
    await("the first firing recorded").atMost(Duration.ofSeconds(60))
      .until(() -> count(db, "SELECT count(*) FROM batches") == 1);

    long later = T0 + 7 * 3_600_000L;
    clock.set(later);
    RawEvent straggler = event(rnd, session, T0 + 2_500, 3);
    deliver(List.of(straggler));
    awaitEmitted(4);
    EventBatch first = seen.get(0).batch();
    EventBatch second = seen.get(1).batch();
    assertEquals(List.of(straggler.id()), second.events().stream().map(RawEvent::id).toList());
    assertEquals(first.windowStartMs(), second.windowStartMs());
    assertTrue(second.late(), "a later firing carrying an event committed after the window closed is late");
    assertNotEquals(first.windowId(), second.windowId());
    await("the late firing recorded").atMost(Duration.ofSeconds(60))
      .until(() -> count(db, "SELECT count(*) FROM batches WHERE emitted_at_ms = " + later) == 1);
    assertEquals(2, count(db, "SELECT count(*) FROM batches"));
    assertEquals(3, count(db, "SELECT event_count FROM batches WHERE window_id = '" + first.windowId() + "'"));
    assertEquals(T0 + 5_000 + GRACE_MS,
      count(db, "SELECT emitted_at_ms FROM batches WHERE window_id = '" + first.windowId() + "'"));
    assertEquals(4, count(db, "SELECT sum(event_count) FROM batches WHERE replayed = 0"));
    assertEquals(4, count(db, "SELECT sum(n) FROM event_counts"));
  }

  // ---------------------------------------------------------------- closing on an idle bus

  @Test
  void windowClosesOnTheTimerWithNoFurtherEventsButNotBeforeEndPlusGrace() throws Exception {
    clock.set(T0 + 1_000);
    start(dir, 5, 100);
    String session = "5b1d0c1e-0000-4000-8000-00000000000c";
    Random rnd = new Random(3);
    List<RawEvent> events = List.of(event(rnd, session, T0, 0), event(rnd, session, T0 + 2_000, 1),
      event(rnd, session, T0 + 4_999, 2));
    deliver(events);
    await("the batcher holding every event").atMost(Duration.ofSeconds(60))
      .until(() -> module.metrics().queueDepth("batcher").get() == 3);

    clock.set(T0 + 5_000 + GRACE_MS - 1);
    // A batcher tick with the window one millisecond short of closing.
    ticks.awaitTick(vertx);
    assertEquals(0, seen.size(), "emitted before end + grace");

    long realStart = System.nanoTime();
    clock.set(T0 + 5_000 + GRACE_MS);
    await("the window emitted").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
      .until(() -> seen.size() == 1);
    long realMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - realStart);
    assertTrue(realMs <= 250, "emitted " + realMs + " ms after end + grace, more than one timer period");
    EventBatch b = seen.get(0).batch();
    assertEquals(events.stream().map(RawEvent::id).toList(), b.events().stream().map(RawEvent::id).toList());
    assertEquals(T0, b.windowStartMs());
    assertEquals(T0 + 5_000, b.windowEndMs());
    assertFalse(b.late());
    assertFalse(b.replayed());
  }

  // ---------------------------------------------------------------- graceful stop

  @Test
  void gracefulStopEmitsEveryOpenWindowAndRecordsIt() throws Exception {
    clock.set(T0 + 1_000);
    start(dir, 30, 100);
    Random rnd = new Random(11);
    String a = "5b1d0c1e-0000-4000-8000-0000000000a1";
    String b = "5b1d0c1e-0000-4000-8000-0000000000b1";
    List<RawEvent> acknowledged = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      acknowledged.add(event(rnd, a, T0 + i * 1_000, i));
    }
    for (int i = 0; i < 3; i++) {
      acknowledged.add(event(rnd, b, T0 + 20_000 + i, i));
    }
    for (int i = 0; i < 4; i++) {
      // The next window, well ahead of the clock but within the allowed skew.
      acknowledged.add(event(rnd, b, T0 + 30_000 + i * 500, i));
    }
    deliver(acknowledged);
    // Accepted but not yet committed when the stop begins: the drain commits and emits them too.
    List<RawEvent> inFlight = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      inFlight.add(event(rnd, a, T0 + 10_000 + i, i));
    }
    for (RawEvent e : inFlight) {
      vertx.eventBus().send(Addresses.RAW_EVENT, e);
    }
    vertx.undeploy(module.deploymentID()).await();

    Path db = dir.resolve("events.db");
    // Recorded before the stop completed: no waiting here.
    assertEquals(3, count(db, "SELECT count(*) FROM batches"));
    assertEquals(18, module.metrics().eventsReceived(), "every event sent before the stop was accepted");
    await("the batches emitted at the stop").atMost(Duration.ofSeconds(60))
      .untilAsserted(() -> assertEquals(3, seen.size(), "batches"));
    Set<String> expected = ids(acknowledged);
    expected.addAll(ids(inFlight));
    Set<String> got = new HashSet<>();
    Map<String, Seen> byWindowId = new HashMap<>();
    Set<String> windows = new HashSet<>();
    for (Seen s : seen) {
      EventBatch batch = s.batch();
      assertFalse(batch.late());
      assertFalse(batch.replayed());
      assertEquals(T0 + 1_000, s.clockMs(), "emitted before its end + grace, at the stop");
      windows.add(batch.sessionId() + "/" + batch.windowStartMs());
      byWindowId.put(batch.windowId(), s);
      for (RawEvent e : batch.events()) {
        assertTrue(got.add(e.id()), "event twice: " + e.id());
        assertTrue(e.timestampMs() >= batch.windowStartMs() && e.timestampMs() < batch.windowEndMs());
      }
    }
    assertEquals(expected, got);
    assertEquals(Set.of(a + "/" + T0, b + "/" + T0, b + "/" + (T0 + 30_000)), windows);
    assertBatchRows(db, byWindowId);
    assertEquals(18, count(db, "SELECT sum(event_count) FROM batches"));
  }

  // ---------------------------------------------------------------- screenshots

  @Test
  void screenshotRefsTravelWithTheirEventsAndMaskedCapturesHaveNone() throws Exception {
    vertx.eventBus().<JsonObject>consumer(Addresses.EVENT_BATCH_JSON, m -> json.put(m.body().getString("window_id"), m.body()))
      .completion().await();
    clock.set(T0 + 1_000);
    // Two events a part, so the screenshot's part is not simply "the batch".
    start(dir, 30, 2);
    String session = "5b1d0c1e-0000-4000-8000-00000000000d";
    Random rnd = new Random(13);
    byte[] png = TestPng.png(3_000, 1280, 720, "shot".getBytes(StandardCharsets.US_ASCII));
    RawEvent withImage = new RawEvent(uuid(rnd), session, T0 + 5_000, new Screenshot(uuid(rnd), ImageFormat.PNG, png,
      "Editor", "code", new Screenshot.Region(0, 0, 1280, 720), false));
    RawEvent masked = new RawEvent(uuid(rnd), session, T0 + 6_000, new Screenshot(uuid(rnd), ImageFormat.PNG, null,
      "Bank", "browser", new Screenshot.Region(0, 0, 1280, 720), true));
    List<RawEvent> events = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      events.add(event(rnd, session, T0 + i * 1_000, 0));
    }
    events.add(2, withImage);
    events.add(4, masked);
    deliver(events);
    await("the batcher holding every event").atMost(Duration.ofSeconds(60))
      .until(() -> module.metrics().queueDepth("batcher").get() == 7);
    clock.set(T0 + 30_000 + GRACE_MS);
    awaitEmitted(7);
    await("the JSON batches").atMost(Duration.ofSeconds(60))
      .untilAsserted(() -> assertEquals(4, json.size(), "JSON batches"));

    String imageId = ((Screenshot) withImage.data()).screenshotId();
    String maskedId = ((Screenshot) masked.data()).screenshotId();
    int refsSeen = 0;
    Map<String, Seen> byWindowId = new HashMap<>();
    for (Seen s : seen) {
      EventBatch b = s.batch();
      byWindowId.put(b.windowId(), s);
      Set<String> shotsHere = new HashSet<>();
      for (RawEvent e : b.events()) {
        if (e.data() instanceof Screenshot shot) {
          assertNull(shot.image(), "no pixels in a batch");
          shotsHere.add(shot.screenshotId());
        }
      }
      for (ScreenshotRef r : b.screenshotRefs()) {
        refsSeen++;
        assertNotEquals(maskedId, r.screenshotId(), "a masked capture without an image has no ref");
        assertEquals(imageId, r.screenshotId());
        assertTrue(shotsHere.contains(r.screenshotId()), "ref in the same batch and part as its event");
        assertEquals(new ScreenshotRef(imageId, T0 + 5_000, ImageFormat.PNG, png.length, 1280, 720,
          ScreenshotStorage.MEMORY), r);
        JsonArray jsonRefs = json.get(b.windowId()).getJsonArray("screenshot_refs");
        assertEquals(1, jsonRefs.size());
        assertEquals("memory", jsonRefs.getJsonObject(0).getString("storage"));
        assertEquals(png.length, jsonRefs.getJsonObject(0).getLong("size_bytes"));
      }
      if (!shotsHere.contains(imageId)) {
        assertTrue(b.screenshotRefs().isEmpty());
        assertTrue(json.get(b.windowId()).getJsonArray("screenshot_refs").isEmpty());
      }
    }
    assertEquals(1, refsSeen);
    Path db = dir.resolve("events.db");
    await("the batches recorded").atMost(Duration.ofSeconds(60))
      .until(() -> count(db, "SELECT count(*) FROM batches") == 4);
    assertBatchRows(db, byWindowId);
    assertEquals(1, count(db, "SELECT sum(screenshot_count) FROM batches"));
  }

  /**
   * More committed events than the batcher holds in memory (BatcherVerticle.MAX_HELD, 50 000) wait in one
   * window: it lets go of them and is read back from the database page by page when it closes. Its batches carry
   * exactly its events in commit order; a second flood into the same, closed window goes out in late firings
   * with exactly those events; compaction then leaves blocks of at most 32 768 events and every event intact.
   */
  @Test
  @Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
  void aWindowLargerThanMemoryIsReadBackInPagesAndEmittedExactly() throws Exception {
    int maxPerBatch = 10_000;
    start(dir, 30, maxPerBatch);
    Random rnd = new Random(20261127);
    String session = uuid(rnd);
    List<RawEvent> onTime = flood(rnd, session, 130_000);
    clock.set(T0 + 30_000 + GRACE_MS);
    awaitEmitted(onTime.size());
    assertOnTimeFiring(onTime, maxPerBatch);

    // Late events fire at every tick: whatever arrived since the last one, in commit order.
    List<RawEvent> late = flood(rnd, session, 110_000);
    awaitEmitted(onTime.size() + late.size());
    List<RawEvent> lateGot = new ArrayList<>();
    for (Seen s : seen) {
      if (s.batch().late()) {
        assertTrue(s.batch().events().size() <= maxPerBatch);
        lateGot.addAll(s.batch().events());
      }
    }
    assertEquals(late, lateGot);

    Path db = dir.resolve("events.db");
    assertEquals(onTime.size() + late.size(), count(db, "SELECT sum(n) FROM event_counts"));
    Map<Integer, Long> byType = new TreeMap<>();
    for (List<RawEvent> events : List.of(onTime, late)) {
      for (RawEvent e : events) {
        byType.merge(e.eventType().code(), 1L, Long::sum);
      }
    }
    long blocks = byType.values().stream().mapToLong(n -> (n + 32_767) / 32_768).sum();
    await("compaction").atMost(Duration.ofSeconds(60))
      .untilAsserted(() -> assertEquals(blocks, count(db, "SELECT count(*) FROM event_blocks"), "blocks, compacted"));
    assertTrue(count(db, "SELECT max(n) FROM event_blocks") <= 32_768);
    Set<RawEvent> stored = new HashSet<>(TestSupport.readEvents(db));
    assertEquals(onTime.size() + late.size(), stored.size());
    assertTrue(stored.containsAll(onTime) && stored.containsAll(late), "every event intact after compaction");
  }

  /**
   * The same window after a crash that lost its batches: the next start finds 130 000 committed events never
   * emitted, more than the batcher holds, and replays them from the database page by page, marked replayed,
   * exactly and in commit order.
   */
  @Test
  @Timeout(value = 180, timeUnit = TimeUnit.SECONDS)
  void aWindowLargerThanMemoryIsReplayedInPagesAfterACrash() throws Exception {
    int maxPerBatch = 10_000;
    start(dir, 30, maxPerBatch);
    Random rnd = new Random(20261128);
    List<RawEvent> sent = flood(rnd, uuid(rnd), 130_000);
    clock.set(T0 + 30_000 + GRACE_MS);
    awaitEmitted(sent.size());
    undeploy();
    Path db = dir.resolve("events.db");
    try (Connection c = TestSupport.open(db); Statement st = c.createStatement()) {
      assertEquals(13, st.executeUpdate("DELETE FROM batches"), "the window's batches, lost in the crash");
    }

    seen.clear();
    clock.set(T0 + 120_000);
    start(dir, 30, maxPerBatch);
    awaitEmitted(sent.size());
    List<RawEvent> got = new ArrayList<>();
    for (Seen s : seen) {
      EventBatch b = s.batch();
      assertTrue(b.replayed());
      assertEquals(13, b.parts());
      assertEquals(got.size() / maxPerBatch, b.part());
      got.addAll(b.events());
    }
    assertEquals(sent, got);
    await("the replayed batches recorded").atMost(Duration.ofSeconds(60))
      .until(() -> count(db, "SELECT count(*) FROM batches WHERE replayed = 1") == 13);
  }

  /** Sends {@code n} events into the first 30 s window in groups the receiver takes at once; waits for their commit. */
  private List<RawEvent> flood(Random rnd, String session, int n) {
    List<RawEvent> events = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      events.add(event(rnd, session, T0 + rnd.nextInt(30_000), i % 6));
    }
    for (int from = 0; from < n; from += 20_000) {
      deliver(events.subList(from, Math.min(n, from + 20_000)));
    }
    return events;
  }

  /** The parts of the window's on-time firing carry exactly {@code sent}, in the order they were committed. */
  private void assertOnTimeFiring(List<RawEvent> sent, int maxPerBatch) {
    List<EventBatch> parts = new ArrayList<>();
    for (Seen s : seen) {
      if (!s.batch().late()) {
        parts.add(s.batch());
      }
    }
    int expectedParts = (sent.size() + maxPerBatch - 1) / maxPerBatch;
    assertEquals(expectedParts, parts.size(), "parts of the on-time firing");
    assertEquals(expectedParts, parts.stream().map(EventBatch::windowId).distinct().count(), "one window id per part");
    parts.sort(Comparator.comparingInt(EventBatch::part));
    List<RawEvent> got = new ArrayList<>();
    for (EventBatch b : parts) {
      assertEquals(expectedParts, b.parts());
      assertFalse(b.replayed());
      assertTrue(b.events().size() <= maxPerBatch);
      got.addAll(b.events());
    }
    assertEquals(sent, got);
  }

  // ---------------------------------------------------------------- helpers

  private void start(Path d, int windowSeconds, int maxPerBatch) {
    module = TestSupport.deploy(vertx, clock, TestSupport.config(d,
      ConfigKeys.BATCH_WINDOW_SECONDS, windowSeconds,
      ConfigKeys.WINDOW_GRACE_MS, GRACE_MS,
      ConfigKeys.WRITE_FLUSH_INTERVAL_MS, FLUSH_MS,
      ConfigKeys.MAX_EVENTS_PER_BATCH, maxPerBatch,
      // Room to send a whole window ahead of the manual clock.
      ConfigKeys.MAX_CLOCK_SKEW_MS, 60_000));
  }

  private void undeploy() {
    vertx.undeploy(module.deploymentID()).await();
  }

  /** Sends fire-and-forget, the last one as a request, and waits until all of them are committed. */
  /**
   * Sends the events in groups the receiver's bound takes whole (about 2.5 MB of held events each), each group's
   * last one with {@code request}, and waits until every one is committed.
   */
  private void deliver(List<RawEvent> events) {
    long before = module.metrics().eventsPersisted();
    for (int from = 0; from < events.size(); from += DELIVERY_GROUP) {
      List<RawEvent> group = events.subList(from, Math.min(events.size(), from + DELIVERY_GROUP));
      for (int i = 0; i < group.size() - 1; i++) {
        vertx.eventBus().send(Addresses.RAW_EVENT, group.get(i));
      }
      JsonObject ack = vertx.eventBus().<JsonObject>request(Addresses.RAW_EVENT, group.get(group.size() - 1)).await()
        .body();
      assertEquals(true, ack.getBoolean("committed"));
    }
    await("the events committed").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
      .untilAsserted(() -> assertEquals(events.size(), module.metrics().eventsPersisted() - before, "committed"));
  }

  /** Events sent before waiting for a commit: well within the receiver's bound (ReceiverVerticle.MAX_PENDING_BYTES). */
  private static final int DELIVERY_GROUP = 10_000;

  /** Waits until the typed batches received so far carry {@code total} events. */
  private void awaitEmitted(long total) {
    await("batches carrying " + total + " events").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
      .untilAsserted(() -> assertTrue(emittedEvents() >= total, () -> "batches carry " + emittedEvents() + " events"));
    assertEquals(total, emittedEvents());
  }

  private long emittedEvents() {
    long n = 0;
    for (Seen s : seen) {
      n += s.batch().events().size();
    }
    return n;
  }

  /**
   * Groups batches by "session/start" and splits each window's batches, in arrival order, into firings,
   * checking on the way that a firing's parts are numbered 0..parts-1 with one parts count and one late flag.
   */
  private static Map<String, List<List<EventBatch>>> firings(List<Seen> all) {
    Map<String, List<EventBatch>> byWindow = new LinkedHashMap<>();
    for (Seen s : all) {
      byWindow.computeIfAbsent(s.batch().sessionId() + "/" + s.batch().windowStartMs(), k -> new ArrayList<>())
        .add(s.batch());
    }
    Map<String, List<List<EventBatch>>> out = new LinkedHashMap<>();
    byWindow.forEach((window, batches) -> {
      List<List<EventBatch>> firings = new ArrayList<>();
      int i = 0;
      while (i < batches.size()) {
        EventBatch head = batches.get(i);
        int parts = head.parts();
        assertTrue(parts >= 1, window + ": parts " + parts);
        List<EventBatch> firing = new ArrayList<>();
        for (int p = 0; p < parts; p++) {
          assertTrue(i + p < batches.size(), window + ": firing with " + parts + " parts is missing part " + p);
          EventBatch b = batches.get(i + p);
          assertEquals(p, b.part(), window + ": part numbering");
          assertEquals(parts, b.parts(), window + ": parts count within a firing");
          assertEquals(head.late(), b.late(), window + ": late flag within a firing");
          assertEquals(head.windowEndMs(), b.windowEndMs());
          firing.add(b);
        }
        firings.add(firing);
        i += parts;
      }
      out.put(window, firings);
    });
    return out;
  }

  /** Every row of {@code batches} is one of the emitted batches, as emitted, and every emitted batch has a row. */
  private static void assertBatchRows(Path db, Map<String, Seen> byWindowId) throws SQLException {
    int rows = 0;
    try (Connection c = TestSupport.open(db); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT window_id, session_id, window_start_ms, window_end_ms, part, event_count, "
           + "screenshot_count, late, replayed, emitted_at_ms FROM batches")) {
      while (rs.next()) {
        rows++;
        Seen s = byWindowId.get(rs.getString(1));
        assertNotNull(s, "row for a batch nobody received: " + rs.getString(1));
        EventBatch b = s.batch();
        String id = b.windowId();
        assertEquals(b.sessionId(), rs.getString(2), id);
        assertEquals(b.windowStartMs(), rs.getLong(3), id);
        assertEquals(b.windowEndMs(), rs.getLong(4), id);
        assertEquals(b.part(), rs.getInt(5), id);
        assertEquals(b.events().size(), rs.getInt(6), id);
        assertEquals(b.screenshotRefs().size(), rs.getInt(7), id);
        assertEquals(b.late() ? 1 : 0, rs.getInt(8), id);
        assertEquals(b.replayed() ? 1 : 0, rs.getInt(9), id);
        assertEquals(s.clockMs(), rs.getLong(10), id + ": emitted_at_ms is the module's clock");
      }
    }
    assertEquals(byWindowId.size(), rows);
  }

  private static Map<String, Long> groupSums(Path db, String sql) throws SQLException {
    Map<String, Long> out = new TreeMap<>();
    try (Connection c = TestSupport.open(db); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        out.put(rs.getString(1) + "/" + rs.getLong(2), rs.getLong(3));
      }
    }
    return out;
  }

  private static long count(Path db, String sql) {
    try {
      return TestSupport.scalar(db, sql);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Set<String> ids(List<RawEvent> events) {
    Set<String> out = new HashSet<>();
    for (RawEvent e : events) {
      out.add(e.id());
    }
    return out;
  }

  static String uuid(Random rnd) {
    return new UUID(rnd.nextLong(), rnd.nextLong()).toString();
  }

  /** A valid event of one of the seven kinds (a masked screenshot without image for the seventh). */
  static RawEvent event(Random rnd, String session, long ts, int kind) {
    EventData data = switch (Math.floorMod(kind, 7)) {
      case 0 -> new Keystroke(rnd.nextInt(256), new Keystroke.Modifiers(rnd.nextBoolean(), false, false, false),
        rnd.nextBoolean() ? null : (long) rnd.nextInt(1_000));
      case 1 -> new MouseMove(rnd.nextInt(1920), rnd.nextInt(1080), rnd.nextDouble() * 3_000);
      case 2 -> new MouseClick(rnd.nextInt(1920), rnd.nextInt(1080), MouseClick.Button.LEFT, MouseClick.ClickType.SINGLE);
      case 3 -> new WindowFocus("Editor", "code", 4242, (long) rnd.nextInt(60_000));
      case 4 -> new ProcessEvent(777, "cargo", ProcessEvent.Change.STARTED);
      case 5 -> new ResourceUsage(rnd.nextDouble() * 400, 2048, 1.5, 0.25);
      default -> new Screenshot(uuid(rnd), ImageFormat.PNG, null, "Bank", "browser",
        new Screenshot.Region(0, 0, 1920, 1080), true);
    };
    return new RawEvent(uuid(rnd), session, ts, data);
  }

  private static JsonObject raw(int n, String session, Object timestamp, String type, JsonObject data) {
    return new JsonObject().put("id", String.format("e0000000-0000-4000-8000-%012d", n)).put("session_id", session)
      .put("timestamp", timestamp).put("event_type", type).put("data", data);
  }

  private static long millis(Object timestamp) {
    return timestamp instanceof String s ? Instant.parse(s).toEpochMilli() : ((Number) timestamp).longValue();
  }

  /** yyyy-MM-dd'T'HH:mm:ss.SSS'Z', written out independently of the module's formatter. */
  private static String text(Instant t) {
    return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
      .withZone(java.time.ZoneOffset.UTC).format(t);
  }
}
