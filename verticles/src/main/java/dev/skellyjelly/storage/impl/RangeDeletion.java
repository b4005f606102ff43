package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.EventType;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Screenshot;
import dev.skellyjelly.storage.codecs.Uuids;
import dev.skellyjelly.storage.codecs.WindowFocus;
import dev.skellyjelly.storage.impl.FocusRule.FocusChange;
import dev.skellyjelly.storage.impl.FocusRule.Span;
import dev.skellyjelly.storage.impl.Messages.WindowKey;
import dev.skellyjelly.storage.impl.Messages.WindowRemoval;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Removes the events of a {@link DeletionRequest} from the database, in the caller's transaction (or only counts
 * them, for a dry run, changing nothing). The blocks of the windows overlapping the range are decoded one at a
 * time: a block whose events all go is deleted, one that keeps some is rewritten with them (their sequence
 * numbers kept). With them go their {@code window_counts}, their de-duplication ids, their screenshots' rows,
 * the {@code batches} rows of windows left empty; the rollups of each session touched are rebuilt from what is
 * left. An {@code app} takes the events the focus rule attributes to it (as stored before the deletion) and its
 * own window-focus and screenshot events.
 */
final class RangeDeletion {

  private static final long HOUR_MS = 3_600_000L;
  private static final String BLOCKS = "SELECT e.block, s.session_id, e.window_start_ms, e.event_type FROM event_blocks e "
    + "JOIN sessions s ON s.sk = e.sk WHERE e.window_start_ms >= ? AND e.window_start_ms < ? "
    + "ORDER BY e.sk, e.window_start_ms, e.event_type, e.block";
  private static final String REWRITE_BLOCK = "UPDATE event_blocks SET n = ?, min_seq = ?, max_seq = ?, data = ? "
    + "WHERE block = ?";
  private static final String SUBTRACT_COUNT = "UPDATE window_counts SET n = n - ? WHERE sk = " + Sql.SK
    + " AND window_start_ms = ? AND event_type = ?";
  private static final String DROP_EMPTY_COUNTS = "DELETE FROM window_counts WHERE sk = " + Sql.SK
    + " AND window_start_ms = ? AND n <= 0";
  private static final String WINDOW_EVENTS = "SELECT coalesce(sum(n), 0) FROM window_counts WHERE sk = " + Sql.SK
    + " AND window_start_ms = ?";
  private static final String WINDOW_BATCHES = "SELECT count(*) FROM batches WHERE session_id = ? AND window_start_ms = ?";
  private static final String DELETE_BATCHES = "DELETE FROM batches WHERE session_id = ? AND window_start_ms = ?";
  private static final String DELETE_IMPORTED = "DELETE FROM imported_windows WHERE sk = " + Sql.SK
    + " AND window_start_ms = ?";
  private static final String SCREENSHOT_ROWS = "SELECT count(*) FROM screenshots WHERE screenshot_id = ?";
  private static final String DELETE_SCREENSHOT = "DELETE FROM screenshots WHERE screenshot_id = ?";
  private static final List<String> DELETE_RECENT = List.of("DELETE FROM recent_ids_0 WHERE id = ?",
    "DELETE FROM recent_ids_1 WHERE id = ?");

  /**
   * What a deletion removed (or, dry, would remove).
   *
   * @param bytesFreed    the bytes of stored events the removal frees: the blocks deleted, and what the blocks
   *                      rewritten lose
   * @param screenshotIds the screenshots whose events were removed, rows or not
   * @param removals      for each window asked about that lost events, what it lost
   */
  record Outcome(long events, int screenshots, int batches, long bytesFreed, List<String> screenshotIds,
                 List<WindowRemoval> removals) {
  }

  /** What one session lost: the time span of its removed events and its last removed focus change. */
  private static final class SessionLoss {
    long minTs = Long.MAX_VALUE;
    long maxTs = Long.MIN_VALUE;
    long lastFocusTs = Long.MIN_VALUE;
  }

  /** What one window lost, by type, and of it what the batcher wants to know. */
  private static final class WindowLoss {
    final Map<EventType, Long> byType = new LinkedHashMap<>();
    final Set<String> ids = new HashSet<>();
    final Set<String> screenshots = new HashSet<>();
    long afterSeqCount;
    /** Whether it lost events committed after the batcher said what it had (so it may hold them unasked). */
    boolean fresh;
  }

