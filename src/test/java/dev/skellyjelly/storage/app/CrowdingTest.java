package dev.skellyjelly.storage.app;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When the keeper holds the heap's headroom: full collections crowding, young ones at a burst's pace, in ms. */
class CrowdingTest {

  @Test
  void theSteadyLoadNeverHoldsIt() {
    Crowding crowding = new Crowding();
    // At 1000 events/s: a young collection every 600 ms, a full one every 14 s, and a screenshot's room made on
    // the bridge's worker just before the keeper's own (two full collections 300 ms apart).
    for (long t = 0; t < 600_000; t += 600) {
      assertFalse(crowding.afterYoung(t), "young at " + t);
      if (t % 14_400 == 0) {
        assertFalse(crowding.afterFull(t), "full at " + t);
        assertFalse(crowding.afterFull(t + 300), "second full at " + (t + 300));
      }
    }
  }

  @Test
  void fourFullCollectionsWithinASecondHoldItWhileYoungOnesComeFast() {
    Crowding crowding = new Crowding();
    // One every 600 ms, as a heavy steady load makes them: not crowded.
    for (long t = 0; t <= 6_000; t += 600) {
      assertFalse(crowding.afterFull(t), "full at " + t);
    }
    assertFalse(crowding.afterFull(6_400));
    assertFalse(crowding.afterFull(6_800), "the last four within 1 400 ms");
    assertTrue(crowding.afterFull(7_000), "the last four within 1 000 ms");
    // A young collection every 50 ms for 25 s: held all along, long past the first ten seconds.
    for (long t = 7_050; t <= 32_500; t += 50) {
      assertTrue(crowding.afterYoung(t), "young at " + t);
    }
    // The burst ends: young collections every 600 ms. The first of them, at 33 100, still has four others within
    // the second before it; ten seconds after that one the room is let go.
    long t = 33_100;
    for (; t < 43_100; t += 600) {
      assertTrue(crowding.afterYoung(t), "still within ten seconds of the burst, at " + t);
    }
    assertFalse(crowding.afterYoung(t), "ten seconds after the burst, at " + t);
    assertFalse(crowding.at(t + 60_000));
  }

  @Test
  void letGoOfWhenNothingIsCollectedAnyMore() {
    Crowding crowding = new Crowding();
    for (long t = 0; t <= 600; t += 200) {
      crowding.afterFull(t);
    }
    assertTrue(crowding.at(9_999), "within ten seconds of the fourth full collection");
    assertFalse(crowding.at(10_600), "ten seconds after it, with no collection since: the timer's check lets go");
    assertFalse(crowding.afterYoung(10_700), "a single young collection later does not hold it again");
  }
}
