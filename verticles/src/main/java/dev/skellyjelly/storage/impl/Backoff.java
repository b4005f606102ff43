package dev.skellyjelly.storage.impl;

/**
 * How long the writer waits before it tries the database again after a failed commit or a failed reopen:
 * 100 ms after the first failure, doubling with each further one, at most 5 s; none once it succeeds.
 */
record Backoff(long delayMs) {

  static final Backoff NONE = new Backoff(0);
  private static final long FIRST_MS = 100;
  private static final long MAX_MS = 5_000;

  /** The wait after one more failure. */
  Backoff next() {
    return new Backoff(delayMs == 0 ? FIRST_MS : Math.min(MAX_MS, delayMs * 2));
  }
}
