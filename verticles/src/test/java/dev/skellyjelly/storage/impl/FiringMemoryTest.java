package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.impl.Messages.WindowKey;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Firing numbers (which make a batch's window id) count on while a window's firings are remembered, and a
 * window whose firings were forgotten never gets a number an earlier firing of it could have used.
 */
class FiringMemoryTest {

  private static final long WINDOW_MS = 30_000;
  private static final WindowRules RULES = new WindowRules(WINDOW_MS, 2_000);
  private static final WindowKey KEY = new WindowKey("5b1d0a4e-1c2f-4d3e-8f40-123456789abc", 60_000);
  /** The first moment the firings of KEY's window are forgotten. */
  private static final long FORGOTTEN_AT = KEY.windowStartMs() + WINDOW_MS + WindowRules.FIRING_MEMORY_MS + 1;

  @Test
  void firingsOfARememberedWindowCountFromZero() {
    FiringMemory memory = new FiringMemory(RULES);
    long now = RULES.closesAt(KEY.windowStartMs());
    assertFalse(memory.hasFired(KEY));
    assertEquals(0, memory.next(KEY, now, 10));
    assertEquals(1, memory.next(KEY, now + 5_000, 17));
    assertEquals(2, memory.next(KEY, now + 9_000, 17));
    assertTrue(memory.hasFired(KEY));
  }

  @Test
  void aLaterFiringHoldsOnlyEventsCommittedAfterTheLastOne() {
    FiringMemory memory = new FiringMemory(RULES);
    long now = RULES.closesAt(KEY.windowStartMs());
    assertEquals(0, memory.firedUpto(KEY));
    memory.next(KEY, now, 42);
    assertEquals(42, memory.firedUpto(KEY));
    memory.next(KEY, now, 99);
    assertEquals(99, memory.firedUpto(KEY));
  }

  @Test
  void aFiringRecordedBeforeARestartIsCountedOnWithNoSequenceBound() {
    FiringMemory memory = new FiringMemory(RULES);
    memory.recorded(KEY, 3);
    assertTrue(memory.hasFired(KEY));
    assertEquals(0, memory.firedUpto(KEY));
    assertEquals(4, memory.next(KEY, RULES.closesAt(KEY.windowStartMs()), 8));
  }

  @Test
  void aForgottenWindowIsNumberedByTheClock() {
    FiringMemory memory = new FiringMemory(RULES);
    memory.recorded(KEY, 3);
    memory.prune(FORGOTTEN_AT - 1);
    assertTrue(memory.hasFired(KEY), "remembered up to six hours after the window's end");
    memory.prune(FORGOTTEN_AT);
    assertFalse(memory.hasFired(KEY));
    assertEquals(FORGOTTEN_AT, memory.next(KEY, FORGOTTEN_AT, 8), "a number no earlier firing used");
    assertEquals(FORGOTTEN_AT + 1, memory.next(KEY, FORGOTTEN_AT, 9), "then counted on while remembered again");
  }
}
