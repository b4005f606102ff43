package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.EventType;
import dev.skellyjelly.storage.codecs.ImageFormat;
import dev.skellyjelly.storage.codecs.MeasuredEvents;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.ScreenshotRef;
import dev.skellyjelly.storage.codecs.ScreenshotStorage;
import dev.skellyjelly.storage.impl.Messages.Firing;
import dev.skellyjelly.storage.impl.Messages.FiringsQuery;
import dev.skellyjelly.storage.impl.Messages.LastFirings;
import dev.skellyjelly.storage.impl.Messages.SweepPage;
import dev.skellyjelly.storage.impl.Messages.SweepQuery;
import dev.skellyjelly.storage.impl.Messages.ReplayPlan;
import dev.skellyjelly.storage.impl.Messages.ReplayRequest;
import dev.skellyjelly.storage.impl.Messages.WindowEvents;
import dev.skellyjelly.storage.impl.Messages.WindowKey;
import dev.skellyjelly.storage.impl.Messages.WindowQuery;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the batcher reads back through the writer's connection: at start-up, the plan of what to replay
 * (committed events that no batch covers); afterwards a window's committed events page by page, the windows of
 * a window start it kept no record of (a sweep), and windows' last firings.
 */
final class WindowReader {

  /** Blocks fetched in one query while a page of a window is read. */
  private static final int PAGE_FETCH = 16;
  /** The query for {@link #PAGE_FETCH} blocks; fewer are asked for by repeating the last. */
  private static final String PAGE_FETCH_SQL = Sql.BLOCKS_DATA + "(" + Sql.marks(PAGE_FETCH) + ")";
  /** The last firings of up to {@link #PAGE_FETCH} sessions' windows of one start; fewer by repeating the last. */
  private static final String LAST_FIRINGS_OF_START = "SELECT session_id, max(firing) FROM batches "
    + "WHERE window_start_ms = ? AND session_id IN (" + Sql.marks(PAGE_FETCH) + ") GROUP BY session_id";
  private static final Comparator<EventBlocks.Entry> BY_SEQ = Comparator.comparingLong(EventBlocks.Entry::seq);

  /** A block that may hold events of a page: its number, its first sequence number, its events' type. */
  private record PageBlock(long block, long minSeq, EventType type) {
  }

  /** A block a sweep may read: its number, session, events' type and how many events it holds. */
  private record SweepBlock(long block, long key, String session, EventType type, long events) {
  }

  /**
   * Blocks a page of a sweep reads at most (its events stay within {@code max_events_per_batch} as well). Each page
   * waits for the writer between commits, so under a flood of one-event windows of fresh sessions a page is the
   * number of windows a sweep emits per commit: 256 emitted about a thousand a second, against five thousand such
   * windows a second coming in. The batcher publishes a page's windows a few hundred per event-loop task.
   */
  static final int SWEEP_BLOCKS = 4_096;

  /** A fetched block's number and encoded events. */
  private record BlockData(long block, byte[] data) {
  }

  private WindowReader() {
  }

  /**
   * The windows whose committed events outnumber what their batches cover, split by whether they are closed
   * at the request's time, with the firings still remembered then and the last sequence number {@code lastSeq}.
   */
  static ReplayPlan replayPlan(WriterConnection c, ReplayRequest req, long lastSeq) throws SQLException {
    List<WindowKey> due = new ArrayList<>();
    List<WindowKey> open = new ArrayList<>();
    Map<WindowKey, Long> counts = new HashMap<>();
    c.query(Sql.UNCOVERED_WINDOWS, rs -> {
      WindowKey key = new WindowKey(rs.getString(1), rs.getLong(2));
      (req.rules().isClosed(key.windowStartMs(), req.nowMs()) ? due : open).add(key);
      counts.put(key, rs.getLong(3));
      return key;
    });
    List<Firing> firings = c.query(Sql.LAST_FIRINGS,
      rs -> new Firing(rs.getString(1), rs.getLong(2), rs.getLong(3)), WindowRules.firingMemorySince(req.nowMs()));
    return new ReplayPlan(due, open, firings, counts, lastSeq);
  }

  /**
   * The page of a window's events that {@code q} asks for, with every screenshot of the window. Its events are
   * packed and measured here, on the writer's thread, as the batcher gathers a window's ({@link MeasuredEvents}):
   * the batch a page becomes then has its text written from their bytes on the event loop, in about half the time
   * its records took (9 against 21 ms for 30 000 events in {@code bench}), and is a fraction of their heap.
   */
  static WindowEvents page(WriterConnection c, WindowQuery q) throws SQLException {
    List<EventBlocks.Entry> events = readPage(c, q);
    List<RawEvent> plain = new MeasuredEvents();
    for (EventBlocks.Entry e : events) {
      plain.add(e.event());
    }
    long last = events.isEmpty() ? q.afterSeq() : events.get(events.size() - 1).seq();
    return new WindowEvents(q.sessionId(), q.windowStartMs(), plain, refs(c, q.sessionId(), q.windowStartMs()), last);
  }

