package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.impl.Messages.WindowKey;

import java.util.HashMap;
import java.util.Map;

/**
 * What the batcher remembers of each window that has fired, for as long as {@link WindowRules} says its
 * firings are remembered: the last firing number (the next one counts on from it) and the last commit
 * sequence number heard when it fired (a later firing read back from the database holds only events above it).
 */
final class FiringMemory {

  private record Fired(long number, long uptoSeq) {
  }

  private final WindowRules rules;
  private final Map<WindowKey, Fired> fired = new HashMap<>();

  FiringMemory(WindowRules rules) {
    this.rules = rules;
  }

  /** A firing the database recorded before this start; the sequence bound of it is not known. */
  void recorded(WindowKey key, long lastFiring) {
    fired.put(key, new Fired(lastFiring, 0));
  }

  boolean hasFired(WindowKey key) {
    return fired.containsKey(key);
  }

  /** The last commit sequence number heard when the window last fired, 0 if none is remembered. */
  long firedUpto(WindowKey key) {
    Fired f = fired.get(key);
    return f == null ? 0 : f.uptoSeq();
  }

  /**
   * Numbers the next firing of a window, which holds events up to {@code uptoSeq}, and remembers it. Firings
   * count 0, 1, 2… while the last one is remembered (six hours, also across restarts). A window older than
   * that may have fired before: its firing is then the clock's millisecond, which no earlier firing of it can
   * have used.
   */
  long next(WindowKey key, long nowMs, long uptoSeq) {
    Fired last = fired.get(key);
    long number = last != null ? last.number() + 1 : rules.firingsForgotten(key.windowStartMs(), nowMs) ? nowMs : 0;
    fired.put(key, new Fired(number, uptoSeq));
    return number;
  }

  /** Forgets the firings of windows past the memory's bound. */
  void prune(long nowMs) {
    fired.keySet().removeIf(k -> rules.firingsForgotten(k.windowStartMs(), nowMs));
  }
}
