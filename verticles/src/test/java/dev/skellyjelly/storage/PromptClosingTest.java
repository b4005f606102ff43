package dev.skellyjelly.storage;

import dev.skellyjelly.storage.TestSupport.ManualClock;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.Codecs;
import dev.skellyjelly.storage.codecs.EventBatch;
import dev.skellyjelly.storage.codecs.MouseMove;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Uuids;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A producer faster than the batcher's tick (1 s here): each 30 000-event window closes as the first events
 * committed after its close reach the batcher, so the batcher holds one window's events at a time, not the
 * 50 000 of its bound (past which a window lets go of its events and is read back from the database when it fires).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PromptClosingTest {

  private static final long T0 = Instant.parse("2026-11-26T10:00:00Z").toEpochMilli();
  private static final long WINDOW_MS = 5_000;
  /** The tick is half the grace, at most a second: 1 s here. */
  private static final long GRACE_MS = 2_000;
  private static final int PER_WINDOW = 30_000;
  private static final int GROUP = 10_000;
  private static final int WINDOWS = 4;
  private static final String SESSION = "5b1d0c1e-0000-4000-8000-00000000c105";

  @TempDir
  Path dir;

  @Test
  void aFastProducersWindowsCloseAsItsNextEventsAreCommitted(Vertx vertx) {
    ManualClock clock = new ManualClock(T0);
    TickMarker ticks = new TickMarker(clock);
    Map<String, Integer> batched = new ConcurrentHashMap<>();
    Map<Long, Integer> batchesByWindow = new ConcurrentHashMap<>();
    AtomicLong late = new AtomicLong();
    Codecs.ensureRegistered(vertx);
    vertx.eventBus().<EventBatch>consumer(Addresses.EVENT_BATCH, m -> {
      EventBatch b = m.body();
      if (ticks.take(b)) {
        return;
      }
      batchesByWindow.merge(b.windowStartMs(), 1, Integer::sum);
      if (b.late()) {
        late.incrementAndGet();
      }
      for (RawEvent e : b.events()) {
        batched.merge(e.id(), 1, Integer::sum);
      }
    }).completion().await();
    StorageModule module = TestSupport.deploy(vertx, clock, TestSupport.config(dir,
      ConfigKeys.BATCH_WINDOW_SECONDS, (int) (WINDOW_MS / 1000),
      ConfigKeys.WINDOW_GRACE_MS, GRACE_MS,
      ConfigKeys.WRITE_FLUSH_INTERVAL_MS, 50,
      ConfigKeys.MAX_EVENTS_PER_BATCH, PER_WINDOW,
      ConfigKeys.MAX_CLOCK_SKEW_MS, 60_000));
    AtomicLong maxHeld = new AtomicLong();

    for (int w = 0; w < WINDOWS; w++) {
      long start = T0 + w * WINDOW_MS;
      for (int g = 0; g < PER_WINDOW / GROUP; g++) {
        List<RawEvent> group = new ArrayList<>(GROUP);
        for (int i = 0; i < GROUP; i++) {
          group.add(new RawEvent(Uuids.random(), SESSION, start + (g * GROUP + i) / 10, new MouseMove(i, g, 1.5)));
        }
        TestSupport.commit(vertx, module, group,
          () -> maxHeld.accumulateAndGet(module.metrics().batcherHeldEvents().get(), Math::max));
      }
      // The writer counts events persisted before the batcher hears of them: the clock moves once the batcher holds
      // the whole window (and nothing of the one before), so that none of it can arrive after its close.
      await("the batcher holds the window").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(2))
        .until(() -> module.metrics().batcherHeldEvents().get() == PER_WINDOW);
      // The window's close passes; the next window's first events close it.
      clock.set(start + WINDOW_MS + GRACE_MS);
    }
    ticks.awaitTick(vertx);
    await("every event batched").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
      .until(() -> batched.size() == WINDOWS * PER_WINDOW);

    assertTrue(maxHeld.get() <= PER_WINDOW, "events held at once, at most one window's: " + maxHeld.get());
    assertEquals(WINDOWS, batchesByWindow.size(), "a batch per window: " + batchesByWindow);
    assertTrue(batchesByWindow.values().stream().allMatch(n -> n == 1), "each window in one batch: " + batchesByWindow);
    assertEquals(0, late.get(), "no late firing");
    assertTrue(batched.values().stream().allMatch(n -> n == 1), "every event batched once");
  }
}
