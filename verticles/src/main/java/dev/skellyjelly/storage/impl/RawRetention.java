package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.impl.Messages.WindowKey;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Removes raw data before a bound, one step at a time: whole windows (their blocks, counts and batch rows in
 * one transaction, so {@code event_counts} counts what is still stored and no window ever looks un-emitted),
 * oldest first, a few window starts a step; the window titles of the screenshots of those windows; then the
 * focus changes (each session's last one before the bound stays) and active time before it. A window whose
 * events are not all emitted yet is left for a later pass. The bound is recorded first (lifecycle
 * {@code raw_kept_from_ms}), so the rollups of what goes are never recomputed from what is left.
 */
final class RawRetention {

  private enum Phase { WINDOWS, FOCUS, ACTIVITY, DONE }

  private final long bound;
  private final long windowMs;
  private final StepSize starts;
  /** Focus changes one step removes, about (a step ends at a change's time). */
  private final StepSize focusRows = new StepSize(512, 32, 2048);
  private Phase phase = Phase.WINDOWS;
  /** The last window start handled: later steps look after it. */
  private long cursor = Long.MIN_VALUE;
  private long focusCursor = Long.MIN_VALUE;
  private long events;
  private long windows;
  private long kept;

  /**
   * @param bound  raw events before it go: windows that end by it
   * @param starts how many window starts one step removes, shared by the passes so it stays adapted
   */
  RawRetention(long bound, long windowMs, StepSize starts) {
    this.bound = bound;
    this.windowMs = windowMs;
    this.starts = starts;
  }

  /** What the next step removes, for the log. */
  String phase() {
    return phase.name().toLowerCase(java.util.Locale.ROOT);
  }

  /** The step size the next step uses (told how long the checkpoint after it took), null for a single statement. */
  StepSize sizeInUse() {
    return switch (phase) {
      case WINDOWS -> starts;
      case FOCUS -> focusRows;
      default -> null;
    };
  }

  /** Events removed so far. */
  long events() {
    return events;
  }

  long windows() {
    return windows;
  }

  /** Windows before the bound left because their events are not all emitted. */
  long kept() {
    return kept;
  }

  /** One step; whether more remain. */
  boolean step(WriterConnection db) throws SQLException {
    switch (phase) {
      case WINDOWS -> windowsStep(db);
      case FOCUS -> focusStep(db);
      case ACTIVITY -> {
        db.rewrite(c -> c.update(RetentionSql.DELETE_ACTIVITY, bound));
        phase = Phase.DONE;
      }
      case DONE -> {
      }
    }
    return phase != Phase.DONE;
  }

  private void windowsStep(WriterConnection db) throws SQLException {
    long lastStart = bound - windowMs;
    long started = System.nanoTime();
    if (cursor == Long.MIN_VALUE) {
      // Before anything goes: the rollups of what goes are final from now on.
      db.rewrite(c -> c.update(RetentionSql.RAW_KEPT_FROM, bound));
    }
    List<Long> found = db.read(c -> c.query(RetentionSql.WINDOW_STARTS, rs -> rs.getLong(1), cursor, lastStart + 1,
      starts.get()));
    if (found.isEmpty()) {
      // The screenshots of the windows after the last one removed (windows with no events left) too.
      long from = cursor;
      db.rewrite(c -> c.update(RetentionSql.CLEAR_TITLES, from, lastStart));
      cursor = lastStart;
      phase = Phase.FOCUS;
      return;
    }
    long lo = found.get(0);
    long hi = found.get(found.size() - 1);
    List<WindowKey> covered = new ArrayList<>();
    long[] coveredEvents = {0};
    db.read(c -> c.query(RetentionSql.COVERAGE, rs -> {
      long n = rs.getLong(3);
      if (n <= Math.max(rs.getLong(4), rs.getLong(5))) {
        covered.add(new WindowKey(rs.getString(1), rs.getLong(2)));
        coveredEvents[0] += n;
      } else {
        kept++;
      }
      return null;
    }, lo, hi, lo, hi, lo, hi));
    long from = cursor;
    db.rewrite(c -> {
      c.writeAll(RetentionSql.DELETE_BLOCKS, covered);
      c.writeAll(RetentionSql.DELETE_COUNTS, covered);
      c.writeAll(RetentionSql.DELETE_BATCHES, covered);
      c.writeAll(RetentionSql.DELETE_IMPORTED, covered);
      c.update(RetentionSql.CLEAR_TITLES, from, hi);
      return null;
    });
    starts.took(System.nanoTime() - started);
    events += coveredEvents[0];
    windows += covered.size();
    cursor = hi;
  }

  private void focusStep(WriterConnection db) throws SQLException {
    Long next = db.read(c -> c.query(RetentionSql.NEXT_FOCUS, RawRetention::nullableLong, focusCursor)).get(0);
    if (next == null || next >= bound) {
      phase = Phase.ACTIVITY;
      return;
    }
    long started = System.nanoTime();
    Long after = db.read(c -> c.query(RetentionSql.FOCUS_AFTER_ROWS, RawRetention::nullableLong, next,
      focusRows.get())).stream().findFirst().orElse(null);
    long sliceEnd = after == null ? bound : Math.min(bound, Math.max(after, next + 1));
    db.rewrite(c -> c.update(RetentionSql.DELETE_FOCUS, next, sliceEnd, bound));
    focusRows.took(System.nanoTime() - started);
    focusCursor = sliceEnd;
  }

  static Long nullableLong(ResultSet rs) throws SQLException {
    long v = rs.getLong(1);
    return rs.wasNull() ? null : v;
  }
}
