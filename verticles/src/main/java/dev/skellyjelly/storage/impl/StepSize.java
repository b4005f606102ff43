package dev.skellyjelly.storage.impl;

/**
 * How much one retention step takes on (window starts, buckets, pages), adapted to how long the last step
 * held the writer: doubled while steps are quick, halved when one took longer than the target. A step always
 * does at least the minimum, so a pass ends.
 */
final class StepSize {

  /** A step shorter than this may do twice as much next time. */
  static final long QUICK_NANOS = 15_000_000L;
  /** A step longer than this does half as much next time; well below the 100 ms a step may hold the lock. */
  static final long TARGET_NANOS = 40_000_000L;

  private final long min;
  private final long max;
  private long size;

  StepSize(long initial, long min, long max) {
    this.size = initial;
    this.min = min;
    this.max = max;
  }

  long get() {
    return size;
  }

  /** Records how long a step of the current size took. */
  void took(long nanos) {
    if (nanos > TARGET_NANOS) {
      size = Math.max(min, size / 2);
    } else if (nanos < QUICK_NANOS) {
      size = Math.min(max, size * 2);
    }
  }
}
