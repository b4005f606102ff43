package dev.skellyjelly.storage.query;

import dev.skellyjelly.storage.codecs.EventJson;
import dev.skellyjelly.storage.codecs.EventType;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Timestamps;
import dev.skellyjelly.storage.codecs.Uuids;
import dev.skellyjelly.storage.impl.SessionKeys;
import graphql.schema.DataFetchingEnvironment;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code events}: read from the blocks of the windows that overlap the range, window start by window start (the
 * windows partition time, so a page is complete once the windows read hold more than a page), ordered by
 * timestamp then commit sequence. The cursor holds the snapshot (the largest sequence number in the range's
 * blocks at the first page) and the last position given: later commits never show up in later pages, and every
 * event of the snapshot comes back exactly once.
 */
final class EventsResolver {

  /** Block places read per statement. */
  private static final int META_LIMIT = 4096;
  /** Windows are decoded together until they hold about this many events (bounds the memory a page takes). */
  private static final long CHUNK_EVENTS = 20_000;
  private static final String KIND = "e1";
  /** A block's place (see {@link BlockReader#meta}), its events and its session's key, from event_blocks e. */
  private static final String PLACE = "SELECT e.block, s.session_id, e.window_start_ms, e.event_type, e.n, e.sk "
    + "FROM event_blocks e JOIN sessions s ON s.sk = e.sk WHERE ";
  private static final Comparator<Hit> ORDER = Comparator.comparingLong((Hit h) -> h.event().timestampMs())
    .thenComparingLong(Hit::seq);

  private final QueryContext ctx;
  private final BlockReader blocks;

  EventsResolver(QueryContext ctx) {
    this.ctx = ctx;
    this.blocks = new BlockReader(ctx);
  }

  /** An event in a page, with its sequence number and the app it is attributed to. */
  record Hit(long seq, RawEvent event, String app) {
  }

  /** A block's place, its events, and its session's key (the order of places is window start, sk, block). */
  private record Place(BlockReader.Meta meta, long n, long sk) {
  }

  Future<Map<String, Object>> events(DataFetchingEnvironment env) {
    Args.Range r = Args.range(env);
    List<EventType> types = Args.types(env);
    String sessionArg = env.getArgument("sessionId");
    if (sessionArg != null && !Uuids.isCanonical(sessionArg)) {
      throw new BadArgument("sessionId", "is not a UUID");
    }
    String session = sessionArg == null ? null : Uuids.normalize(sessionArg);
    String app = env.getArgument("app");
    int first = Args.first(env);
    long[] cursor = Cursor.decode(KIND, env.getArgument("after"), 3);
    long cutoff = Args.retentionCutoff(ctx.nowMs(), ctx.config().rawRetentionDays());
    if (r.from() < cutoff) {
      throw new BadArgument("from", "raw events are kept " + ctx.config().rawRetentionDays() + " days: from "
        + Timestamps.format(cutoff) + " on");
    }
    long w = ctx.config().batchWindowMs();
    long firstWindow = Math.floorDiv(r.from(), w) * w;
    // One read transaction per page: the blocks found are the blocks read, whatever the writer compacts meanwhile.
    return ctx.pool().inOneSnapshot(reads -> {
      Future<Long> snapshot = cursor != null ? Future.succeededFuture(cursor[0])
        : reads.query("SELECT coalesce(max(max_seq), 0) FROM event_blocks").map(rows -> ReadPool.num(rows.iterator().next(), 0));
      return snapshot.compose(s -> {
        Scan scan = new Scan(reads, r, types, session, app, first, s, cursor == null ? Long.MIN_VALUE : cursor[1],
          cursor == null ? Long.MIN_VALUE : cursor[2]);
        long start = cursor == null ? firstWindow : Math.max(firstWindow, Math.floorDiv(cursor[1], w) * w);
        return scan.from(start).compose(v -> scan.page());
      });
    });
  }

  /** One page's walk through the windows. */
  private final class Scan {
    final Reads reads;
    final Args.Range range;
    final String typeSql;
    final String session;
    final String app;
    final int first;
    final long snapshot;
    final long afterTs;
    final long afterSeq;
    final List<Hit> hits = new ArrayList<>();
    final List<Place> pending = new ArrayList<>();
    /**
     * An event of the snapshot and the range follows those held (found without making it). Set, only ever to true,
     * by the decoding tasks of a chunk, which may run at once on several worker threads.
     */
    volatile boolean following;

