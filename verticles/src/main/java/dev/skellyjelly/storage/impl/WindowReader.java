package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.EventType;
import dev.skellyjelly.storage.codecs.ImageFormat;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.ScreenshotRef;
import dev.skellyjelly.storage.codecs.ScreenshotStorage;
import dev.skellyjelly.storage.codecs.Uuids;
import dev.skellyjelly.storage.impl.Messages.Firing;
import dev.skellyjelly.storage.impl.Messages.ReplayPlan;
import dev.skellyjelly.storage.impl.Messages.ReplayRequest;
import dev.skellyjelly.storage.impl.Messages.WindowEvents;
import dev.skellyjelly.storage.impl.Messages.WindowKey;
import dev.skellyjelly.storage.impl.Messages.WindowQuery;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the batcher reads back through the writer's connection: at start-up, the plan of what to replay
 * (committed events that no batch covers), and afterwards a window's committed events page by page.
 */
final class WindowReader {

  /** Blocks fetched in one query while a page of a window is read. */
  private static final int PAGE_FETCH = 16;
  /** The query for {@link #PAGE_FETCH} blocks; fewer are asked for by repeating the last. */
  private static final String PAGE_FETCH_SQL = Sql.BLOCKS_DATA + "(" + Sql.marks(PAGE_FETCH) + ")";
  private static final Comparator<EventBlocks.Entry> BY_SEQ = Comparator.comparingLong(EventBlocks.Entry::seq);

  /** A block that may hold events of a page: its number, its first sequence number, its events' type. */
  private record PageBlock(long block, long minSeq, EventType type) {
  }

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

  /** The page of a window's events that {@code q} asks for, with every screenshot of the window. */
  static WindowEvents page(WriterConnection c, WindowQuery q) throws SQLException {
    List<EventBlocks.Entry> events = readPage(c, q);
    List<ScreenshotRef> refs = new ArrayList<>();
    for (ScreenshotRef ref : c.query(Sql.WINDOW_SCREENSHOTS, rs -> "none".equals(rs.getString(7)) ? null
      // Whatever a previous run held is gone now: memory with the process, files with the start-up sweep.
      : new ScreenshotRef(rs.getString(1), rs.getLong(2), ImageFormat.fromWireName(rs.getString(3)), rs.getLong(4),
        rs.getInt(5), rs.getInt(6), ScreenshotStorage.DELETED), q.sessionId(), q.windowStartMs())) {
      if (ref != null) {
        refs.add(ref);
      }
    }
    List<RawEvent> plain = new ArrayList<>(events.size());
    for (EventBlocks.Entry e : events) {
      plain.add(e.event());
    }
    long last = events.isEmpty() ? q.afterSeq() : events.get(events.size() - 1).seq();
    return new WindowEvents(q.sessionId(), q.windowStartMs(), plain, refs, last);
  }

  /**
   * The first {@code limit} committed events of a window after {@code afterSeq} (up to {@code uptoSeq}), in
   * commit order. Blocks are read in the order their events begin, a few per query, and no longer once the next
   * one begins after the last event the page needs: a page costs the blocks it overlaps, whatever the window's size.
   */
  private static List<EventBlocks.Entry> readPage(WriterConnection c, WindowQuery q) throws SQLException {
    List<PageBlock> blocks = c.query(Sql.PAGE_BLOCKS,
      rs -> new PageBlock(rs.getLong(1), rs.getLong(2), EventType.fromCode(rs.getInt(3))),
      Uuids.toBytes(q.sessionId()), q.windowStartMs(), q.afterSeq(), q.uptoSeq());
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
