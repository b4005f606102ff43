package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.impl.Messages.WindowKey;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

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

  /** Bounded in entries: the least recently used window is let go, and the memory says it may have forgotten. */
  @Test
  void pastItsBoundTheLeastRecentlyUsedWindowIsLetGo() {
    FiringMemory memory = new FiringMemory(RULES, 3);
    long now = RULES.closesAt(KEY.windowStartMs());
    WindowKey[] keys = new WindowKey[4];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = new WindowKey(KEY.sessionId(), KEY.windowStartMs() - (i + 1) * WINDOW_MS);
    }
    memory.next(keys[0], now, 1);
    memory.next(keys[1], now, 2);
    memory.next(keys[2], now, 3);
    assertFalse(memory.mayHaveForgotten());
    memory.next(keys[0], now, 4);
    memory.next(keys[3], now, 5);
    assertEquals(3, memory.size());
    assertTrue(memory.mayHaveForgotten());
    assertFalse(memory.hasFired(keys[1]), "the least recently used let go");
    assertTrue(memory.hasFired(keys[0]));
    // What the batches table says of a window let go counts on from there.
    memory.recorded(keys[1], 0);
    assertEquals(1, memory.next(keys[1], now, 6));
    // A lookup never takes a remembered window back to an older number.
    memory.recorded(keys[1], 0);
    assertEquals(2, memory.next(keys[1], now, 7));
  }

  @Test
  void aFiringUnderWayHoldsWhatWasCommittedWhenItsWindowWasTakenAndIsNumberedLater() {
    FiringMemory memory = new FiringMemory(RULES);
    long now = RULES.closesAt(KEY.windowStartMs());
    // Taken out of the table with events up to 40: from now on the window has fired, up to 40.
    memory.underWay(KEY, 40);
    assertTrue(memory.hasFired(KEY), "an event committed meanwhile is late, of the next firing");
    assertEquals(40, memory.firedUpto(KEY), "and that firing holds only what is above 40");
    // A later firing is taken too (events up to 55) before the first one got its number.
    memory.underWay(KEY, 55);
    assertEquals(0, memory.next(KEY, now, 40), "the first firing's number");
    assertEquals(55, memory.firedUpto(KEY), "numbering the first keeps the later one's bound");
    assertEquals(1, memory.next(KEY, now, 55));
    assertEquals(55, memory.firedUpto(KEY));
  }

  @Test
  void aFiringUnderWayOfAWindowLetGoCountsOnFromWhatTheDatabaseRecorded() {
    FiringMemory memory = new FiringMemory(RULES, 1);
    long now = RULES.closesAt(KEY.windowStartMs());
    memory.next(KEY, now, 10);
    memory.next(new WindowKey("5b1d0a4e-1c2f-4d3e-8f40-000000000002", KEY.windowStartMs()), now, 11);
    assertFalse(memory.hasFired(KEY), "let go for the bound");
    List<Window> late = List.of(new Window.Held(KEY, new ArrayList<>(), new ArrayList<>()));
    assertEquals(List.of(KEY), memory.mayHaveForgotten(late, now), "its last firing is to be looked up");
    memory.underWay(KEY, 30);
    memory.recorded(KEY, 0);
    assertEquals(30, memory.firedUpto(KEY), "the database's number keeps the bound of the firing under way");
    assertEquals(1, memory.next(KEY, now, 30));
    assertEquals(List.of(), memory.mayHaveForgotten(late, now), "remembered again");
  }
}
