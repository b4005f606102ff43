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
    OldGenerationRoom old = new OldGenerationRoom(room::get, () -> {
      collections.incrementAndGet();
      room.set(9_000_000);
    });
    assertFalse(old.make(3_000_000), "room enough");
    assertEquals(0, collections.get());
    assertTrue(old.make(OldGenerationRoom.forFrame(2_400_000)));
    assertEquals(1, collections.get());
    assertFalse(old.make(OldGenerationRoom.forFrame(2_400_000)), "the collection made the room");
    assertEquals(1, collections.get());
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
