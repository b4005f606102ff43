package dev.skellyjelly.storage.query;

import graphql.schema.DataFetchingEnvironment;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code sessions}, {@code screenshots}, {@code batches} and {@code devScreenshots}. Screenshot and batch pages are
 * keyset pages in time order whose cursor holds the largest row id at the first page (the snapshot).
 */
final class HistoryResolver {

  private static final String SHOT_COLUMNS = "screenshot_id, session_id, ts_ms, format, size_bytes, width, height, "
    + "app_name, window_title, privacy_masked, storage, deleted_at_ms, deleted_reason, rowid";

  private final QueryContext ctx;
  private final BlockReader blocks;

  HistoryResolver(QueryContext ctx) {
    this.ctx = ctx;
    this.blocks = new BlockReader(ctx);
  }

  /**
   * Each session with events in the range: the committed counts of the windows inside it, and the events of the
   * windows at its edges counted one by one, so the count and the first and last times are exact.
   */
  Future<List<Map<String, Object>>> sessions(DataFetchingEnvironment env) {
    Args.Range r = Args.range(env);
    long w = ctx.config().batchWindowMs();
    long firstWindow = Math.floorDiv(r.from(), w) * w;
    return ctx.pool().inOneSnapshot(reads -> reads.query("SELECT e.block, s.session_id, e.window_start_ms, e.event_type, e.n "
      + "FROM event_blocks e JOIN sessions s ON s.sk = e.sk WHERE e.window_start_ms >= ? AND e.window_start_ms < ? "
      + "ORDER BY e.window_start_ms", firstWindow, r.to())
      .compose(rows -> {
        // session → window start → its blocks
        Map<String, TreeMap<Long, List<BlockReader.Meta>>> windows = new TreeMap<>();
        Map<String, Long> inner = new HashMap<>();
        for (Row row : rows) {
          BlockReader.Meta m = BlockReader.meta(row);
          windows.computeIfAbsent(m.session(), s -> new TreeMap<>()).computeIfAbsent(m.windowStartMs(),
            k -> new ArrayList<>()).add(m);
          if (m.windowStartMs() >= r.from() && m.windowStartMs() + w <= r.to()) {
            inner.merge(m.session(), ReadPool.num(row, 4), Long::sum);
          }
        }
        List<Future<Map<String, Object>>> out = new ArrayList<>();
        windows.forEach((session, byWindow) -> out.add(session(reads, session, byWindow, r, w,
          inner.getOrDefault(session, 0L))));
        return Future.all(out).map(all -> {
          List<Map<String, Object>> list = new ArrayList<>();
          for (Future<Map<String, Object>> f : out) {
            if (f.result() != null) {
              list.add(f.result());
            }
          }
          list.sort((a, b) -> Long.compare((Long) a.get("first"), (Long) b.get("first")));
          return list;
        });
      }));
  }

  private Future<Map<String, Object>> session(Reads reads, String session, TreeMap<Long, List<BlockReader.Meta>> byWindow,
                                              Args.Range r, long w, long innerEvents) {
    // The windows at the range's edges, and the first and last inside it: the first and last events are there.
    List<BlockReader.Meta> decoded = new ArrayList<>();
    Long firstInner = null;
    Long lastInner = null;
    for (Map.Entry<Long, List<BlockReader.Meta>> e : byWindow.entrySet()) {
      long start = e.getKey();
      if (start < r.from() || start + w > r.to()) {
        decoded.addAll(e.getValue());
      } else {
        firstInner = firstInner == null ? start : firstInner;
        lastInner = start;
      }
    }
    if (firstInner != null) {
      decoded.addAll(byWindow.get(firstInner));
      if (!lastInner.equals(firstInner)) {
        decoded.addAll(byWindow.get(lastInner));
      }
    }
    return blocks.read(reads, decoded).map(stored -> {
      long[] acc = {Long.MAX_VALUE, Long.MIN_VALUE, innerEvents};
      for (BlockReader.Stored s : stored) {
        long ts = s.event().timestampMs();
        long ws = Math.floorDiv(ts, w) * w;
        if (ts >= r.from() && ts < r.to()) {
          acc[0] = Math.min(acc[0], ts);
          acc[1] = Math.max(acc[1], ts);
          if (!(ws >= r.from() && ws + w <= r.to())) {
            acc[2]++;
          }
        }
      }
      return acc[2] == 0 ? null : sessionMap(session, acc);
    });
  }

  private static Map<String, Object> sessionMap(String session, long[] acc) {
    Map<String, Object> m = new LinkedHashMap<>(4);
    m.put("id", session);
    m.put("first", acc[0]);
    m.put("last", acc[1]);
    m.put("events", acc[2]);
    return m;
  }

  Future<Map<String, Object>> screenshots(DataFetchingEnvironment env) {
    Args.Range r = Args.range(env);
    int first = Args.first(env);
    long[] c = Cursor.decode("s1", env.getArgument("after"), 3);
    Future<Long> snapshot = c != null ? Future.succeededFuture(c[0])
      : ctx.pool().query("SELECT coalesce(max(rowid), 0) FROM screenshots").map(rows -> ReadPool.num(rows.iterator().next(), 0));
    return snapshot.compose(s -> ctx.pool().query("SELECT " + SHOT_COLUMNS + " FROM screenshots WHERE ts_ms >= ? AND ts_ms < ? "
        + "AND rowid <= ? AND (ts_ms, rowid) > (?, ?) ORDER BY ts_ms, rowid LIMIT ?", r.from(), r.to(), s,
        c == null ? Long.MIN_VALUE : c[1], c == null ? Long.MIN_VALUE : c[2], first + 1)
      .map(rows -> page(rows, first, "screenshots", HistoryResolver::shot, row -> Cursor.encode("s1", s,
        ReadPool.num(row, 2), ReadPool.num(row, 13)))));
  }

