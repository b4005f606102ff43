package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.EventType;
import dev.skellyjelly.storage.codecs.Keystroke;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.ResourceUsage;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What some events and some focused time add to the rollups, per minute and per hour at once, without the
 * database: per (bucket, session, event type, app) the events, the keystrokes' inter-key intervals present and
 * their sum, the resource samples' CPU sum and largest memory; per (bucket, session, app) the focused
 * milliseconds (negative where focus moved away) and the switches into the app.
 */
final class RollupDelta {

  static final long MINUTE_MS = 60_000L;
  static final long HOUR_MS = 3_600_000L;

  /** A row key of minute_rollups or hour_rollups. */
  record Key(long bucketMs, String sessionId, EventType type, String app) {
  }

  /** A row key of minute_focus or hour_focus. */
  record FocusKey(long bucketMs, String sessionId, String app) {
  }

  /** The values of one rollup row. */
  static final class Stats {
    long n;
    long intervalN;
    long intervalSumMs;
    double cpuSum;
    long memoryMaxMb;
  }

  /** The values of one focus row. */
  static final class Focus {
    long focusedMs;
    long switches;
  }

  /** A rollup row to write: which table (minutes or hours), its key and values. */
  record RollupRow(boolean hour, Key key, Stats stats) {
  }

  /** A focus row to write. */
  record FocusRow(boolean hour, FocusKey key, Focus focus) {
  }

  private final Map<Key, Stats> minutes = new HashMap<>();
  private final Map<Key, Stats> hours = new HashMap<>();
  private final Map<FocusKey, Focus> minuteFocus = new HashMap<>();
  private final Map<FocusKey, Focus> hourFocus = new HashMap<>();
  /** Whether some focused time was taken away: rows may have fallen to nothing. */
  private boolean negative;
  /** Whether some events were taken away: rollup rows may have fallen to none. */
  private boolean removed;

  static long floor(long ms, long bucketMs) {
    return Math.floorDiv(ms, bucketMs) * bucketMs;
  }

  /** Counts {@code e}, attributed to {@code app}. */
  void addEvent(RawEvent e, String app) {
    add(minutes, new Key(floor(e.timestampMs(), MINUTE_MS), e.sessionId(), e.eventType(), app), e);
    add(hours, new Key(floor(e.timestampMs(), HOUR_MS), e.sessionId(), e.eventType(), app), e);
  }

  /**
   * Takes {@code e} away from {@code app}'s rows (it moved to another app): its count, interval and CPU; the
   * largest memory of the rows it leaves is the caller's to work out again.
   */
  void removeEvent(RawEvent e, String app) {
    removed = true;
    remove(minutes, new Key(floor(e.timestampMs(), MINUTE_MS), e.sessionId(), e.eventType(), app), e);
    remove(hours, new Key(floor(e.timestampMs(), HOUR_MS), e.sessionId(), e.eventType(), app), e);
  }

  private static void add(Map<Key, Stats> into, Key key, RawEvent e) {
    Stats s = into.computeIfAbsent(key, k -> new Stats());
    s.n++;
    if (e.data() instanceof Keystroke k && k.interKeyIntervalMs() != null) {
      s.intervalN++;
      s.intervalSumMs += k.interKeyIntervalMs();
    } else if (e.data() instanceof ResourceUsage r) {
      s.cpuSum += r.cpuPercent();
      s.memoryMaxMb = Math.max(s.memoryMaxMb, r.memoryMb());
    }
  }

  private static void remove(Map<Key, Stats> into, Key key, RawEvent e) {
    Stats s = into.computeIfAbsent(key, k -> new Stats());
    s.n--;
    if (e.data() instanceof Keystroke k && k.interKeyIntervalMs() != null) {
      s.intervalN--;
      s.intervalSumMs -= k.interKeyIntervalMs();
    } else if (e.data() instanceof ResourceUsage r) {
      s.cpuSum -= r.cpuPercent();
    }
  }

  /** Adds (sign 1) or takes away (sign -1) the focused time [startMs, endMs) of {@code app}, split by bucket. */
  void addFocused(String session, long startMs, long endMs, String app, int sign) {
    negative |= sign < 0;
    split(minuteFocus, MINUTE_MS, session, startMs, endMs, app, sign);
    split(hourFocus, HOUR_MS, session, startMs, endMs, app, sign);
  }

  private static void split(Map<FocusKey, Focus> into, long bucketMs, String session, long startMs, long endMs,
                            String app, int sign) {
    for (long b = floor(startMs, bucketMs); b < endMs; b += bucketMs) {
      long ms = Math.min(endMs, b + bucketMs) - Math.max(startMs, b);
      into.computeIfAbsent(new FocusKey(b, session, app), k -> new Focus()).focusedMs += sign * ms;
    }
  }

  /** A window_focus at {@code tsMs} into {@code app}. */
  void addSwitch(String session, long tsMs, String app) {
    minuteFocus.computeIfAbsent(new FocusKey(floor(tsMs, MINUTE_MS), session, app), k -> new Focus()).switches++;
    hourFocus.computeIfAbsent(new FocusKey(floor(tsMs, HOUR_MS), session, app), k -> new Focus()).switches++;
  }

  boolean tookAway() {
    return negative;
  }

  boolean removedEvents() {
    return removed;
  }

  boolean isEmpty() {
    return minutes.isEmpty() && minuteFocus.isEmpty();
  }

  /** Every rollup row, minutes then hours. */
  List<RollupRow> rollupRows() {
    List<RollupRow> rows = new ArrayList<>(minutes.size() + hours.size());
    minutes.forEach((k, v) -> rows.add(new RollupRow(false, k, v)));
    hours.forEach((k, v) -> rows.add(new RollupRow(true, k, v)));
    return rows;
  }

  /** Every focus row that changes something, minutes then hours. */
  List<FocusRow> focusRows() {
    List<FocusRow> rows = new ArrayList<>(minuteFocus.size() + hourFocus.size());
    minuteFocus.forEach((k, v) -> {
      if (v.focusedMs != 0 || v.switches != 0) {
        rows.add(new FocusRow(false, k, v));
      }
    });
    hourFocus.forEach((k, v) -> {
      if (v.focusedMs != 0 || v.switches != 0) {
        rows.add(new FocusRow(true, k, v));
      }
    });
    return rows;
  }

  /** The rollup rows of minutes (for tests and readers that want the map). */
  Map<Key, Stats> minutes() {
    return minutes;
  }

  Map<FocusKey, Focus> minuteFocus() {
    return minuteFocus;
  }
}
