package dev.skellyjelly.storage.impl;

/**
 * How much one retention step takes on (window starts, focus rows, pages), adapted to how long the last step
 * held the writer: halved when a step (or the checkpoint of what it wrote) took longer than the target, grown by a
 * quarter while steps are quick, kept in between. Always between a minimum (so a pass ends) and a maximum (so one
 * step stays short even after a run of quick ones on an idle machine). Remembers the largest size it handed out.
 */
final class StepSize {

  /** A step shorter than this may do a quarter more next time. */
  static final long QUICK_NANOS = 20_000_000L;
  /** A step longer than this does half as much next time: half the 100 ms a step may hold the writer. */
  static final long TARGET_NANOS = 50_000_000L;

  private final long min;
  private final long max;
  private long size;
  private long largest;
  private long last;

  StepSize(long initial, long min, long max) {
    if (min < 1 || initial < min || max < initial) {
      throw new IllegalArgumentException("need 1 <= min <= initial <= max: " + min + ", " + initial + ", " + max);
    }
    this.size = initial;
    this.min = min;
    this.max = max;
  }

  /** The size of the next step. */
  long get() {
    largest = Math.max(largest, size);
    last = size;
    return size;
  }

  /** The size {@link #get} last handed out. */
  long last() {
    return last;
  }

  long max() {
    return max;
  }

  /** The largest size {@link #get} handed out since the last {@link #resetLargest}. */
  long largest() {
    return largest;
  }

  void resetLargest() {
    largest = 0;
  }

  /** Records how long a step of the current size took. */
  void took(long nanos) {
    if (nanos > TARGET_NANOS) {
      size = Math.max(min, size / 2);
    } else if (nanos < QUICK_NANOS) {
      size = Math.min(max, size + Math.max(1, size / 4));
    }
  }

  /** Records how long the checkpoint of what a step of the current size wrote took: only a slow one counts. */
  void checkpointTook(long nanos) {
    if (nanos > TARGET_NANOS) {
      size = Math.max(min, size / 2);
    }
  }
}
