package dev.skellyjelly.storage;

import dev.skellyjelly.storage.TestSupport.ManualClock;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.Codecs;
import dev.skellyjelly.storage.codecs.EventBatch;
import dev.skellyjelly.storage.codecs.EventData;
import dev.skellyjelly.storage.codecs.ImageFormat;
import dev.skellyjelly.storage.codecs.Keystroke;
import dev.skellyjelly.storage.codecs.MouseMove;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.ResourceUsage;
import dev.skellyjelly.storage.codecs.Screenshot;
import dev.skellyjelly.storage.codecs.ScreenshotRef;
import dev.skellyjelly.storage.codecs.ScreenshotStorage;
import dev.skellyjelly.storage.codecs.TestPng;
import io.vertx.core.Vertx;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Start-up replay (CONTRACT §3, DESIGN "No event is lost"): a module restarted on the same database
 * re-emits, marked {@code replayed}, what was committed but never emitted, leaves alone what was, takes
 * back windows that are not yet due, and keeps numbering firings of windows emitted before the restart.
 * A crash is simulated by deleting the {@code batches} rows of what "was never emitted" after a graceful
 * stop; each run is a new {@link StorageModule} on the same {@link TempDir}.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class ReplayTest {

  private static final long T0 = Instant.parse("2026-11-26T10:00:00Z").toEpochMilli();
  private static final long W = 5_000;
  private static final long GRACE_MS = 200;
  private static final int MAX_PER_BATCH = 4;
  private static final String SESSION = "5b1d0c1e-0000-4000-8000-0000000000f1";
  /** Rows of this test's session, leaving out the tick markers'. */
  private static final String OWN = "session_id = '" + SESSION + "'";
  /** Window X = [T0, T0 + W), window Z = [T0 + W, T0 + 2W). */
  private static final long X = T0;
  private static final long Z = T0 + W;

  @TempDir
  Path dir;

  private Path db;
  private Vertx vertx;
  private final ManualClock clock = new ManualClock(T0);
  private StorageModule module;
  private final Random rnd = new Random(17);
  /** Typed batches of the current run in arrival order, with the clock when each arrived. */
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final TickMarker ticks = new TickMarker(clock);

  private record Seen(EventBatch batch, long clockMs) {
  }

  @BeforeEach
  void listen(Vertx vertx) {
    this.vertx = vertx;
    db = dir.resolve("events.db");
    Codecs.ensureRegistered(vertx);
    vertx.eventBus().<EventBatch>consumer(Addresses.EVENT_BATCH, m -> {
      if (!ticks.take(m.body())) {
        seen.add(new Seen(m.body(), clock.millis()));
      }
    }).completion().await();
  }

  // ---------------------------------------------------------------- (a) committed, never emitted

  @Test
  void windowsCommittedButNeverEmittedAreReplayedWithEveryCommittedEvent() throws Exception {
    start(T0 + 1_000);
    byte[] png = TestPng.png(2_500, 800, 600, "replay".getBytes(StandardCharsets.US_ASCII));
    RawEvent withImage = new RawEvent(uuid(), SESSION, X + 2_000, new Screenshot(uuid(), ImageFormat.PNG, png, "Editor",
      "code", new Screenshot.Region(0, 0, 800, 600), false));
    RawEvent masked = new RawEvent(uuid(), SESSION, X + 3_000, new Screenshot(uuid(), ImageFormat.PNG, null, "Bank",
      "browser", new Screenshot.Region(0, 0, 800, 600), true));
    List<RawEvent> xEvents = new ArrayList<>(events(X, 7));
    xEvents.add(3, withImage);
    xEvents.add(6, masked);
    List<RawEvent> zEvents = events(Z, 3);
    deliver(xEvents);
    deliver(zEvents);
    awaitHeld(12);
    clock.set(Z + W + GRACE_MS);
    awaitEmitted(12);
    // A straggler for Z: its late firing is the one "lost" in the crash, Z's first firing survives.
    RawEvent straggler = event(Z + 4_321, 1);
    deliver(List.of(straggler));
    awaitEmitted(13);
    stop();
    assertEquals(3 + 1, deleteBatches("window_start_ms = " + X + " OR late = 1"), "X's 3 parts and Z's late firing");
    Set<String> survivors = windowIds("1 = 1");
    assertEquals(1, survivors.size());

    seen.clear();
    start(T0 + 60_000);
    // X: 9 events in 3 parts; Z: all 4 committed events (a replay may repeat what was emitted) in 1 part.
    awaitEmitted(9 + 4);
    Map<Long, Set<String>> carried = new HashMap<>();
    for (Seen s : seen) {
      EventBatch b = s.batch();
      assertTrue(b.replayed(), "re-emitted after a restart");
      assertEquals(SESSION, b.sessionId());
      assertEquals(W, b.windowEndMs() - b.windowStartMs());
      assertTrue(b.events().size() <= MAX_PER_BATCH);
      assertFalse(survivors.contains(b.windowId()), "a replay must not reuse the id of a recorded batch");
      Set<String> shotsHere = new HashSet<>();
      for (RawEvent e : b.events()) {
        assertTrue(e.timestampMs() >= b.windowStartMs() && e.timestampMs() < b.windowEndMs());
        assertTrue(carried.computeIfAbsent(b.windowStartMs(), k -> new HashSet<>()).add(e.id()), "twice: " + e.id());
        if (e.data() instanceof Screenshot shot) {
          assertEquals(null, shot.image());
          shotsHere.add(shot.screenshotId());
        }
      }
      for (ScreenshotRef r : b.screenshotRefs()) {
        assertTrue(shotsHere.contains(r.screenshotId()), "ref in the same batch and part as its event");
        // The pixels went with the previous process: the ref says so.
        assertEquals(new ScreenshotRef(((Screenshot) withImage.data()).screenshotId(), X + 2_000, ImageFormat.PNG,
          png.length, 800, 600, ScreenshotStorage.DELETED), r);
      }
    }
    assertEquals(1, seen.stream().mapToInt(s -> s.batch().screenshotRefs().size()).sum(),
      "one ref: the masked capture without an image has none");
    assertEquals(committedIds(X), carried.get(X));
    assertEquals(ids(xEvents), carried.get(X));
    Set<String> allZ = ids(zEvents);
    allZ.add(straggler.id());
    assertEquals(committedIds(Z), carried.get(Z));
    assertEquals(allZ, carried.get(Z));
    assertParts(X, 3);
    assertParts(Z, 1);

    // Recorded as replayed, beside Z's surviving row.
    awaitCount("replayed batches recorded", "SELECT count(*) FROM batches", 1 + 4);
    assertEquals(4, count("SELECT count(*) FROM batches WHERE replayed = 1 AND emitted_at_ms = " + (T0 + 60_000)));
    assertEquals(9, count("SELECT sum(event_count) FROM batches WHERE replayed = 1 AND window_start_ms = " + X));
    assertEquals(4, count("SELECT sum(event_count) FROM batches WHERE replayed = 1 AND window_start_ms = " + Z));
    assertEquals(1, count("SELECT sum(screenshot_count) FROM batches WHERE replayed = 1"));
    assertEquals(survivors, windowIds("replayed = 0"));
    assertEquals(0, module.metrics().eventsBatched(), "replayed batches are not counted as batched events");

    // A later tick of the batcher: still nothing emitted twice.
    ticks.awaitTick(vertx);
    assertEquals(13, emittedEvents(), "nothing emitted twice");
  }

  // ---------------------------------------------------------------- (b) fully emitted

  @Test
  void windowsAlreadyFullyEmittedAreNotReplayed() throws Exception {
    start(T0 + 1_000);
    deliver(events(X, 5));
    deliver(events(Z, 3));
    awaitHeld(8);
    clock.set(X + W + GRACE_MS);
    awaitEmitted(5);
    deliver(List.of(event(X + 10, 0)));
    awaitEmitted(6);
    // Z is not due yet: the graceful stop emits it.
    stop();
    assertEquals(9, emittedEvents());
    List<String> before = batchRows();
    assertEquals(2 + 1 + 1, before.size(), "X's first firing in 2 parts, its late firing, Z at the stop");

    seen.clear();
    start(T0 + 60_000);
    ticks.awaitTick(vertx);
    assertEquals(List.of(), seen, "nothing to replay");
    assertEquals(ticks.sent(), module.metrics().batchesEmitted(), "no batch but the marker's");
    // The marker's record is committed after any record a replay would have written.
    awaitCount("the marker's batch recorded", "SELECT count(*) FROM batches WHERE session_id = '" + TickMarker.SESSION
      + "'", ticks.sent());
    assertEquals(before, batchRows());
  }

  // ---------------------------------------------------------------- (c) not yet due at restart

  @Test
  void windowNotYetDueAtRestartIsEmittedNormallyWhenItCloses() throws Exception {
    start(T0 + 1_000);
    List<RawEvent> before = events(X, 6);
    deliver(before);
    stop();
    assertEquals(2, deleteBatches("1 = 1"), "X was emitted at the stop; pretend it never was");

    seen.clear();
    start(T0 + 2_000);
    ticks.awaitTick(vertx);
    assertEquals(List.of(), seen, "X is not due yet");
    RawEvent after = event(X + 4_999, 2);
    deliver(List.of(after));
    awaitHeld(7);
    clock.set(X + W + GRACE_MS - 1);
    ticks.awaitTick(vertx);
    assertEquals(List.of(), seen, "not before end + grace");
    clock.set(X + W + GRACE_MS);
    awaitEmitted(7);
    Set<String> expected = ids(before);
    expected.add(after.id());
    Set<String> got = new HashSet<>();
    for (Seen s : seen) {
      EventBatch b = s.batch();
      assertFalse(b.replayed(), "a window that closes in this run is emitted normally");
      assertFalse(b.late());
      assertEquals(X, b.windowStartMs());
      assertEquals(X + W, b.windowEndMs());
      for (RawEvent e : b.events()) {
        assertTrue(got.add(e.id()), "twice: " + e.id());
      }
    }
    assertEquals(expected, got);
    assertEquals(committedIds(X), got);
    assertParts(X, 2);
    awaitCount("the batches recorded", "SELECT count(*) FROM batches WHERE " + OWN, 2);
    assertEquals(7, count("SELECT sum(event_count) FROM batches WHERE replayed = 0 AND late = 0 AND emitted_at_ms = "
      + (X + W + GRACE_MS)));
    assertEquals(7 + ticks.sent(), module.metrics().eventsBatched(), "the window's events and the markers");
  }

  // ---------------------------------------------------------------- (d) late after the restart

  @Test
  void lateEventForAWindowEmittedBeforeTheRestartGoesOutInANewFiring() throws Exception {
    start(T0 + 1_000);
    List<RawEvent> xEvents = events(X, 3);
    List<RawEvent> zEvents = events(Z, 2);
    deliver(xEvents);
    deliver(zEvents);
    awaitHeld(5);
    clock.set(X + W + GRACE_MS);
    awaitEmitted(3);
    // Z is emitted early, by the graceful stop.
    stop();
    assertEquals(5, emittedEvents());
    List<String> rowsBefore = batchRows();
    Set<String> idsBefore = windowIds("1 = 1");
    assertEquals(2, idsBefore.size());

    seen.clear();
    // X is long closed; Z is not due yet but was already emitted.
    start(Z + 1_000);
    ticks.awaitTick(vertx);
    assertEquals(List.of(), seen, "nothing to replay");
    RawEvent lateX = event(X + 1_234, 0);
    RawEvent lateZ = event(Z + 4_000, 1);
    deliver(List.of(lateX, lateZ));
    awaitEmitted(2);
    Map<Long, EventBatch> byWindow = new HashMap<>();
    for (Seen s : seen) {
      byWindow.put(s.batch().windowStartMs(), s.batch());
    }
    assertEquals(Set.of(X, Z), byWindow.keySet());
    for (EventBatch b : byWindow.values()) {
      assertTrue(b.late(), "a later firing of a window emitted before the restart");
      assertFalse(b.replayed());
      assertEquals(b.windowStartMs() + W, b.windowEndMs());
      assertFalse(idsBefore.contains(b.windowId()), "a new window_id for a new firing");
    }
    assertEquals(List.of(lateX.id()), byWindow.get(X).events().stream().map(RawEvent::id).toList());
    assertEquals(List.of(lateZ.id()), byWindow.get(Z).events().stream().map(RawEvent::id).toList());

    awaitCount("the late firings recorded", "SELECT count(*) FROM batches WHERE " + OWN, 4);
    List<String> rowsAfter = batchRows();
    assertTrue(rowsAfter.containsAll(rowsBefore), "the first firings' rows are untouched");
    assertEquals(2, count("SELECT count(*) FROM batches WHERE late = 1 AND replayed = 0 AND emitted_at_ms = "
      + (Z + 1_000)));
    assertEquals(4, count("SELECT sum(event_count) FROM batches WHERE window_start_ms = " + X));
    assertEquals(3, count("SELECT sum(event_count) FROM batches WHERE window_start_ms = " + Z));
    assertEquals(4, count("SELECT sum(n) FROM event_counts WHERE window_start_ms = " + X));
    assertEquals(3, count("SELECT sum(n) FROM event_counts WHERE window_start_ms = " + Z));

    // Z's own close passes without another firing: all of its events are out.
    clock.set(Z + W + GRACE_MS);
    ticks.awaitTick(vertx);
    assertEquals(2, seen.size());
  }

  // ---------------------------------------------------------------- (c) with an earlier firing

  /**
   * A window emitted early by a graceful stop, then restarted before it is due: a straggler's late firing
   * is lost in a crash. The next start finds the window not yet due with unemitted events; whatever it
   * emits may repeat the first firing's events only in a {@code replayed} batch.
   */
  @Test
  void windowNotYetDueButPartlyEmittedIsNotEmittedAgainAsNew() throws Exception {
    start(T0 + 1_000);
    List<RawEvent> first = events(X, 3);
    deliver(first);
    stop();
    List<EventBatch> nonReplayed = new ArrayList<>();
    seen.forEach(s -> nonReplayed.add(s.batch()));
    assertEquals(3, emittedEvents(), "X emitted at the stop");

    seen.clear();
    start(T0 + 2_000);
    RawEvent straggler = event(X + 4_000, 1);
    deliver(List.of(straggler));
    awaitEmitted(1);
    assertTrue(seen.get(0).batch().late());
    awaitCount("the late firing recorded", "SELECT count(*) FROM batches WHERE late = 1", 1);
    stop();
    assertEquals(1, deleteBatches("late = 1"), "the late firing was lost in a crash");

    seen.clear();
    start(T0 + 3_000);
    clock.set(X + W + GRACE_MS);
    await("a batch after the restart").atMost(Duration.ofSeconds(30)).until(() -> emittedEvents() >= 1);
    // Every batch of this run up to a tick at the new clock has arrived.
    ticks.awaitTick(vertx);
    Set<String> inRun3 = new HashSet<>();
    for (Seen s : seen) {
      EventBatch b = s.batch();
      for (RawEvent e : b.events()) {
        inRun3.add(e.id());
      }
      if (!b.replayed()) {
        nonReplayed.add(b);
      }
    }
    assertTrue(inRun3.contains(straggler.id()), "the straggler goes out after the restart");
    Map<String, Integer> times = new HashMap<>();
    for (EventBatch b : nonReplayed) {
      for (RawEvent e : b.events()) {
        times.merge(e.id(), 1, Integer::sum);
      }
    }
    for (RawEvent e : first) {
      assertEquals(1, times.get(e.id()), "event of the first firing in " + times.get(e.id()) + " non-replayed batches");
    }
  }

  // ---------------------------------------------------------------- helpers

  private void start(long clockMs) {
    clock.set(clockMs);
    module = TestSupport.deploy(vertx, clock, TestSupport.config(dir,
      ConfigKeys.BATCH_WINDOW_SECONDS, (int) (W / 1_000),
      ConfigKeys.WINDOW_GRACE_MS, GRACE_MS,
      ConfigKeys.WRITE_FLUSH_INTERVAL_MS, 50,
      ConfigKeys.MAX_EVENTS_PER_BATCH, MAX_PER_BATCH,
      ConfigKeys.MAX_CLOCK_SKEW_MS, 60_000));
  }

  /** A graceful stop: open windows emitted, their rows committed, before this returns. */
  private void stop() {
    vertx.undeploy(module.deploymentID()).await();
  }

  private void deliver(List<RawEvent> events) {
    long before = module.metrics().eventsPersisted();
    for (int i = 0; i < events.size() - 1; i++) {
      vertx.eventBus().send(Addresses.RAW_EVENT, events.get(i));
    }
    JsonObject ack = vertx.eventBus().<JsonObject>request(Addresses.RAW_EVENT, events.get(events.size() - 1)).await().body();
    assertEquals(true, ack.getBoolean("committed"));
    await("the events committed").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5)).untilAsserted(() ->
      assertEquals(events.size(), module.metrics().eventsPersisted() - before, "events committed"));
  }

  /** Waits until the batcher holds {@code n} events (it hears of commits on its own thread). */
  private void awaitHeld(long n) {
    await("the batcher holding " + n + " events").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5))
      .untilAsserted(() -> assertEquals(n, module.metrics().queueDepth("batcher").get(), "events the batcher holds"));
  }

  private void awaitEmitted(long total) {
    await("batches carrying " + total + " events").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5))
      .untilAsserted(() -> assertTrue(emittedEvents() >= total, () -> "batches carry " + emittedEvents() + " events"));
    assertEquals(total, emittedEvents());
  }

  private long emittedEvents() {
    return seen.stream().mapToLong(s -> s.batch().events().size()).sum();
  }

  private void awaitCount(String what, String sql, long expected) {
    await(what).atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertEquals(expected, count(sql), sql));
  }

  /** The window's batches of this run form one firing in {@code parts} parts numbered 0..parts-1. */
  private void assertParts(long windowStart, int parts) {
    List<EventBatch> mine = seen.stream().map(Seen::batch).filter(b -> b.windowStartMs() == windowStart).toList();
    assertEquals(parts, mine.size());
    for (int p = 0; p < parts; p++) {
      assertEquals(p, mine.get(p).part());
      assertEquals(parts, mine.get(p).parts());
    }
  }

  private Set<String> committedIds(long windowStart) throws SQLException {
    Set<String> out = new HashSet<>();
    for (RawEvent e : TestSupport.readEvents(db)) {
      if (e.sessionId().equals(SESSION) && e.timestampMs() >= windowStart && e.timestampMs() < windowStart + W) {
        out.add(e.id());
      }
    }
    return out;
  }

  private int deleteBatches(String where) throws SQLException {
    try (Connection c = TestSupport.open(db); Statement st = c.createStatement()) {
      return st.executeUpdate("DELETE FROM batches WHERE " + where);
    }
  }

  private Set<String> windowIds(String where) throws SQLException {
    Set<String> out = new HashSet<>();
    try (Connection c = TestSupport.open(db); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT window_id FROM batches WHERE " + where)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  /** Every row of {@code batches} of this session, every contract column, as text, in a stable order. */
  private List<String> batchRows() throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = TestSupport.open(db); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT window_id, session_id, window_start_ms, window_end_ms, part, event_count, "
           + "screenshot_count, late, replayed, emitted_at_ms FROM batches WHERE " + OWN + " ORDER BY window_id")) {
      while (rs.next()) {
        StringBuilder row = new StringBuilder();
        for (int i = 1; i <= 10; i++) {
          row.append(rs.getString(i)).append('|');
        }
        out.add(row.toString());
      }
    }
    return out;
  }

  private long count(String sql) {
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

  private String uuid() {
    return new UUID(rnd.nextLong(), rnd.nextLong()).toString();
  }

  /** {@code n} events of the session spread over the window starting at {@code windowStart}. */
  private List<RawEvent> events(long windowStart, int n) {
    List<RawEvent> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(event(windowStart + (i * 997L) % W, i));
    }
    return out;
  }

  private RawEvent event(long ts, int kind) {
    EventData data = switch (kind % 3) {
      case 0 -> new Keystroke(65 + kind, new Keystroke.Modifiers(false, false, false, false), null);
      case 1 -> new MouseMove(kind, 2 * kind, 10.5);
      default -> new ResourceUsage(12.5, 1024, 0.5, 0.25);
    };
    return new RawEvent(uuid(), SESSION, ts, data);
  }
}