  Future<Map<String, Object>> batches(DataFetchingEnvironment env) {
    Args.Range r = Args.range(env);
    int first = Args.first(env);
    long[] c = Cursor.decode("b1", env.getArgument("after"), 3);
    Future<Long> snapshot = c != null ? Future.succeededFuture(c[0])
      : ctx.pool().query("SELECT coalesce(max(rowid), 0) FROM batches").map(rows -> ReadPool.num(rows.iterator().next(), 0));
    return snapshot.compose(s -> ctx.pool().query("SELECT window_id, session_id, window_start_ms, window_end_ms, part, parts, "
        + "event_count, screenshot_count, late, replayed, paused_ms, emitted_at_ms, rowid FROM batches "
        + "WHERE window_start_ms >= ? AND window_start_ms < ? AND rowid <= ? AND (window_start_ms, rowid) > (?, ?) "
        + "ORDER BY window_start_ms, rowid LIMIT ?", r.from(), r.to(), s,
        c == null ? Long.MIN_VALUE : c[1], c == null ? Long.MIN_VALUE : c[2], first + 1)
      .map(rows -> page(rows, first, "batches", HistoryResolver::batch, row -> Cursor.encode("b1", s,
        ReadPool.num(row, 2), ReadPool.num(row, 12)))));
  }

  /** Dev mode's kept screenshots (the files in its directory), newest first; none when dev mode is off. */
  Future<List<Map<String, Object>>> devScreenshots(DataFetchingEnvironment env) {
    if (!ctx.config().devMode()) {
      return Future.succeededFuture(List.of());
    }
    String dir = ctx.config().screenshotTempDir() + "/dev";
    return ctx.vertx().fileSystem().exists(dir).compose(exists -> exists ? ctx.vertx().fileSystem().readDir(dir)
      : Future.succeededFuture(List.<String>of())).compose(paths -> {
        List<Object> ids = new ArrayList<>();
        for (String p : paths) {
          String name = p.substring(p.lastIndexOf('/') + 1);
          int dot = name.indexOf('.');
          if (dot > 0) {
            ids.add(name.substring(0, dot));
          }
        }
        if (ids.isEmpty()) {
          return Future.succeededFuture(List.of());
        }
        return ctx.pool().query("SELECT " + SHOT_COLUMNS + " FROM screenshots WHERE screenshot_id IN (?"
          + ",?".repeat(ids.size() - 1) + ") ORDER BY ts_ms DESC", ids.toArray()).map(rows -> {
            List<Map<String, Object>> out = new ArrayList<>();
            rows.forEach(row -> out.add(shot(row)));
            return out;
          });
      });
  }

  private interface RowMap {
    Map<String, Object> map(Row row);
  }

  private interface RowCursor {
    String cursor(Row row);
  }

  private static Map<String, Object> page(Rows rows, int first, String field, RowMap map, RowCursor cursor) {
    List<Map<String, Object>> items = new ArrayList<>();
    Row last = null;
    for (Row row : rows) {
      if (items.size() == first) {
        break;
      }
      items.add(map.map(row));
      last = row;
    }
    Map<String, Object> out = new LinkedHashMap<>(2);
    out.put(field, items);
    out.put("nextCursor", rows.size() > first ? cursor.cursor(last) : null);
    return out;
  }

  private static Map<String, Object> shot(Row row) {
    Map<String, Object> m = new LinkedHashMap<>(16);
    m.put("id", ReadPool.text(row, 0));
    m.put("sessionId", ReadPool.text(row, 1));
    m.put("timestamp", ReadPool.num(row, 2));
    m.put("format", ReadPool.text(row, 3));
    m.put("sizeBytes", ReadPool.num(row, 4));
    m.put("width", ReadPool.numOrNull(row, 5));
    m.put("height", ReadPool.numOrNull(row, 6));
    m.put("appName", ReadPool.text(row, 7));
    m.put("windowTitle", ReadPool.text(row, 8));
    m.put("privacyMasked", ReadPool.num(row, 9) != 0);
    m.put("storage", ReadPool.text(row, 10));
    m.put("deletedAt", ReadPool.numOrNull(row, 11));
    m.put("deletedReason", ReadPool.text(row, 12));
    return m;
  }

  private static Map<String, Object> batch(Row row) {
    Map<String, Object> m = new LinkedHashMap<>(16);
    m.put("windowId", ReadPool.text(row, 0));
    m.put("sessionId", ReadPool.text(row, 1));
    m.put("windowStart", ReadPool.num(row, 2));
    m.put("windowEnd", ReadPool.num(row, 3));
    m.put("part", ReadPool.num(row, 4));
    m.put("parts", ReadPool.num(row, 5));
    m.put("events", ReadPool.num(row, 6));
    m.put("screenshots", ReadPool.num(row, 7));
    m.put("late", ReadPool.num(row, 8) != 0);
    m.put("replayed", ReadPool.num(row, 9) != 0);
    m.put("pausedMs", ReadPool.num(row, 10));
    m.put("emittedAt", ReadPool.num(row, 11));
    return m;
  }
}
