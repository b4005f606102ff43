package dev.skellyjelly.storage.app;

/**
 * When the heap needs headroom for a burst ({@link dev.skellyjelly.storage.HeapHeadroom}): full collections crowd
 * when {@link #CROWDED} of them fall within {@link #CROWDED_WITHIN_MS}, which the steady load never does (at 1000
 * events/s one comes every ten seconds or more); the old generation is then far too small for what young
 * collections promote, and each full collection buys a few hundred milliseconds at most. The room is held while young
 * collections keep coming at a burst's pace ({@link #BUSY} within a second), and until {@link #HOLD_MS} after the
 * last such second. Times are milliseconds of any monotonic clock; thread-safe.
 */
final class Crowding {

  static final int CROWDED = 4;
  static final long CROWDED_WITHIN_MS = 1_000;
  static final int BUSY = 5;
  static final long BUSY_WITHIN_MS = 1_000;
  static final long HOLD_MS = 10_000;

  private final Times fulls = new Times(CROWDED);
  private final Times youngs = new Times(BUSY);
  private boolean held;
  private long until;

  /** A full collection ended at {@code nowMs}: whether the room is to be held now. */
  synchronized boolean afterFull(long nowMs) {
    if (fulls.add(nowMs) <= CROWDED_WITHIN_MS) {
      held = true;
      until = nowMs + HOLD_MS;
    }
    return at(nowMs);
  }

  /** A young collection ended at {@code nowMs}: whether the room is to be held now. */
  synchronized boolean afterYoung(long nowMs) {
    if (youngs.add(nowMs) <= BUSY_WITHIN_MS && held) {
      until = nowMs + HOLD_MS;
    }
    return at(nowMs);
  }

  /** Whether the room is to be held at {@code nowMs}. */
  synchronized boolean at(long nowMs) {
    if (held && nowMs >= until) {
      held = false;
    }
    return held;
  }

  /** The last few times, in a ring. */
  private static final class Times {
    private final long[] ring;
    private int next;
    private int count;

    Times(int size) {
      ring = new long[size];
    }

    /** Records {@code t}; the span from the oldest remembered time to it, once the ring is full, else MAX_VALUE. */
    long add(long t) {
      ring[next] = t;
      next = (next + 1) % ring.length;
      count = Math.min(count + 1, ring.length);
      return count < ring.length ? Long.MAX_VALUE : t - ring[next];
    }
  }
}