    Scan(Reads reads, Args.Range range, List<EventType> types, String session, String app, int first, long snapshot, long afterTs,
         long afterSeq) {
      this.reads = reads;
      this.range = range;
      this.typeSql = Args.typeFilter("e.event_type", types);
      this.session = session;
      this.app = app;
      this.first = first;
      this.snapshot = snapshot;
      this.afterTs = afterTs;
      this.afterSeq = afterSeq;
    }

    Future<Void> from(long windowStart) {
      String sql = PLACE + "e.window_start_ms >= ? AND e.window_start_ms < ? AND coalesce(e.min_seq, 0) <= ?" + typeSql
        + (session != null ? " AND e.sk = " + SessionKeys.OF_ID : "") + " ORDER BY e.window_start_ms, e.sk, e.block LIMIT " + META_LIMIT;
      return meta(sql, session != null ? new Object[]{windowStart, range.to(), snapshot, session}
        : new Object[]{windowStart, range.to(), snapshot});
    }

    private Future<Void> after(Place last) {
      String sql = PLACE + "(e.window_start_ms, e.sk, e.block) > (?, ?, ?) AND e.window_start_ms < ? "
        + "AND coalesce(e.min_seq, 0) <= ?" + typeSql + (session != null ? " AND e.sk = " + SessionKeys.OF_ID : "")
        + " ORDER BY e.window_start_ms, e.sk, e.block LIMIT " + META_LIMIT;
      BlockReader.Meta m = last.meta();
      Object[] params = {m.windowStartMs(), last.sk(), m.block(), range.to(), snapshot};
      if (session != null) {
        params = new Object[]{m.windowStartMs(), last.sk(), m.block(), range.to(), snapshot, session};
      }
      return meta(sql, params);
    }

    private Future<Void> meta(String sql, Object[] params) {
      return reads.query(sql, params).compose(rows -> {
        for (Row row : rows) {
          pending.add(new Place(BlockReader.meta(row), ReadPool.num(row, 4), ReadPool.num(row, 5)));
        }
        boolean exhausted = rows.size() < META_LIMIT;
        return decodeReady(exhausted).compose(done -> {
          if (done || exhausted) {
            return Future.succeededFuture();
          }
          return after(pending.isEmpty() ? lastRead : pending.get(pending.size() - 1));
        });
      });
    }

    Place lastRead;

    /**
     * Decodes the windows of {@code pending} known to be whole (all when the places are exhausted), a chunk at a
     * time; true once the page is full.
     */
    private Future<Boolean> decodeReady(boolean exhausted) {
      int ready = pending.size();
      if (!exhausted) {
        long lastWindow = pending.isEmpty() ? Long.MIN_VALUE : pending.get(pending.size() - 1).meta().windowStartMs();
        while (ready > 0 && pending.get(ready - 1).meta().windowStartMs() == lastWindow) {
          ready--;
        }
      }
      if (ready == 0) {
        return Future.succeededFuture(false);
      }
      int end = 0;
      long events = 0;
      // Enough windows for the rest of the page (at most a chunk): a page of 10 000 decodes about 10 000 events.
      long want = Math.min(CHUNK_EVENTS, Math.max(1, first + 1L - hits.size()));
      while (end < ready && (events < want || pending.get(end).meta().windowStartMs()
        == pending.get(end - 1).meta().windowStartMs())) {
        events += pending.get(end).n();
        end++;
      }
      List<Place> chunk = new ArrayList<>(pending.subList(0, end));
      lastRead = chunk.get(chunk.size() - 1);
      pending.subList(0, end).clear();
      List<BlockReader.Meta> metas = new ArrayList<>(chunk.size());
      chunk.forEach(p -> metas.add(p.meta()));
      if (hits.size() >= first && app == null) {
        // The page is full; all that is left to learn is whether an event follows it. The windows partition time,
        // so nothing later can sort before what is held: the next windows' blocks are read for their sequence
        // numbers and timestamps alone, and no event of them is made.
        return blocks.read(reads, metas, (seq, ts) -> {
          if (!following && wanted(seq, ts)) {
            following = true;
          }
          return false;
        }).compose(v -> following ? Future.succeededFuture(true) : decodeReady(exhausted));
      }
      return blocks.read(reads, metas, this::wanted).compose(this::keep).compose(v -> hits.size() > first ? Future.succeededFuture(true)
        : decodeReady(exhausted));
    }

    /** True for an event in range, of the snapshot and after the cursor. */
    private boolean wanted(long seq, long ts) {
      return seq <= snapshot && ts >= range.from() && ts < range.to() && (ts > afterTs || ts == afterTs && seq > afterSeq);
    }

