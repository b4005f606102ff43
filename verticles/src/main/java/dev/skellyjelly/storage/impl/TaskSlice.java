package dev.skellyjelly.storage.impl;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * One event-loop task's share of a long piece of work (windows to publish): at most {@link #MAX_ITEMS} items and
 * {@link #MAX_NANOS}, whichever ends first; what is left goes on in a later task, so that no task holds the
 * event loop long, whatever an item costs (a cold start, a collection, a large window).
 */
final class TaskSlice {

  /** Items one task takes at most. */
  static final int MAX_ITEMS = 256;
  /** How long one task goes on taking items, at most (the item under way when it ends is finished). */
  static final long MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  private final LongSupplier nanos;
  private final long until;
  private int taken;

  TaskSlice() {
    this(System::nanoTime);
  }

  /** A slice timed by {@code nanos} (a test's clock), beginning now. */
  TaskSlice(LongSupplier nanos) {
    this.nanos = nanos;
    this.until = nanos.getAsLong() + MAX_NANOS;
  }

  /** Whether this task may take one more item (the first always), counting it. */
  boolean next() {
    if (taken > 0 && (taken >= MAX_ITEMS || nanos.getAsLong() - until >= 0)) {
      return false;
    }
    taken++;
    return true;
  }
}
