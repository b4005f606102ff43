package dev.skellyjelly.storage.app;

import dev.skellyjelly.storage.impl.WindowRules;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** When windows fire, and the room made before a firing: from what the firings before it promoted. */
class FiringRoomTest {

  private static final long MB = 1 << 20;

  @Test
  void windowsFireAtTheirEndPlusTheGrace() {
    FiringRoom thirty = new FiringRoom(new WindowRules(30_000, 2_000));
    assertEquals(32_000, thirty.nextFiring(29_000));
    assertEquals(32_000, thirty.nextFiring(31_999), "the window [0, 30 s) closes 2 s after its end");
    assertEquals(62_000, thirty.nextFiring(32_000));
    assertEquals(62_000, thirty.nextFiring(60_500));
    FiringRoom two = new FiringRoom(new WindowRules(2_000, 1_100));
    assertEquals(3_100, two.nextFiring(2_500));
    assertEquals(5_100, two.nextFiring(3_100));
  }

  @Test
  void theRoomIsTheMostTheLastTwoFiringsPromotedAndHalfAgain() {
    FiringRoom room = new FiringRoom(new WindowRules(30_000, 2_000));
    assertEquals(0, room.needed(), "nothing learnt before the first firing");
    // The steady load between firings promotes a little: none of it is a firing's.
    room.promoted(10_000, 200_000);
    room.promoted(31_900, 200_000);
    assertEquals(0, room.needed());
    // The firing at 32 s: three young collections within its two seconds.
    room.promoted(32_050, MB);
    room.promoted(32_080, 2 * MB);
    room.promoted(33_900, 0);
    room.promoted(34_100, 500_000);
    assertEquals(3 * MB + 3 * MB / 2, room.needed(), "3 MB promoted by the firing at 32 s");
    room.promoted(62_100, MB);
    assertEquals(3 * MB + 3 * MB / 2, room.needed(), "the larger of the last two");
    room.promoted(92_100, 2 * MB);
    assertEquals(2 * MB + MB, room.needed(), "the firing at 32 s is no longer remembered");
  }
}
