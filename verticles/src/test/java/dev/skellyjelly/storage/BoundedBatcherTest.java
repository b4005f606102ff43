package dev.skellyjelly.storage;

import dev.skellyjelly.storage.TestSupport.ManualClock;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.Codecs;
import dev.skellyjelly.storage.codecs.EventBatch;
import dev.skellyjelly.storage.codecs.MouseMove;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Uuids;
import dev.skellyjelly.storage.impl.InternalAddresses;
import dev.skellyjelly.storage.impl.Messages;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A buggy producer that gives every event a fresh session id (the issue "Nothing from outside takes the module
 * down"): the batcher records at most 20 000 windows and 50 000 held events (12 MiB of them), whatever the
 * number of sessions; the windows it keeps no record of are read from the database when their start closes.
 * Every event still goes out in exactly one batch, on time or late, with distinct window ids.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class BoundedBatcherTest {

  private static final long T0 = Instant.parse("2026-11-26T10:00:00Z").toEpochMilli();
  private static final long WINDOW_MS = 5_000;
  private static final long GRACE_MS = 200;
  /** WindowTable.MAX_WINDOWS, MAX_HELD and MAX_HELD_BYTES, and what a recorded window costs (HeldCost.WINDOW). */
  private static final long MAX_WINDOWS = 20_000;
  private static final long MAX_HELD = 50_000;
  private static final long MAX_BYTES = 12L * (1 << 20) + MAX_WINDOWS * 400;

  @TempDir
  Path dir;

  private Vertx vertx;
  private final ManualClock clock = new ManualClock(T0);
  private final TickMarker ticks = new TickMarker(clock);
  private StorageModule module;
  /** Every event id batched, with how many times, and every window id seen. */
  private final Map<String, Integer> batched = new ConcurrentHashMap<>();
  private final Set<String> windowIds = ConcurrentHashMap.newKeySet();
  private final AtomicLong duplicateWindowIds = new AtomicLong();
  private final AtomicLong lateEvents = new AtomicLong();
  private final AtomicLong maxHeld = new AtomicLong();
  private final AtomicLong maxBytes = new AtomicLong();
  private final AtomicLong maxOpen = new AtomicLong();

  @BeforeEach
  void listen(Vertx vertx) {
    this.vertx = vertx;
    Codecs.ensureRegistered(vertx);
    vertx.eventBus().<EventBatch>consumer(Addresses.EVENT_BATCH, m -> {
      EventBatch b = m.body();
      if (ticks.take(b)) {
        return;
      }
      if (!windowIds.add(b.windowId())) {
        duplicateWindowIds.incrementAndGet();
      }
      for (RawEvent e : b.events()) {
        batched.merge(e.id(), 1, Integer::sum);
      }
      if (b.late()) {
        lateEvents.addAndGet(b.events().size());
      }
    }).completion().await();
    module = TestSupport.deploy(vertx, clock, TestSupport.config(dir,
      ConfigKeys.BATCH_WINDOW_SECONDS, (int) (WINDOW_MS / 1000),
      ConfigKeys.WINDOW_GRACE_MS, GRACE_MS,
      ConfigKeys.WRITE_FLUSH_INTERVAL_MS, 50,
      ConfigKeys.MAX_EVENTS_PER_BATCH, 1_000,
      ConfigKeys.MAX_CLOCK_SKEW_MS, 60_000));
  }

  @Test
  void aFloodOfFreshSessionsCostsBoundedMemoryAndEveryEventIsBatchedOnce() throws Exception {
    List<RawEvent> sent = new ArrayList<>();
    // 30 000 sessions with one event each in the first window, and one session with 70 000: more windows and
    // more held events than the batcher records.
    List<String> sessions = new ArrayList<>();
    for (int i = 0; i < 30_000; i++) {
      sessions.add(Uuids.random());
    }
    List<RawEvent> first = new ArrayList<>();
    for (String s : sessions) {
      first.add(event(s, T0 + 100));
    }
    String big = Uuids.random();
    for (int i = 0; i < 70_000; i++) {
      first.add(event(big, T0 + i % 4_000));
    }
    deliver(first);
    sent.addAll(first);
    assertTrue(maxOpen.get() <= MAX_WINDOWS, "windows recorded: " + maxOpen.get());

    // The window closes: thousands of windows go out, most of them swept from the database.
    clock.set(T0 + WINDOW_MS + GRACE_MS);
    awaitBatched(sent);
    assertTrue(module.metrics().windowsSwept() >= 10_000, "swept: " + module.metrics().windowsSwept());
    assertEquals(0, lateEvents.get());

    // Late events for every session of the closed window: recorded ones and not, in late firings.
    List<RawEvent> late = new ArrayList<>();
    for (String s : sessions) {
      late.add(event(s, T0 + 200));
    }
    deliver(late);
    sent.addAll(late);
    ticks.awaitTick(vertx);
    awaitBatched(sent);
    assertEquals(late.size(), lateEvents.get());

    assertEquals(0, duplicateWindowIds.get(), "a window id used twice");
    assertTrue(maxHeld.get() <= MAX_HELD, "held events: " + maxHeld.get());
    assertTrue(maxBytes.get() <= MAX_BYTES, "held bytes: " + maxBytes.get());
    assertTrue(maxOpen.get() <= MAX_WINDOWS, "windows recorded: " + maxOpen.get());
    Path db = dir.resolve("events.db");
    await("the batch records committed").atMost(Duration.ofSeconds(60)).until(() ->
      TestSupport.scalar(db, "SELECT coalesce(sum(event_count), 0) FROM batches WHERE session_id <> '"
        + TickMarker.SESSION + "'") == sent.size());
    assertEquals(sent.size() + 0L, TestSupport.scalar(db, "SELECT sum(n) FROM event_counts WHERE session_id <> '"
      + TickMarker.SESSION + "'"));
  }

  @Test
  void lateEventsCommittedBeforeTheTickThatSweepsTheirStartGoOutOnce() throws Exception {
    // 25 000 sessions: more windows than the batcher records, so the start is swept from the database.
    List<RawEvent> sent = new ArrayList<>();
    for (int i = 0; i < 25_000; i++) {
      sent.add(event(Uuids.random(), T0 + 100));
    }
    deliver(sent);
    // A deletion under way keeps the batcher from closing windows: the window's end passes, and events of new
    // sessions for it are committed late, before the tick that sweeps the start.
    hold();
    clock.set(T0 + WINDOW_MS + GRACE_MS);
    List<RawEvent> late = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      late.add(event(Uuids.random(), T0 + 300));
    }
    commit(late);
    sent.addAll(late);
    // Answered once the batcher has heard of every commit before it; then both holds end.
    hold();
    release();
    release();
    awaitBatched(sent);
    vertx.undeploy(module.deploymentID()).await();

    Path db = dir.resolve("events.db");
    assertEquals(sent.size() + 0L, TestSupport.scalar(db, "SELECT sum(event_count) FROM batches WHERE session_id <> '"
      + TickMarker.SESSION + "'"), "events in batch records, once each");
    assertEquals(0, TestSupport.scalar(db, "SELECT count(*) FROM (SELECT session_id, window_start_ms FROM batches "
      + "GROUP BY 1, 2 HAVING count(*) > 1)"), "a window emitted twice");
    assertEquals(0, duplicateWindowIds.get(), "a window id used twice");
  }

  private void hold() {
    vertx.eventBus().request(InternalAddresses.DELETION_HOLD, "hold").await();
  }

  private void release() {
    vertx.eventBus().request(InternalAddresses.DELETION_RELEASE, new Messages.DeletionRelease(List.of())).await();
  }

  private static RawEvent event(String session, long ts) {
    return new RawEvent(Uuids.random(), session, ts, new MouseMove(1, 2, 1.5));
  }

  /** Sends in groups the receiver takes at once, sampling the batcher's gauges, and waits for the commits. */
  private void deliver(List<RawEvent> events) {
    commit(events);
    // The batcher has heard of the last commit once a tick marker sent after it has gone out.
    ticks.awaitTick(vertx);
    sample();
  }

  private void commit(List<RawEvent> events) {
    for (int from = 0; from < events.size(); from += 20_000) {
      TestSupport.commit(vertx, module, events.subList(from, Math.min(events.size(), from + 20_000)), this::sample);
    }
  }

  private void sample() {
    maxHeld.accumulateAndGet(module.metrics().batcherHeldEvents().get(), Math::max);
    maxBytes.accumulateAndGet(module.metrics().batcherHeldBytes().get(), Math::max);
    maxOpen.accumulateAndGet(module.metrics().windowsOpen().get(), Math::max);
  }

  /** Waits until every event sent is batched, then checks each was batched exactly once. */
  private void awaitBatched(List<RawEvent> sent) {
    await("every event batched").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20))
      .until(() -> {
        sample();
        return batched.size() >= new HashSet<>(idsOf(sent)).size();
      });
    Map<String, Integer> wrong = new HashMap<>();
    for (String id : idsOf(sent)) {
      Integer n = batched.get(id);
      if (n == null || n != 1) {
        wrong.put(id, n);
      }
    }
    assertTrue(wrong.isEmpty(), wrong.size() + " events not batched exactly once, e.g. " + wrong.entrySet().stream()
      .limit(3).toList());
    assertEquals(sent.size(), batched.size());
    assertFalse(batched.values().stream().anyMatch(n -> n != 1));
  }

  private static List<String> idsOf(List<RawEvent> events) {
    List<String> ids = new ArrayList<>(events.size());
    for (RawEvent e : events) {
      ids.add(e.id());
    }
    return ids;
  }
}
