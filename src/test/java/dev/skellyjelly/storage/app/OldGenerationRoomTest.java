package dev.skellyjelly.storage.app;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Room in the old generation made by a full collection only when it lacks it: for the keeper as the resting ratios
 * size it, for a screenshot's frame leaving the frame's room, kept from the keeper while the frame uses it.
 */
class OldGenerationRoomTest {

  @Test
  void theKeeperCollectsOnlyWhenTheOldGenerationHasLessRoomThanAsked() {
    AtomicLong room = new AtomicLong(3_000_000);
    List<Long> collections = new ArrayList<>();
    OldGenerationRoom old = new OldGenerationRoom(room::get, bytes -> {
      collections.add(bytes);
      room.set(9_000_000);
    }, System::nanoTime);
    assertFalse(old.make(3_000_000), "room enough");
    assertEquals(List.of(), collections);
    assertTrue(old.make(4_000_000));
    assertEquals(List.of(0L), collections, "a collection as the resting ratios size the old generation");
    assertFalse(old.make(4_000_000), "the collection made the room");
    assertEquals(1, collections.size());
  }

  @Test
  void aFramesCollectionLeavesItsRoomAndTheKeeperWaitsWhileTheFrameUsesIt() {
    AtomicLong room = new AtomicLong(2_000_000);
    AtomicLong now = new AtomicLong(1_000);
    List<Long> collections = new ArrayList<>();
    OldGenerationRoom old = new OldGenerationRoom(room::get, bytes -> {
      collections.add(bytes);
      room.set(bytes == 0 ? 2_500_000 : bytes);
    }, now::get);
    long frameRoom = 4_200_000 + OldGenerationRoom.FRAME_MARGIN;
    assertTrue(old.makeForFrame(2_400_000));
    assertEquals(List.of(frameRoom), collections, "the frame's bytes and its image's left free, and a margin");
    // The frame's bytes and its image are promoted: the room is used, as it was made to be.
    room.set(300_000);
    now.addAndGet(OldGenerationRoom.FRAME_NANOS - 1);
    assertFalse(old.make(1_000_000), "the keeper waits while the room is the frame's");
    assertEquals(1, collections.size());
    now.addAndGet(1);
    assertTrue(old.make(1_000_000), "then collects as it would");
    assertEquals(List.of(frameRoom, 0L), collections);

    assertFalse(old.makeForFrame(700_000), "room enough for a smaller frame: no collection");
    assertFalse(old.make(3_000_000), "but its room is kept from the keeper all the same");
    assertEquals(2, collections.size());
    assertEquals(2, old.framesGivenRoom());
  }

  @Test
  void aFrameSmallerThanTheMarginIsGivenRoomAsTheKeeperMakesItAndKeepsNoneFromIt() {
    AtomicLong room = new AtomicLong(10_000);
    List<Long> collections = new ArrayList<>();
    OldGenerationRoom old = new OldGenerationRoom(room::get, bytes -> {
      collections.add(bytes);
      room.set(2_000_000);
    }, () -> 0);
    assertTrue(old.makeForFrame(40_000), "70 KB of room wanted, 10 KB had");
    assertEquals(List.of(0L), collections, "a collection as the resting ratios size the old generation");
    room.set(500_000);
    assertTrue(old.make(1_000_000), "the keeper is not kept waiting");
    assertEquals(List.of(0L, 0L), collections);
    assertEquals(0, old.framesGivenRoom(), "no room of its own");
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
