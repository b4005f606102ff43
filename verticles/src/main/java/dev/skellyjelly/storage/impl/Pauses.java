package dev.skellyjelly.storage.impl;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The pauses of capture, shared by the module's verticles: the receiver drops input while one is in effect, the
 * batcher tells each batch how much of its window was paused, the capture control begins and ends them. A pause
 * is {@code [startMs, endMs)}; {@code endMs} null is a pause until resumed, and a timed pause ends by itself when
 * the clock reaches its end. Reads take an immutable snapshot without locking; changes are serialised. At most
 * {@link #KEPT} pauses, the newest, are held: older ones only matter to windows long emitted.
 */
public final class Pauses {

  /** One pause; {@code endMs} null while it lasts until resumed. */
  public record Pause(long startMs, Long endMs) {

    /** Its end, an open pause ending at {@code nowMs}. */
    long endOr(long nowMs) {
      return endMs != null ? endMs : Math.max(startMs, nowMs);
    }

    boolean covers(long t) {
      return startMs <= t && (endMs == null || t < endMs);
    }
  }

  static final int KEPT = 4_096;

  /** By start, ascending; replaced whole on each change. */
  private volatile List<Pause> pauses = List.of();
  private final AtomicLong dropped = new AtomicLong();

  /** Takes the stored pauses (any order) as the state; the start-up of the writer calls this. */
  public synchronized void load(List<Pause> stored) {
    List<Pause> sorted = new ArrayList<>(stored);
    sorted.sort((a, b) -> Long.compare(a.startMs(), b.startMs()));
    pauses = List.copyOf(sorted.subList(Math.max(0, sorted.size() - KEPT), sorted.size()));
  }

  /** Whether capture is paused at {@code t}. */
  public boolean pausedAt(long t) {
    return current(t) != null;
  }

  /**
   * The pause in effect at {@code t}, or null. Pauses do not overlap (a pause begun during another extends it),
   * so only the last one starting at or before {@code t} can cover it.
   */
  public Pause current(long t) {
    List<Pause> snapshot = pauses;
    int lo = 0;
    int hi = snapshot.size() - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (snapshot.get(mid).startMs() <= t) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found >= 0 && snapshot.get(found).covers(t) ? snapshot.get(found) : null;
  }

  /** The milliseconds of {@code [from, to)} that were paused, a pause still open counting up to {@code nowMs}. */
  public long overlap(long from, long to, long nowMs) {
    long sum = 0;
    for (Pause p : pauses) {
      long lo = Math.max(from, p.startMs());
      long hi = Math.min(to, p.endOr(nowMs));
      if (hi > lo) {
        sum += hi - lo;
      }
    }
    return sum;
  }

  /**
   * Pauses from {@code nowMs} until {@code untilMs} (null: until resumed). A pause in effect keeps its start and
   * gets the new end; otherwise a new pause begins and the count of input dropped starts again. Returns the row to
   * store.
   */
  public synchronized Pause begin(long nowMs, Long untilMs) {
    Pause now = current(nowMs);
    List<Pause> next = new ArrayList<>(pauses);
    Pause row;
    if (now != null) {
      row = new Pause(now.startMs(), untilMs);
      next.set(next.indexOf(now), row);
    } else {
      row = new Pause(nowMs, untilMs);
      next.removeIf(p -> p.startMs() == nowMs);
      next.add(row);
      next.sort((a, b) -> Long.compare(a.startMs(), b.startMs()));
      dropped.set(0);
    }
    pauses = List.copyOf(next.subList(Math.max(0, next.size() - KEPT), next.size()));
    return row;
  }

  /** Ends the pause in effect at {@code nowMs}; returns the row to store, null when none was in effect. */
  public synchronized Pause end(long nowMs) {
    Pause now = current(nowMs);
    if (now == null) {
      return null;
    }
    Pause row = new Pause(now.startMs(), nowMs);
    List<Pause> next = new ArrayList<>(pauses);
    next.set(next.indexOf(now), row);
    pauses = List.copyOf(next);
    return row;
  }

  /** Counts one input dropped because capture was paused. */
  public void dropped() {
    dropped.incrementAndGet();
  }

  /** The input dropped during the current (or the latest) pause since this module started. */
  public long droppedWhilePaused() {
    return dropped.get();
  }
}