  /**
   * Every screenshot of a window, as it is kept now: one whose deletion is recorded (a previous run's, by the
   * start-up sweep) is {@code deleted}, else where it was stored.
   */
  private static List<ScreenshotRef> refs(WriterConnection c, String session, long windowStartMs) throws SQLException {
    List<ScreenshotRef> refs = new ArrayList<>();
    for (ScreenshotRef ref : c.query(Sql.WINDOW_SCREENSHOTS, rs -> "none".equals(rs.getString(7)) ? null
      : new ScreenshotRef(rs.getString(1), rs.getLong(2), ImageFormat.fromWireName(rs.getString(3)), rs.getLong(4),
        rs.getInt(5), rs.getInt(6), rs.getObject(8) != null ? ScreenshotStorage.DELETED
        : ScreenshotStorage.fromWireName(rs.getString(7))), session, windowStartMs)) {
      if (ref != null) {
        refs.add(ref);
      }
    }
    return refs;
  }

  /**
   * The next page of a sweep of one window start: whole windows in session order, {@code maxEvents} events at
   * most, read from at most {@link #SWEEP_BLOCKS} blocks. A window larger than a page is named, not read.
   */
  static SweepPage sweepPage(WriterConnection c, SweepQuery q) throws SQLException {
    List<SweepBlock> blocks = c.query(Sql.SWEEP_BLOCKS, rs -> new SweepBlock(rs.getLong(1), rs.getLong(2),
        rs.getString(3), EventType.fromCode(rs.getInt(4)), rs.getLong(5)),
      q.windowStartMs(), q.afterKey(), q.afterSeq(), q.uptoSeq(), SWEEP_BLOCKS);
    Map<String, List<SweepBlock>> bySession = new LinkedHashMap<>();
    Map<String, Long> keys = new HashMap<>();
    for (SweepBlock b : blocks) {
      bySession.computeIfAbsent(b.session(), k -> new ArrayList<>()).add(b);
      keys.put(b.session(), b.key());
    }
    List<String> sessions = new ArrayList<>(bySession.keySet());
    boolean more = blocks.size() == SWEEP_BLOCKS;
    if (more && sessions.size() > 1) {
      // The last session's blocks may go on past this page: it starts the next one.
      sessions.remove(sessions.size() - 1);
    }
    List<String> taken = new ArrayList<>();
    long events = 0;
    for (String session : sessions) {
      long n = bySession.get(session).stream().mapToLong(SweepBlock::events).sum();
      boolean alone = taken.isEmpty() && (n > q.maxEvents() || more && sessions.size() == 1);
      if (alone) {
        Object[] params = {session, q.windowStartMs(), q.afterSeq(), q.uptoSeq()};
        long count = c.query(Sql.WINDOW_EVENTS_AT_MOST, rs -> rs.getLong(1), params).get(0);
        return new SweepPage(List.of(), lastFirings(c, new FiringsQuery(List.of(new WindowKey(session,
          q.windowStartMs())))).firings(), session, count, keys.get(session));
      }
      if (events + n > q.maxEvents()) {
        more = true;
        break;
      }
      taken.add(session);
      events += n;
    }
    if (taken.size() < sessions.size()) {
      more = true;
    }
    // The taken windows' blocks, PAGE_FETCH to a query whatever their sessions (a flood's windows hold one block
    // each), and their last firings as many to a query.
    List<SweepBlock> takenBlocks = new ArrayList<>();
    for (String session : taken) {
      takenBlocks.addAll(bySession.get(session));
    }
    Map<String, List<EventBlocks.Entry>> bySessionEntries = new HashMap<>();
    for (int i = 0; i < takenBlocks.size(); i += PAGE_FETCH) {
      fetch(c, takenBlocks.subList(i, Math.min(takenBlocks.size(), i + PAGE_FETCH)), q.afterSeq(), q.uptoSeq(),
        bySessionEntries);
    }
    List<WindowEvents> windows = new ArrayList<>();
    List<String> read = new ArrayList<>();
    for (String session : taken) {
      List<EventBlocks.Entry> entries = bySessionEntries.get(session);
      if (entries == null) {
        continue;
      }
      entries.sort(BY_SEQ);
      List<RawEvent> plain = new ArrayList<>(entries.size());
      boolean shots = false;
      for (EventBlocks.Entry e : entries) {
        plain.add(e.event());
        shots |= e.event().eventType() == EventType.SCREENSHOT;
      }
      windows.add(new WindowEvents(session, q.windowStartMs(), plain,
        shots ? refs(c, session, q.windowStartMs()) : List.of(), entries.get(entries.size() - 1).seq()));
      read.add(session);
    }
    List<Firing> firings = lastFirings(c, q.windowStartMs(), read);
    return new SweepPage(windows, firings, null, 0, more && !taken.isEmpty() ? keys.get(taken.get(taken.size() - 1)) : null);
  }