  private record BlockRef(long block, String session, long windowStartMs, EventType type) {
  }

  private final long windowMs;

  RangeDeletion(long windowMs) {
    this.windowMs = windowMs;
  }

  /**
   * Removes (or, for a dry run, counts) the events {@code r} names.
   *
   * @param watched the windows whose losses the caller wants itemised, each with the sequence number after which a
   *                window kept only as a count counts its events ({@code null}: itemise its event ids instead)
   * @param freshAfterSeq events with a greater sequence number are itemised by id whatever their window
   */
  Outcome run(WriterConnection c, DeletionRequest r, Rollups rollups, Map<WindowKey, Long> watched, long freshAfterSeq)
    throws SQLException {
    List<Span> pauses = c.query(RollupSql.PAUSES, RollupSql::span);
    List<BlockRef> blocks = new ArrayList<>();
    for (BlockRef b : c.query(BLOCKS, rs -> new BlockRef(rs.getLong(1), rs.getString(2), rs.getLong(3),
      EventType.fromCode(rs.getInt(4))), WindowRules.start(r.fromMs(), windowMs), r.toMs())) {
      if (r.types() == null || r.types().contains(b.type())) {
        blocks.add(b);
      }
    }
    Map<String, SessionLoss> sessions = new LinkedHashMap<>();
    Map<WindowKey, WindowLoss> windows = new LinkedHashMap<>();
    List<String> screenshotIds = new ArrayList<>();
    String focusSession = null;
    List<FocusChange> focus = List.of();
    long events = 0;
    long bytesFreed = 0;
    for (BlockRef b : blocks) {
      if (r.app() != null && !b.session().equals(focusSession)) {
        focusSession = b.session();
        focus = c.query(RollupSql.FOCUS_CHANGES, RollupSql::change, focusSession, focusSession, r.fromMs(), r.fromMs(),
          r.toMs());
      }
      byte[] data = c.query(Sql.BLOCK_DATA, rs -> rs.getBytes(1), b.block()).get(0);
      List<EventBlocks.Entry> keep = new ArrayList<>();
      List<EventBlocks.Entry> gone = new ArrayList<>();
      for (EventBlocks.Entry e : EventBlocks.decode(data, b.session(), b.type())) {
        (matches(r, e, focus, pauses) ? gone : keep).add(e);
      }
      if (gone.isEmpty()) {
        continue;
      }
      events += gone.size();
      WindowKey key = new WindowKey(b.session(), b.windowStartMs());
      WindowLoss loss = windows.computeIfAbsent(key, k -> new WindowLoss());
      loss.byType.merge(b.type(), (long) gone.size(), Long::sum);
      SessionLoss s = sessions.computeIfAbsent(b.session(), k -> new SessionLoss());
      Long afterSeq = watched.get(key);
      for (EventBlocks.Entry e : gone) {
        RawEvent ev = e.event();
        s.minTs = Math.min(s.minTs, ev.timestampMs());
        s.maxTs = Math.max(s.maxTs, ev.timestampMs());
        if (ev.data() instanceof WindowFocus) {
          s.lastFocusTs = Math.max(s.lastFocusTs, ev.timestampMs());
        }
        if (ev.data() instanceof Screenshot shot) {
          screenshotIds.add(shot.screenshotId());
          loss.screenshots.add(shot.screenshotId());
        }
        if (watched.containsKey(key)) {
          if (afterSeq == null) {
            loss.ids.add(ev.id());
          } else if (e.seq() > afterSeq) {
            loss.afterSeqCount++;
          }
        } else if (e.seq() > freshAfterSeq) {
          loss.ids.add(ev.id());
          loss.fresh = true;
        }
        if (!r.dryRun()) {
          byte[] id = Uuids.toBytes(ev.id());
          for (String sql : DELETE_RECENT) {
            c.update(sql, (Object) id);
          }
        }
      }
      byte[] rewritten = keep.isEmpty() ? null : EventBlocks.encode(keep);
      bytesFreed += data.length - (rewritten == null ? 0 : rewritten.length);
      if (!r.dryRun()) {
        if (rewritten == null) {
          c.update(Sql.DELETE_BLOCK, b.block());
        } else {
          c.update(REWRITE_BLOCK, keep.size(), keep.get(0).seq(), keep.get(keep.size() - 1).seq(), rewritten, b.block());
        }
      }
    }
    int screenshots = 0;
    for (String id : screenshotIds) {
      screenshots += r.dryRun() ? (int) (long) c.query(SCREENSHOT_ROWS, rs -> rs.getLong(1), id).get(0)
        : c.update(DELETE_SCREENSHOT, id);
    }
    int batches = 0;
    List<WindowRemoval> removals = new ArrayList<>();
    for (Map.Entry<WindowKey, WindowLoss> w : windows.entrySet()) {
      WindowKey key = w.getKey();
      WindowLoss loss = w.getValue();
      long lost = 0;
      for (Map.Entry<EventType, Long> t : loss.byType.entrySet()) {
        lost += t.getValue();
        if (!r.dryRun()) {
          c.update(SUBTRACT_COUNT, t.getValue(), key.sessionId(), key.windowStartMs(), t.getKey().code());
        }
      }
      if (!r.dryRun()) {
        c.update(DROP_EMPTY_COUNTS, key.sessionId(), key.windowStartMs());
      }
      long left = c.query(WINDOW_EVENTS, rs -> rs.getLong(1), key.sessionId(), key.windowStartMs()).get(0)
        - (r.dryRun() ? lost : 0);
      if (left <= 0) {
        batches += r.dryRun() ? (int) (long) c.query(WINDOW_BATCHES, rs -> rs.getLong(1), key.sessionId(),
          key.windowStartMs()).get(0) : c.update(DELETE_BATCHES, key.sessionId(), key.windowStartMs());
        if (!r.dryRun()) {
          // An emptied window's import record goes with its batch rows: a later import counts afresh.
          c.update(DELETE_IMPORTED, key.sessionId(), key.windowStartMs());
        }
      }
      if (watched.containsKey(key) || loss.fresh) {
        removals.add(new WindowRemoval(key, loss.ids, loss.screenshots, loss.afterSeqCount));
      }
    }
    if (!r.dryRun()) {
      for (Map.Entry<String, SessionLoss> s : sessions.entrySet()) {
        recompute(c, rollups, s.getKey(), s.getValue());
      }
    }
    return new Outcome(events, screenshots, batches, bytesFreed, screenshotIds, removals);
  }

