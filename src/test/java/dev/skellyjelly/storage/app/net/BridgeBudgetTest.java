package dev.skellyjelly.storage.app.net;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bridges' shared input budget: never more reserved than its capacity; waiters granted as bytes come back. */
class BridgeBudgetTest {

  private final BridgeBudget budget = new BridgeBudget(1_000);
  private final List<String> granted = new ArrayList<>();

  @Test
  void reservationsNeverExceedTheCapacity() {
    assertTrue(budget.tryReserve(600));
    assertFalse(budget.tryReserve(401));
    assertTrue(budget.tryReserve(400));
    assertEquals(1_000, budget.used());
    budget.release(1_000);
    assertEquals(0, budget.used());
  }

  @Test
  void keepFreeLeavesRoomForOthers() {
    assertTrue(budget.tryReserve(300, 500));
    assertFalse(budget.tryReserve(300, 500), "300 + 300 would leave less than 500 free");
    assertTrue(budget.tryReserve(200, 500));
  }

  @Test
  void waitersAreGrantedWhatFitsOldestFirstWhenBytesAreReleased() {
    assertNull(budget.reserve(900, () -> granted.add("now")));
    BridgeBudget.Waiter big = budget.reserve(800, () -> granted.add("big"));
    budget.reserve(50, () -> granted.add("small"));
    assertEquals(List.of("now", "small"), granted, "what fits goes at once");
    assertEquals(950, budget.used());
    assertEquals(1, budget.waiting());
    budget.release(900);
    assertEquals(List.of("now", "small", "big"), granted);
    assertEquals(850, budget.used());
    assertFalse(budget.cancel(big), "granted: its bytes must be released instead");
  }

  @Test
  void aCancelledWaiterIsNeverGranted() {
    assertTrue(budget.tryReserve(1_000));
    BridgeBudget.Waiter w = budget.reserve(10, () -> granted.add("cancelled"));
    assertTrue(budget.cancel(w));
    budget.release(1_000);
    assertEquals(List.of(), granted);
    assertEquals(0, budget.used());
  }

  @Test
  void aReservationLargerThanTheWholeBudgetIsRefusedOutright() {
    assertThrows(IllegalArgumentException.class, () -> budget.reserve(1_001, () -> granted.add("never")));
    assertFalse(budget.tryReserve(1_001));
  }
}
