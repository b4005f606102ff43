package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.impl.Messages.WindowKey;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A window is due for compaction two seconds after its batch was emitted, on the compactor's clock. */
class CompactorDelayTest {

  @Test
  void dueTwoSecondsAfterItsBatchInTheOrderEmitted() {
    AtomicLong now = new AtomicLong(1_000_000_000L);
    Compactor compactor = new Compactor(now::get);
    assertFalse(compactor.hasWaiting());
    assertFalse(compactor.hasDue(), "nothing waits");
    compactor.emitted(new WindowKey("s1", 0));
    now.addAndGet(500_000_000L);
    compactor.emitted(new WindowKey("s2", 0));
    assertTrue(compactor.hasWaiting());
    assertFalse(compactor.hasDue(), "the first was emitted half a second ago");
    now.addAndGet(1_499_999_999L);
    assertFalse(compactor.hasDue(), "a nanosecond short of two seconds");
    now.addAndGet(1);
    assertTrue(compactor.hasDue(), "two seconds after the first");
    compactor.emitted(new WindowKey("s1", 0));
    now.addAndGet(5_000_000_000L);
    assertTrue(compactor.hasDue(), "emitted again, it keeps its place and its time");
  }
}
