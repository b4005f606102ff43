package dev.skellyjelly.storage.app;

import dev.skellyjelly.storage.impl.WindowRules;

/**
 * The old-generation room a window's firing needs, learnt from the firings before it. Windows close at known times
 * (each window's end plus the grace, {@link WindowRules}), and a firing makes in a few tens of milliseconds what the
 * steady load makes in seconds: the batch, its JSON form, the text of each bridge consumer's copy. What of it lives
 * past a young collection is promoted at once, 3 MB at 1000 events/s; when the old generation then has no room, the
 * next young collection becomes a full one inside the firing's task. So {@link #LEAD_MS} before each firing the
 * keeper makes room for the most that the last {@link #REMEMBERED} firings promoted (a half again as margin), at a
 * quiet moment, while the event loop still waits. Times are wall-clock milliseconds, as windows are; thread-safe.
 */
final class FiringRoom {

  static final long LEAD_MS = 500;
  /** Promotions this long after a firing's time are counted as the firing's. */
  static final long SPAN_MS = 2_000;
  static final int REMEMBERED = 2;

  private final WindowRules rules;
  private final long[] bursts = new long[REMEMBERED];
  private int next;
  /** The firing whose promotions are being counted; Long.MIN_VALUE before the first. */
  private long counting = Long.MIN_VALUE;

  FiringRoom(WindowRules rules) {
    this.rules = rules;
  }

  /** The next time a window closes after {@code nowMs}. */
  long nextFiring(long nowMs) {
    long previousClose = rules.closesAt(rules.start(nowMs) - rules.windowMs());
    return previousClose > nowMs ? previousClose : previousClose + rules.windowMs();
  }

  /** A young collection at {@code nowMs} promoted {@code bytes}: counted when it falls in a firing's span. */
  synchronized void promoted(long nowMs, long bytes) {
    long firing = nextFiring(nowMs - SPAN_MS);
    if (firing > nowMs) {
      return;
    }
    if (firing != counting) {
      counting = firing;
      next = (next + 1) % REMEMBERED;
      bursts[next] = 0;
    }
    bursts[next] += Math.max(0, bytes);
  }

  /** The room to have before the next firing: the most a remembered firing promoted, and half that again. */
  synchronized long needed() {
    long most = 0;
    for (long b : bursts) {
      most = Math.max(most, b);
    }
    return most + most / 2;
  }
}
