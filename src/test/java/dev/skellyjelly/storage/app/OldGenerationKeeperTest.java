package dev.skellyjelly.storage.app;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When the keeper asks for a full collection, from what young collections promoted and the room they left. */
class OldGenerationKeeperTest {

  private static final long MB = 1 << 20;

  @Test
  void collectsWhenTheRoomLeftIsUnderThreeOfTheLargestRecentPromotions() {
    OldGenerationKeeper.Policy policy = new OldGenerationKeeper.Policy();
    policy.afterFull(8 * MB);
    assertEquals(0, policy.afterYoung(400_000, 6 * MB), "room for fifteen more");
    assertEquals(0, policy.afterYoung(300_000, 1_300_000), "1.3 MB left, three of the largest need 1.2 MB");
    assertEquals(1_200_000, policy.afterYoung(300_000, 1_100_000), "1.1 MB left: collect, making 1.2 MB of room");
  }

  @Test
  void onlyTheLastEightPromotionsCount() {
    OldGenerationKeeper.Policy policy = new OldGenerationKeeper.Policy();
    policy.afterFull(64 * MB);
    policy.afterYoung(2 * MB, 40 * MB);
    for (int i = 0; i < 7; i++) {
      assertEquals(6 * MB, policy.afterYoung(100_000, 5 * MB), "the 2 MB promotion is still among the last eight");
    }
    assertEquals(0, policy.afterYoung(100_000, 5 * MB), "now it is not: 300 KB of room is kept");
    assertEquals(300_000, policy.afterYoung(100_000, 299_999));
  }

  @Test
  void neverKeepsMoreThanHalfTheRoomTheLastFullCollectionLeft() {
    OldGenerationKeeper.Policy policy = new OldGenerationKeeper.Policy();
    policy.afterFull(2 * MB);
    // Three of 1 MB would be 3 MB, more than a full collection makes: a collection after every young one.
    assertEquals(0, policy.afterYoung(MB, 1_100_000), "more than half of the 2 MB left");
    assertEquals(MB, policy.afterYoung(MB, MB - 1), "under half of it");
    policy.afterFull(6 * MB);
    assertEquals(3 * MB, policy.afterYoung(MB, 3 * MB - 1), "three promotions, now that there is room for them");
  }

  @Test
  void listensOnlyUnderTheSerialCollector() {
    boolean serial = ManagementFactory.getMemoryPoolMXBeans().stream().map(MemoryPoolMXBean::getName)
      .anyMatch(OldGenerationRoom.SERIAL_OLD::equals);
    Vertx vertx = Vertx.vertx();
    try (OldGenerationKeeper keeper = OldGenerationKeeper.start(vertx)) {
      assertEquals(serial, keeper.active());
    } finally {
      vertx.close().await();
    }
  }

  @Test
  void theCollectionWaitsForAMillisecondInWhichTheEventLoopsUsedNoCpu() {
    AtomicLong clock = new AtomicLong();
    // The loops' CPU time after each step: busy for three steps, then idle.
    long[] cpu = {0, 400_000, 1_300_000, 2_000_000, 2_000_000, 2_500_000};
    AtomicInteger step = new AtomicInteger();
    OldGenerationKeeper.Quiet quiet = new OldGenerationKeeper.Quiet(() -> cpu[step.get()], clock::get, () -> {
      step.incrementAndGet();
      clock.addAndGet(OldGenerationKeeper.Quiet.STEP_NANOS);
    });
    assertTrue(quiet.await());
    assertEquals(4, step.get(), "quiet at the fourth step, the first whose millisecond used no CPU");
  }

  @Test
  void anEventLoopBusyWithoutAPauseIsWaitedForAQuarterOfASecondAtMost() {
    AtomicLong clock = new AtomicLong();
    AtomicLong cpu = new AtomicLong();
    AtomicInteger steps = new AtomicInteger();
    OldGenerationKeeper.Quiet quiet = new OldGenerationKeeper.Quiet(cpu::get, clock::get, () -> {
      steps.incrementAndGet();
      cpu.addAndGet(900_000);
      clock.addAndGet(OldGenerationKeeper.Quiet.STEP_NANOS);
    });
    assertFalse(quiet.await());
    assertEquals(OldGenerationKeeper.Quiet.MAX_WAIT_NANOS / OldGenerationKeeper.Quiet.STEP_NANOS, steps.get());
  }
}
