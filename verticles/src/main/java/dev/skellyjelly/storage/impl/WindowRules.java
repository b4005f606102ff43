package dev.skellyjelly.storage.impl;

/**
 * The rules of a 30-second window, in one place for the batcher and the writer: where a window starts,
 * when it closes (its end plus the grace period), and how long a closed window's firings are remembered.
 */
public record WindowRules(long windowMs, long graceMs) {

  /** How long after its end a window's last firing number is remembered (in memory and in {@code batches}). */
  public static final long FIRING_MEMORY_MS = 6 * 3_600_000L;

  /** The start of the window of length {@code windowMs} that holds {@code timestampMs}. */
  public static long start(long timestampMs, long windowMs) {
    return Math.floorDiv(timestampMs, windowMs) * windowMs;
  }

  /** The start of the window that holds {@code timestampMs}. */
  public long start(long timestampMs) {
    return start(timestampMs, windowMs);
  }

  /** The exclusive end of the window starting at {@code startMs}. */
  public long end(long startMs) {
    return startMs + windowMs;
  }

  /** When the window starting at {@code startMs} closes: its end plus the grace period. */
  public long closesAt(long startMs) {
    return startMs + windowMs + graceMs;
  }

  /** Whether the window starting at {@code startMs} is closed at {@code nowMs}. */
  public boolean isClosed(long startMs, long nowMs) {
    return closesAt(startMs) <= nowMs;
  }

  /** Whether the firings of the window starting at {@code startMs} are no longer remembered at {@code nowMs}. */
  public boolean firingsForgotten(long startMs, long nowMs) {
    return startMs + windowMs + FIRING_MEMORY_MS < nowMs;
  }

  /** The oldest window end whose firings are still remembered at {@code nowMs}. */
  public static long firingMemorySince(long nowMs) {
    return nowMs - FIRING_MEMORY_MS;
  }
}