  /**
   * Rebuilds a session's rollups over the time its removed events spanned, an hour at a time (so that no more than
   * an hour of its events is in memory at once), and on to its next focus change when a focus change was removed:
   * the events up to there were attributed to the app it gave the focus.
   */
  private static void recompute(WriterConnection c, Rollups rollups, String session, SessionLoss s) throws SQLException {
    long to = s.maxTs + 1;
    boolean toEnd = false;
    if (s.lastFocusTs != Long.MIN_VALUE) {
      Long next = c.query(RollupSql.NEXT_FOCUS_TS, rs -> rs.getObject(1) == null ? null : rs.getLong(1), session,
        s.lastFocusTs).get(0);
      if (next == null) {
        toEnd = true;
      } else {
        to = Math.max(to, next + 1);
      }
    }
    for (long from = s.minTs; from < to; from = RollupDelta.floor(from, HOUR_MS) + HOUR_MS) {
      rollups.recompute(c, session, from, Math.min(to, RollupDelta.floor(from, HOUR_MS) + HOUR_MS));
    }
    if (toEnd) {
      rollups.recompute(c, session, to, FocusRule.FOREVER);
    }
  }

  private static boolean matches(DeletionRequest r, EventBlocks.Entry entry, List<FocusChange> focus, List<Span> pauses) {
    RawEvent e = entry.event();
    if (e.timestampMs() < r.fromMs() || e.timestampMs() >= r.toMs()) {
      return false;
    }
    if (r.types() != null && !r.types().contains(e.eventType())) {
      return false;
    }
    if (r.app() == null) {
      return true;
    }
    if (e.data() instanceof WindowFocus f && r.app().equals(f.appName())
      || e.data() instanceof Screenshot s && r.app().equals(s.appName())) {
      return true;
    }
    return r.app().equals(FocusRule.appAt(focus, pauses, e.timestampMs(), entry.seq()));
  }
}
