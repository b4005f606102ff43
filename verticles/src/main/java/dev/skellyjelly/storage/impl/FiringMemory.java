package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.impl.Messages.WindowKey;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the batcher remembers of windows that have fired, bounded in entries: the last firing number (the next
 * one counts on from it) and the last commit sequence number heard when it fired (a later firing read back
 * from the database holds only events above it). The {@code batches} table remembers every firing for as
 * long as {@link WindowRules} says; past {@link #MAX_ENTRIES} the least recently used window is let go here
 * and, should it fire again, its last firing is looked up there ({@link #mayHaveForgotten}).
 */
final class FiringMemory {

  /** Windows remembered at most: about 200 bytes each. */
  static final int MAX_ENTRIES = 50_000;

  /** {@code number} {@link #NOT_NUMBERED} while the first firing it stands for waits for its number. */
  private record Fired(long number, long uptoSeq) {
  }

  private static final long NOT_NUMBERED = -1;

  private final WindowRules rules;
  private final int maxEntries;
  private long forgotten;
  private final Map<WindowKey, Fired> fired;

  FiringMemory(WindowRules rules) {
    this(rules, MAX_ENTRIES);
  }

  FiringMemory(WindowRules rules, int maxEntries) {
    this.rules = rules;
    this.maxEntries = maxEntries;
    this.fired = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<WindowKey, Fired> eldest) {
        boolean full = size() > FiringMemory.this.maxEntries;
        if (full) {
          forgotten++;
        }
        return full;
      }
    };
  }

  /**
   * A firing the database recorded (before this start, or looked up since); the sequence bound of it is not
   * known. A firing remembered here already is as recent or more.
   */
  void recorded(WindowKey key, long lastFiring) {
    Fired known = fired.get(key);
    if (known == null || known.number() < lastFiring) {
      fired.put(key, new Fired(lastFiring, known == null ? 0 : known.uptoSeq()));
    }
  }

  boolean hasFired(WindowKey key) {
    return fired.containsKey(key);
  }

  /** Whether a window not remembered here may still have fired: some were let go for the bound. */
  boolean mayHaveForgotten() {
    return forgotten > 0;
  }

  /**
   * Which of {@code windows} may have fired before without this memory knowing (let go for the bound while the
   * database still remembers it): their last firing numbers are to be looked up before they fire again.
   */
  List<WindowKey> mayHaveForgotten(List<Window> windows, long nowMs) {
    List<WindowKey> keys = new ArrayList<>();
    for (Window w : windows) {
      if (forgotten > 0 && !hasFired(w.key()) && !rules.firingsForgotten(w.key().windowStartMs(), nowMs)) {
        keys.add(w.key());
      }
    }
    return keys;
  }

  int size() {
    return fired.size();
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
    long number = last != null && last.number() != NOT_NUMBERED ? last.number() + 1
      : rules.firingsForgotten(key.windowStartMs(), nowMs) ? nowMs : 0;
    // A later firing already under way keeps its bound: the numbers come in order, the bounds may not.
    fired.put(key, new Fired(number, last == null ? uptoSeq : Math.max(uptoSeq, last.uptoSeq())));
    return number;
  }

  /**
   * A firing holding the window's events up to {@code uptoSeq} is under way, its number given later
   * ({@link #next}, after a look-up in the database where this memory may have let go of the window): from now on
   * the window has fired, and an event committed meanwhile belongs to a later firing, above {@code uptoSeq}.
   */
  void underWay(WindowKey key, long uptoSeq) {
    Fired known = fired.get(key);
    fired.put(key, new Fired(known == null ? NOT_NUMBERED : known.number(), uptoSeq));
  }

  /** Forgets the firings of windows past the memory's bound. */
  void prune(long nowMs) {
    fired.keySet().removeIf(k -> rules.firingsForgotten(k.windowStartMs(), nowMs));
  }
}
