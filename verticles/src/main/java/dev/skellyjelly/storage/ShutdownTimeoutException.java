package dev.skellyjelly.storage;

/** A graceful stop that ran out of time; the message says how many accepted events were not committed. */
public final class ShutdownTimeoutException extends RuntimeException {

  private final long uncommitted;

  public ShutdownTimeoutException(long timeoutMs, long uncommitted) {
    super("shutdown did not finish within " + timeoutMs + " ms: " + uncommitted + " accepted events were not committed",
      null, false, false);
    this.uncommitted = uncommitted;
  }

  public long uncommitted() {
    return uncommitted;
  }
}