    /** Keeps the events in range, of the snapshot, after the cursor, attributed, and of the app asked for. */
    private Future<Void> keep(List<BlockReader.Stored> stored) {
      Map<String, long[]> spans = new HashMap<>();
      List<BlockReader.Stored> inRange = new ArrayList<>();
      for (BlockReader.Stored s : stored) {
        long ts = s.event().timestampMs();
        if (wanted(s.seq(), ts)) {
          inRange.add(s);
          spans.merge(s.event().sessionId(), new long[]{ts, ts},
            (a, b) -> new long[]{Math.min(a[0], b[0]), Math.max(a[1], b[1])});
        }
      }
      Map<String, Future<SessionFocus>> rules = new HashMap<>();
      spans.forEach((sid, span) -> rules.put(sid, SessionFocus.load(reads, sid, span[0], span[1], snapshot)));
      return Future.all(new ArrayList<>(rules.values())).map(v -> {
        for (BlockReader.Stored s : inRange) {
          String focused = rules.get(s.event().sessionId()).result().appAt(s.event().timestampMs(), s.seq());
          if (app == null || app.equals(focused)) {
            hits.add(new Hit(s.seq(), s.event(), focused));
          }
        }
        return null;
      });
    }

    /** The page: the first {@code first} hits in order, their screenshots' sizes, and the next cursor. */
    Future<Map<String, Object>> page() {
      hits.sort(ORDER);
      boolean more = hits.size() > first || following;
      List<Hit> page = more ? hits.subList(0, first) : hits;
      List<Object> shotIds = new ArrayList<>();
      for (Hit h : page) {
        if (h.event().eventType() == EventType.SCREENSHOT) {
          shotIds.add(((dev.skellyjelly.storage.codecs.Screenshot) h.event().data()).screenshotId());
        }
      }
      Future<Map<String, long[]>> sizes = shotIds.isEmpty() ? Future.succeededFuture(Map.of()) : screenshotSizes(reads, shotIds);
      return sizes.compose(sz -> ctx.offLoop(() -> {
        List<Event> events = new ArrayList<>(page.size());
        for (Hit h : page) {
          events.add(event(h, sz));
        }
        Map<String, Object> out = new LinkedHashMap<>(2);
        out.put("events", events);
        Hit last = page.isEmpty() ? null : page.get(page.size() - 1);
        out.put("nextCursor", more ? Cursor.encode(KIND, snapshot, last.event().timestampMs(), last.seq()) : null);
        return out;
      }));
    }
  }

  private Future<Map<String, long[]>> screenshotSizes(Reads reads, List<Object> ids) {
    Map<String, long[]> out = new HashMap<>();
    List<Future<?>> parts = new ArrayList<>();
    for (int i = 0; i < ids.size(); i += 500) {
      List<Object> part = ids.subList(i, Math.min(ids.size(), i + 500));
      parts.add(reads.query("SELECT screenshot_id, size_bytes, width, height FROM screenshots WHERE screenshot_id IN (?"
        + ",?".repeat(part.size() - 1) + ")", part.toArray()).map(rows -> {
          for (Row row : rows) {
            out.put(ReadPool.text(row, 0), new long[]{ReadPool.num(row, 1),
              row.getValue(2) == null ? -1 : ReadPool.num(row, 2), row.getValue(3) == null ? -1 : ReadPool.num(row, 3)});
          }
          return null;
        }));
    }
    return Future.all(parts).map(v -> out);
  }

  /**
   * An event as the schema's {@code Event} gives it: one small object per event of a page, not a map, whose fields
   * graphql-java reads by their accessors and {@link LeafListStrategy} by name.
   */
  record Event(String id, String sessionId, long timestamp, String type, String app, JsonObject data)
    implements LeafListStrategy.Fields {

    @Override
    public Object field(String name) {
      return switch (name) {
        case "id" -> id;
        case "sessionId" -> sessionId;
        case "timestamp" -> timestamp;
        case "type" -> type;
        case "app" -> app;
        case "data" -> data;
        default -> null;
      };
    }
  }

  /** An event as the schema gives it: data as stored, a screenshot's without image but with its size. */
  private static Event event(Hit h, Map<String, long[]> sizes) {
    RawEvent e = h.event();
    JsonObject data = EventJson.data(e);
    if (e.eventType() == EventType.SCREENSHOT) {
      long[] size = sizes.get(data.getString("screenshot_id"));
      if (size != null) {
        data.put("size_bytes", size[0]).put("width", size[1] < 0 ? null : size[1]).put("height", size[2] < 0 ? null : size[2]);
      }
    }
    return new Event(e.id(), e.sessionId(), e.timestampMs(), e.eventType().name(), h.app(), data);
  }
}
