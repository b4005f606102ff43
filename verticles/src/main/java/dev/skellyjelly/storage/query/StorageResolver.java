package dev.skellyjelly.storage.query;

import dev.skellyjelly.storage.codecs.DeadLetterReason;
import dev.skellyjelly.storage.codecs.EventType;
import graphql.schema.DataFetchingEnvironment;
import io.vertx.core.Future;
import io.vertx.sqlclient.Row;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code storage}: the file's size from its page counts, the budget and free disk, the oldest and newest stored
 * times (the blocks of the first and last window start decoded), bytes and events by type from the blocks, events
 * by UTC day from the committed window counts, and dead letters since start from the module's meters.
 */
final class StorageResolver {

  private final QueryContext ctx;
  private final BlockReader blocks;

  StorageResolver(QueryContext ctx) {
    this.ctx = ctx;
    this.blocks = new BlockReader(ctx);
  }

  Future<Map<String, Object>> storage(DataFetchingEnvironment env) {
    Map<String, Object> m = new LinkedHashMap<>();
    Path dir = Path.of(ctx.config().databasePath()).toAbsolutePath().getParent();
    Future<?> size = ctx.pool().query("SELECT p.page_count * s.page_size FROM pragma_page_count() p, pragma_page_size() s")
      .map(rows -> m.put("databaseBytes", ReadPool.num(rows.iterator().next(), 0)));
    Future<?> disk = ctx.vertx().fileSystem().fsProps(dir.toString()).map(p -> m.put("freeDiskBytes", p.usableSpace()));
    Future<?> oldest = edgeEvent("min").map(t -> m.put("oldestRaw", t));
    Future<?> newest = edgeEvent("max").map(t -> m.put("newest", t));
    Future<?> rollup = ctx.pool().query("SELECT min(b) FROM (SELECT min(bucket_ms) AS b FROM minute_rollups "
      + "UNION ALL SELECT min(bucket_ms) FROM hour_rollups)").map(rows -> m.put("oldestRollup",
      ReadPool.numOrNull(rows.iterator().next(), 0)));
    Future<?> byType = ctx.pool().query("SELECT event_type, sum(length(data)), sum(n) FROM event_blocks GROUP BY event_type")
      .map(rows -> {
        List<Map<String, Object>> list = new ArrayList<>();
        for (Row row : rows) {
          Map<String, Object> t = new LinkedHashMap<>(3);
          t.put("type", EventType.fromCode((int) ReadPool.num(row, 0)).name());
          t.put("bytes", ReadPool.num(row, 1));
          t.put("events", ReadPool.num(row, 2));
          list.add(t);
        }
        return m.put("bytesByType", list);
      });
    m.put("budgetBytes", ctx.config().maxDatabaseBytes());
    m.put("rawRetentionDays", ctx.config().rawRetentionDays());
    m.put("deadLetters", deadLetters());
    return Future.all(List.of(size, disk, oldest, newest, rollup, byType)).map(v -> m);
  }

  /** {@code eventsByDay(last)}: every UTC day of the last {@code last}, oldest first, zeros included. */
  Future<List<Map<String, Object>>> eventsByDay(DataFetchingEnvironment env) {
    int last = Args.positive(env, "last", 30, 3660);
    long today = Math.floorDiv(ctx.nowMs(), Args.DAY_MS) * Args.DAY_MS;
    long from = today - (last - 1) * Args.DAY_MS;
    return ctx.pool().query("SELECT window_start_ms / " + Args.DAY_MS + " AS d, sum(n) FROM window_counts "
      + "WHERE window_start_ms >= ? GROUP BY d", from).map(rows -> {
        long[] counts = new long[last];
        for (Row row : rows) {
          int i = (int) ((ReadPool.num(row, 0) * Args.DAY_MS - from) / Args.DAY_MS);
          if (i >= 0 && i < last) {
            counts[i] += ReadPool.num(row, 1);
          }
        }
        List<Map<String, Object>> out = new ArrayList<>(last);
        for (int i = 0; i < last; i++) {
          Map<String, Object> d = new LinkedHashMap<>(2);
          d.put("day", from + i * Args.DAY_MS);
          d.put("events", counts[i]);
          out.add(d);
        }
        return out;
      });
  }

  private List<Map<String, Object>> deadLetters() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (DeadLetterReason reason : DeadLetterReason.values()) {
      long n = ctx.metrics().deadLetters(reason);
      if (n > 0) {
        Map<String, Object> r = new LinkedHashMap<>(2);
        r.put("reason", reason.wireName());
        r.put("count", n);
        out.add(r);
      }
    }
    return out;
  }

  /** The oldest ({@code min}) or newest ({@code max}) stored event's time, null when none is stored. */
  private Future<Long> edgeEvent(String fn) {
    return ctx.pool().inOneSnapshot(reads -> reads.query("SELECT block, session, window_start_ms, event_type FROM event_blocks "
      + "WHERE window_start_ms = (SELECT " + fn + "(window_start_ms) FROM event_blocks)").compose(rows -> {
        List<BlockReader.Meta> metas = new ArrayList<>();
        rows.forEach(row -> metas.add(BlockReader.meta(row)));
        return metas.isEmpty() ? Future.succeededFuture(null) : blocks.read(reads, metas).map(stored -> {
          long best = "min".equals(fn) ? Long.MAX_VALUE : Long.MIN_VALUE;
          for (BlockReader.Stored s : stored) {
            best = "min".equals(fn) ? Math.min(best, s.event().timestampMs()) : Math.max(best, s.event().timestampMs());
          }
          return stored.isEmpty() ? null : best;
        });
      }));
  }
}
