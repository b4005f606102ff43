package dev.skellyjelly.storage.app.net;

import org.slf4j.Logger;

import java.time.Duration;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;

/**
 * A warning per reason at most once a {@link #INTERVAL}, saying how many of the same were held back since: a peer
 * that is refused thousands of times a second (a flood of connections, of bad frames) must not flood the log too.
 */
public final class RateLimitedLog {

  public static final Duration INTERVAL = Duration.ofMinutes(1);

  private record Last(long atMs, long heldBack) {
  }

  private final Logger log;
  private final InstantSource clock;
  private final Map<String, Last> last = new HashMap<>();

  public RateLimitedLog(Logger log, InstantSource clock) {
    this.log = log;
    this.clock = clock;
  }

  /**
   * Logs {@code message} as a warning unless one of {@code reason} was logged within the interval; returns whether
   * it was logged. The line ends with the number held back since the previous one, when there were any.
   */
  public boolean warn(String reason, String message) {
    long now = clock.millis();
    long heldBack;
    synchronized (last) {
      Last previous = last.get(reason);
      if (previous != null && now - previous.atMs < INTERVAL.toMillis()) {
        last.put(reason, new Last(previous.atMs, previous.heldBack + 1));
        return false;
      }
      heldBack = previous == null ? 0 : previous.heldBack;
      last.put(reason, new Last(now, 0));
    }
    log.warn(heldBack == 0 ? message : message + " (and " + heldBack + " more of " + reason + " in the last minute or more)");
    return true;
  }
}
