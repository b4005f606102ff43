package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.EventType;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.WindowFocus;
import dev.skellyjelly.storage.impl.FocusRule.FocusChange;
import dev.skellyjelly.storage.impl.FocusRule.Span;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Rebuilds one session's rollups over a time range from the events stored: its focus changes, its stretches of
 * activity, and its minute and hour rollups and focus rows. Whole hours are rebuilt, so that hour rows come
 * from the events themselves even where minute rows are no longer kept. Used by deletion and pauses, whose
 * changes the incremental path cannot see. Nothing before the {@code lifecycle} row {@code raw_kept_from_ms}
 * ({@link #RAW_KEPT_FROM}) is rebuilt: whole hours are rebuilt only from the first hour at or after it.
 */
final class RollupRecompute {

  /**
   * The {@code lifecycle} row that says from when raw events are kept (retention sets it): rollups before it
   * summarise events no longer stored, and are never rebuilt from what is left.
   */
  static final String RAW_KEPT_FROM = "raw_kept_from_ms";

  private static final Comparator<EventBlocks.Entry> BY_TIME =
    Comparator.comparingLong((EventBlocks.Entry e) -> e.event().timestampMs()).thenComparingLong(EventBlocks.Entry::seq);

  private final long idleMs;
  private final long windowMs;

  RollupRecompute(long idleMs, long windowMs) {
    this.idleMs = idleMs;
    this.windowMs = windowMs;
  }

  /**
   * Recomputes session {@code sessionId} over [{@code fromMs}, {@code toMs}) ({@link FocusRule#FOREVER}: to its
   * end), widened to the stretches of activity crossing either end and then to whole hours; runs in the caller's
   * transaction.
   */
  void recompute(WriterConnection c, String sessionId, long fromMs, long toMs, List<Span> pauses) throws SQLException {
    long keptFrom = rawKeptFrom(c);
    long from = Math.max(fromMs, keptFrom);
    long to = toMs == FocusRule.FOREVER ? sessionEnd(c, sessionId) : toMs;
    if (to <= from) {
      return;
    }
    long a = from;
    long b = to;
    for (Span s : activity(c, sessionId, from, to)) {
      a = Math.min(a, s.startMs());
      b = Math.max(b, s.endMs());
    }
    long h0 = RollupDelta.floor(a, RollupDelta.HOUR_MS);
    long h1 = RollupDelta.floor(b - 1, RollupDelta.HOUR_MS) + RollupDelta.HOUR_MS;
    boolean rebuildActivity = a >= keptFrom;
    if (h0 < keptFrom) {
      h0 = RollupDelta.floor(keptFrom - 1, RollupDelta.HOUR_MS) + RollupDelta.HOUR_MS;
    }
    List<EventBlocks.Entry> events = events(c, sessionId, Math.min(h0, a), Math.max(h1, b));

    List<RollupSql.SessionChange> changes = new ArrayList<>();
    List<Span> inputs = new ArrayList<>();
    for (EventBlocks.Entry e : events) {
      long t = e.event().timestampMs();
      if (e.event().data() instanceof WindowFocus f && t >= h0 && t < h1) {
        changes.add(new RollupSql.SessionChange(sessionId, new FocusChange(t, e.seq(), f.appName())));
      } else if (FocusRule.isInput(e.event().eventType()) && t >= a && t < b) {
        inputs.add(new Span(t, t + idleMs));
      }
    }
    c.update(RollupSql.CLEAR_FOCUS_CHANGES, sessionId, h0, h1);
    c.writeAll(RollupSql.INSERT_FOCUS_CHANGE, changes);
    if (rebuildActivity) {
      // Every stored stretch overlapping [a, b) lies inside it: the events in it rebuild them all.
      c.update(RollupSql.CLEAR_ACTIVITY, sessionId, a, b);
      for (Span s : FocusRule.union(inputs)) {
        c.update(RollupSql.PUT_ACTIVITY, sessionId, s.startMs(), s.endMs());
      }
    }
    if (h1 <= h0) {
      return;
    }
    for (int i = 0; i < 2; i++) {
      c.update(RollupSql.CLEAR_ROLLUPS.get(i), sessionId, h0, h1);
      c.update(RollupSql.CLEAR_FOCUS.get(i), sessionId, h0, h1);
    }
    List<FocusChange> focus = c.query(RollupSql.FOCUS_CHANGES, RollupSql::change, sessionId, sessionId, h0, h0, h1);
    RollupDelta delta = new RollupDelta();
    for (EventBlocks.Entry e : events) {
      RawEvent ev = e.event();
      if (ev.timestampMs() < h0 || ev.timestampMs() >= h1) {
        continue;
      }
      if (ev.data() instanceof WindowFocus f) {
        delta.addSwitch(sessionId, ev.timestampMs(), f.appName());
      }
      delta.addEvent(ev, FocusRule.appAt(focus, pauses, ev.timestampMs(), e.seq()));
    }
    FocusRule.focused(focus, activity(c, sessionId, h0, h1), pauses, h0, h1,
      (s, e, app) -> delta.addFocused(sessionId, s, e, app, 1));
    Rollups.write(c, delta);
  }

  /** The time before which raw events are no longer kept ({@code Long.MIN_VALUE}: all are), from the lifecycle row. */
  static long rawKeptFrom(WriterConnection c) throws SQLException {
    return c.query(RollupSql.LIFECYCLE_VALUE, rs -> rs.getLong(1), RAW_KEPT_FROM).stream().findFirst()
      .orElse(Long.MIN_VALUE);
  }

  /** The stored stretches of activity of a session that overlap [from, to), by start. */
  static List<Span> activity(WriterConnection c, String sessionId, long from, long to) throws SQLException {
    List<Span> out = new ArrayList<>();
    for (Span s : c.query(RollupSql.ACTIVITY_OVERLAPPING, RollupSql::span, sessionId, sessionId, from, from, to)) {
      if (s.endMs() > from) {
        out.add(s);
      }
    }
    return out;
  }

  /** Past the last thing stored of a session: its last window, activity and focus change. */
  private long sessionEnd(WriterConnection c, String sessionId) throws SQLException {
    long end = Long.MIN_VALUE;
    for (Long w : c.query(RollupSql.LAST_WINDOW_START, rs -> rs.getObject(1) == null ? null : rs.getLong(1),
      sessionId)) {
      if (w != null) {
        end = Math.max(end, w + windowMs);
      }
    }
    for (Span s : c.query(RollupSql.LAST_ACTIVITY, RollupSql::span, sessionId)) {
      end = Math.max(end, s.endMs());
    }
    for (FocusChange f : c.query(RollupSql.LATEST_FOCUS, RollupSql::change, sessionId)) {
      end = Math.max(end, f.tsMs() + 1);
    }
    return end;
  }

  /** The stored events of a session with from <= timestamp < to, by (timestamp, sequence number). */
  private List<EventBlocks.Entry> events(WriterConnection c, String sessionId, long from, long to) throws SQLException {
    List<EventBlocks.Entry> out = new ArrayList<>();
    record Block(EventType type, byte[] data) {
    }
    for (Block b : c.query(RollupSql.WINDOW_BLOCKS, rs -> new Block(EventType.fromCode(rs.getInt(1)), rs.getBytes(2)),
      sessionId, WindowRules.start(from, windowMs), to)) {
      for (EventBlocks.Entry e : EventBlocks.decode(b.data(), sessionId, b.type())) {
        if (e.event().timestampMs() >= from && e.event().timestampMs() < to) {
          out.add(e);
        }
      }
    }
    out.sort(BY_TIME);
    return out;
  }
}
