package dev.skellyjelly.storage.impl;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TaskSliceTest {

  @Test
  void cheapItemsEndTheSliceAtItsCount() {
    TaskSlice slice = new TaskSlice(() -> 0L);
    int taken = 0;
    while (slice.next()) {
      taken++;
    }
    assertEquals(TaskSlice.MAX_ITEMS, taken);
    assertFalse(slice.next(), "a slice that ended stays ended");
  }

  @Test
  void costlyItemsEndTheSliceAtItsTime() {
    AtomicLong now = new AtomicLong(1_000);
    TaskSlice slice = new TaskSlice(now::get);
    int taken = 0;
    while (slice.next()) {
      taken++;
      now.addAndGet(TaskSlice.MAX_NANOS / 4);
    }
    // Four items of a quarter each fill the slice; the fifth waits for the next task.
    assertEquals(4, taken);
  }

  @Test
  void theFirstItemIsTakenHoweverLongTheOneBeforeTook() {
    AtomicLong now = new AtomicLong(0);
    TaskSlice slice = new TaskSlice(now::get);
    now.addAndGet(TaskSlice.MAX_NANOS * 10);
    assertTrue(slice.next(), "every task takes at least one item, so the work always goes on");
    assertFalse(slice.next());
  }
}
