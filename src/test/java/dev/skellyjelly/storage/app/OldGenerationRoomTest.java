package dev.skellyjelly.storage.app;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Room for a screenshot made by a full collection only when the old generation lacks it. */
class OldGenerationRoomTest {

  @Test
  void collectsOnlyWhenTheOldGenerationHasLessRoomThanAsked() {
    AtomicLong room = new AtomicLong(3_000_000);
    AtomicInteger collections = new AtomicInteger();
    AtomicLong left = new AtomicLong();
    OldGenerationRoom old = new OldGenerationRoom(room::get, bytes -> {
      collections.incrementAndGet();
      left.set(bytes);
      room.set(9_000_000);
    });
    assertFalse(old.make(3_000_000), "room enough");
    assertEquals(0, collections.get());
    assertTrue(old.make(OldGenerationRoom.forFrame(2_400_000)));
    assertEquals(1, collections.get());
    assertEquals(4_200_000, left.get(), "the collection is asked to leave the frame's room");
    assertFalse(old.make(OldGenerationRoom.forFrame(2_400_000)), "the collection made the room");
    assertEquals(1, collections.get());
  }

  @Test
  void theFreeRatioAskedForLeavesTheRoomBesideWhatTheLastCollectionKept() {
    // 10 MB kept, 4.2 MB wanted: 30 % free of 14.2 MB.
    assertEquals(30, OldGenerationRoom.minFreeFor(4_200_000, 10_000_000));
    for (long kept : new long[] {5_000_000, 10_000_000, 40_000_000}) {
      for (long bytes : new long[] {1_000_000, 4_200_000, 19_000_000}) {
        int percent = OldGenerationRoom.minFreeFor(bytes, kept);
        // The collector keeps `percent` of the old generation free: kept / (1 - percent / 100) in all.
        double free = kept / (1 - percent / 100.0) - kept;
        assertTrue(free >= bytes, percent + " % of what keeps " + kept + " leaves " + free + ", not " + bytes);
        double oneLess = kept / (1 - (percent - 1) / 100.0) - kept;
        assertTrue(oneLess < bytes, "the least ratio that leaves it: " + percent);
      }
    }
    assertEquals(OldGenerationRoom.minFreeFor(2_000_000, OldGenerationRoom.KEPT_AT_LEAST),
      OldGenerationRoom.minFreeFor(2_000_000, 0), "before any full collection, a few megabytes are taken as kept");
  }

  @Test
  void aFramesNeedIsItsBytesAndItsDecodedImage() {
    // 4 MB of base64 text decodes to 3 MB.
    assertEquals(7_000_000, OldGenerationRoom.forFrame(4_000_000));
  }

  @Test
  void underAnotherCollectorNothingIsCollected() {
    boolean serial = ManagementFactory.getMemoryPoolMXBeans().stream().map(MemoryPoolMXBean::getName)
      .anyMatch(OldGenerationRoom.SERIAL_OLD::equals);
    boolean collected = OldGenerationRoom.ofThisJvm().make(Long.MAX_VALUE);
    assertEquals(serial, collected, "collects for any shortfall under the serial collector, never under another");
  }
}
