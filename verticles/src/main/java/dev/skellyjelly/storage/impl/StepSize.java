package dev.skellyjelly.storage.impl;

/**
 * How much one retention step takes on (window starts, focus rows, pages), adapted to how long the last step
 * held the writer: halved when a step or the checkpoint of what it wrote took longer than the target, grown by a
 * quarter while a step and its checkpoint together are quick, kept in between. Always between a minimum (so a pass ends) and a maximum (so one
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
  /** How long the last step took while its checkpoint is still to come; -1 when decided already. */
  private long stepNanos = -1;

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

  /** Records how long a step of the current size took: a slow one halves the size at once. */
  void took(long nanos) {
    if (nanos > TARGET_NANOS) {
      size = Math.max(min, size / 2);
      stepNanos = -1;
    } else {
      stepNanos = nanos;
    }
  }

  /**
   * Records how long the checkpoint of what that step wrote took (a step's pages are copied by the checkpoint that
   * follows it, so the two together are what a size costs): a slow checkpoint halves the size, the two together
   * under {@link #QUICK_NANOS} grow it by a quarter.
   */
  void checkpointTook(long nanos) {
    if (stepNanos < 0) {
      return;
    }
    if (nanos > TARGET_NANOS) {
      size = Math.max(min, size / 2);
    } else if (stepNanos + nanos < QUICK_NANOS) {
      size = Math.min(max, size + Math.max(1, size / 4));
    }
    stepNanos = -1;
  }
}
