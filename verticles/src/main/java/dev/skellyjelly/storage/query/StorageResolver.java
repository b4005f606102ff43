package dev.skellyjelly.storage.query;

import dev.skellyjelly.storage.codecs.DeadLetterReason;
import dev.skellyjelly.storage.codecs.EventType;
import graphql.schema.DataFetchingEnvironment;
import io.vertx.core.Future;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code storage}: the file's size from its page counts, the budget and free disk, the oldest and newest stored
 * times (the blocks of the first and last window start decoded), events by type from the window counts and their
 * bytes from the newest blocks, events by UTC day from the hour rollups, and dead letters since start from the
 * module's meters. Nothing reads a whole table of event data.
 */
final class StorageResolver {

  /** Blocks whose sizes stand for all in {@code bytesByType}. */
  static final int SAMPLE_BLOCKS = 4096;

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
    Future<?> byType = bytesByType().map(list -> m.put("bytesByType", list));
    m.put("budgetBytes", ctx.config().maxDatabaseBytes());
    m.put("rawRetentionDays", ctx.config().rawRetentionDays());
    m.put("deadLetters", deadLetters());
    return Future.all(List.of(size, disk, oldest, newest, rollup, byType)).map(v -> m);
  }

  /**
   * Events stored by type, exact, from the committed window counts (rows without event data); bytes by type from
   * the newest {@link #SAMPLE_BLOCKS} blocks (found by block number, without reading the others): each type's
   * events times its bytes per event there (the sample's overall bytes per event for a type absent from it). With
   * no more blocks than that, the bytes are exact.
   */
  private Future<List<Map<String, Object>>> bytesByType() {
    Future<Rows> counts = ctx.pool().query("SELECT event_type, sum(n) FROM window_counts GROUP BY event_type");
    Future<Rows> sample = ctx.pool().query("SELECT event_type, sum(length(data)), sum(n) FROM event_blocks "
      + "WHERE block > (SELECT coalesce(max(block), 0) FROM event_blocks) - " + SAMPLE_BLOCKS + " GROUP BY event_type");
    return Future.all(counts, sample).map(v -> {
      long[] sampleBytes = new long[EventType.values().length];
      long[] sampleEvents = new long[sampleBytes.length];
      long allBytes = 0;
      long allEvents = 0;
      for (Row row : sample.result()) {
        int t = (int) ReadPool.num(row, 0);
        sampleBytes[t] = ReadPool.num(row, 1);
        sampleEvents[t] = ReadPool.num(row, 2);
        allBytes += sampleBytes[t];
        allEvents += sampleEvents[t];
      }
      List<Map<String, Object>> list = new ArrayList<>();
      for (Row row : counts.result()) {
        int t = (int) ReadPool.num(row, 0);
        long events = ReadPool.num(row, 1);
        double perEvent = sampleEvents[t] > 0 ? (double) sampleBytes[t] / sampleEvents[t]
          : allEvents > 0 ? (double) allBytes / allEvents : 0;
        Map<String, Object> m = new LinkedHashMap<>(3);
        m.put("type", EventType.fromCode(t).name());
        m.put("bytes", Math.round(events * perEvent));
        m.put("events", events);
        list.add(m);
      }
      return list;
    });
  }

  /**
   * {@code eventsByDay(last)}: every UTC day of the last {@code last}, oldest first, zeros included, from the hour
   * rollups (written in every commit, kept longest), read by their primary key's bucket range.
   */
  Future<List<Map<String, Object>>> eventsByDay(DataFetchingEnvironment env) {
    int last = Args.positive(env, "last", 30, 3660);
    long today = Math.floorDiv(ctx.nowMs(), Args.DAY_MS) * Args.DAY_MS;
    long from = today - (last - 1) * Args.DAY_MS;
    return ctx.pool().query("SELECT bucket_ms / " + Args.DAY_MS + " AS d, sum(n) FROM hour_rollups WHERE bucket_ms >= ? "
      + "AND bucket_ms < ? GROUP BY d", from, today + Args.DAY_MS).map(rows -> {
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
    return ctx.pool().inOneSnapshot(reads -> reads.query("SELECT e.block, s.session_id, e.window_start_ms, e.event_type "
      + "FROM event_blocks e JOIN sessions s ON s.sk = e.sk "
      + "WHERE e.window_start_ms = (SELECT " + fn + "(window_start_ms) FROM event_blocks)").compose(rows -> {
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