  /** The last firing of each window asked about that has fired. */
  static LastFirings lastFirings(WriterConnection c, FiringsQuery q) throws SQLException {
    List<Firing> firings = new ArrayList<>();
    for (WindowKey key : q.keys()) {
      for (Firing f : c.query(Sql.LAST_FIRING, rs -> {
        long last = rs.getLong(1);
        return rs.wasNull() ? null : new Firing(key.sessionId(), key.windowStartMs(), last);
      }, key.sessionId(), key.windowStartMs())) {
        if (f != null) {
          firings.add(f);
        }
      }
    }
    return new LastFirings(firings);
  }

  /**
   * Reads the data of up to {@link #PAGE_FETCH} blocks, of any sessions, and keeps their events in the range, by
   * session.
   */
  private static void fetch(WriterConnection c, List<SweepBlock> blocks, long afterSeq, long uptoSeq,
                            Map<String, List<EventBlocks.Entry>> into) throws SQLException {
    Object[] ids = new Object[PAGE_FETCH];
    Map<Long, SweepBlock> byNumber = new HashMap<>();
    for (int i = 0; i < PAGE_FETCH; i++) {
      SweepBlock b = blocks.get(Math.min(blocks.size() - 1, i));
      ids[i] = b.block();
      byNumber.put(b.block(), b);
    }
    for (BlockData row : c.query(PAGE_FETCH_SQL, rs -> new BlockData(rs.getLong(1), rs.getBytes(2)), ids)) {
      SweepBlock b = byNumber.get(row.block());
      for (EventBlocks.Entry e : EventBlocks.decode(row.data(), b.session(), b.type())) {
        if (e.seq() > afterSeq && e.seq() <= uptoSeq) {
          into.computeIfAbsent(b.session(), k -> new ArrayList<>()).add(e);
        }
      }
    }
  }

  /** The last firing of each of these sessions' windows of one start that has fired, {@link #PAGE_FETCH} a query. */
  private static List<Firing> lastFirings(WriterConnection c, long windowStartMs, List<String> sessions)
    throws SQLException {
    List<Firing> firings = new ArrayList<>();
    for (int from = 0; from < sessions.size(); from += PAGE_FETCH) {
      Object[] params = new Object[PAGE_FETCH + 1];
      params[0] = windowStartMs;
      for (int i = 0; i < PAGE_FETCH; i++) {
        params[i + 1] = sessions.get(Math.min(sessions.size() - 1, from + i));
      }
      firings.addAll(c.query(LAST_FIRINGS_OF_START, rs -> new Firing(rs.getString(1), windowStartMs, rs.getLong(2)),
        params));
    }
    return firings;
  }

  /**
   * The first {@code limit} committed events of a window after {@code afterSeq} (up to {@code uptoSeq}), in
   * commit order. Blocks are read in the order their events begin, a few per query, and no longer once the next
   * one begins after the last event the page needs: a page costs the blocks it overlaps, whatever the window's size.
   */
  private static List<EventBlocks.Entry> readPage(WriterConnection c, WindowQuery q) throws SQLException {
    List<PageBlock> blocks = c.query(Sql.PAGE_BLOCKS,
      rs -> new PageBlock(rs.getLong(1), rs.getLong(2), EventType.fromCode(rs.getInt(3))),
      q.sessionId(), q.windowStartMs(), q.afterSeq(), q.uptoSeq());
    List<EventBlocks.Entry> page = new ArrayList<>();
    for (int next = 0; next < blocks.size(); ) {
      if (page.size() >= q.limit()) {
        trim(page, q.limit());
        if (blocks.get(next).minSeq() > page.get(page.size() - 1).seq()) {
          return page;
        }
      }
      // The next few blocks in one query: a page usually needs a few dozen (one per type and commit).
      int end = Math.min(blocks.size(), next + PAGE_FETCH);
      List<Long> ids = new ArrayList<>(PAGE_FETCH);
      Map<Long, EventType> types = new HashMap<>();
      for (int i = 0; i < PAGE_FETCH; i++) {
        PageBlock block = blocks.get(Math.min(end - 1, next + i));
        ids.add(block.block());
        types.put(block.block(), block.type());
      }
      for (BlockData row : c.query(PAGE_FETCH_SQL, rs -> new BlockData(rs.getLong(1), rs.getBytes(2)), ids.toArray())) {
        for (EventBlocks.Entry e : EventBlocks.decode(row.data(), q.sessionId(), types.get(row.block()))) {
          if (e.seq() > q.afterSeq() && e.seq() <= q.uptoSeq()) {
            page.add(e);
          }
        }
      }
      next = end;
    }
    trim(page, q.limit());
    return page;
  }

  /** Sorts {@code page} by sequence number and keeps its first {@code limit} events. */
  private static void trim(List<EventBlocks.Entry> page, int limit) {
    page.sort(BY_SEQ);
    if (page.size() > limit) {
      page.subList(limit, page.size()).clear();
    }
  }
}
