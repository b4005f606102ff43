package dev.skellyjelly.storage.query;

import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.codecs.EventType;
import dev.skellyjelly.storage.codecs.Screenshot;
import dev.skellyjelly.storage.impl.EventBlocks;
import dev.skellyjelly.storage.impl.ExportFormat;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An export's events (CONTRACT §8 Export format), a chunk at a time, through read-only connections of its own (as the
 * query side reads). Windows partition time, so whole consecutive windows sorted by
 * timestamp (then commit sequence) continue the order: each chunk is the next windows up to about
 * {@link #CHUNK_EVENTS} events (at least one window, so a chunk is at most one window larger). Only events
 * committed before the export began are given (its snapshot: the largest sequence number then), each once.
 * Whoever streams the chunks asks for the next only when the last is written, so memory stays bounded however
 * long the range.
 */
public final class ExportReader {

  /** Events decoded per chunk, about. */
  static final int CHUNK_EVENTS = 20_000;
  /** Window starts looked up per statement. */
  private static final int WINDOW_LOOKUP = 512;
  private static final int SCREENSHOT_LOOKUP = 500;
  private static final Comparator<EventBlocks.Entry> ORDER = Comparator
    .comparingLong((EventBlocks.Entry e) -> e.event().timestampMs()).thenComparingLong(EventBlocks.Entry::seq);

  private final Vertx vertx;
  private final ReadPool pool;
  private final long fromMs;
  private final long toMs;
  private long nextWindow;
  private Long snapshot;
  private long events;
  private boolean closed;

  private ExportReader(Vertx vertx, ReadPool pool, long fromMs, long toMs, long windowMs) {
    this.vertx = vertx;
    this.pool = pool;
    this.fromMs = fromMs;
    this.toMs = toMs;
    this.nextWindow = Math.floorDiv(fromMs, windowMs) * windowMs;
  }

  /** A reader of the events in {@code [fromMs, toMs)} of the configured database; {@link #close} it. */
  public static ExportReader open(Vertx vertx, StorageConfig config, long fromMs, long toMs) {
    if (toMs <= fromMs) {
      throw new IllegalArgumentException("to must be after from");
    }
    return new ExportReader(vertx, new ReadPool(vertx, Path.of(config.databasePath())), fromMs, toMs,
      config.batchWindowMs());
  }

  /** The lines of the next chunk (never empty), or null once every event was given. */
  public Future<Buffer> next() {
    if (snapshot == null) {
      return pool.query("SELECT coalesce(max(max_seq), 0) FROM event_blocks").compose(rows -> {
        snapshot = ReadPool.num(rows.iterator().next(), 0);
        return next();
      });
    }
    return pool.query("SELECT window_start_ms, sum(n) FROM event_blocks WHERE window_start_ms >= ? AND window_start_ms < ? "
      + "GROUP BY window_start_ms ORDER BY window_start_ms LIMIT " + WINDOW_LOOKUP, nextWindow, toMs).compose(rows -> {
        if (rows.size() == 0) {
          return Future.succeededFuture(null);
        }
        long first = -1;
        long last = -1;
        long n = 0;
        for (Row row : rows) {
          if (first >= 0 && n >= CHUNK_EVENTS) {
            break;
          }
          last = ReadPool.num(row, 0);
          first = first < 0 ? last : first;
          n += ReadPool.num(row, 1);
        }
        nextWindow = last + 1;
        return chunk(first, last).compose(lines -> lines.length() > 0 ? Future.succeededFuture(lines) : next());
      });
  }

  /** How many events the chunks given so far held. */
  public long events() {
    return events;
  }

  /** Closes the reader's connections; again does nothing. */
  public Future<Void> close() {
    if (closed) {
      return Future.succeededFuture();
    }
    closed = true;
    return pool.close();
  }

  /** The lines of the events of the windows starting in {@code [firstWindow, lastWindow]}. */
  private Future<Buffer> chunk(long firstWindow, long lastWindow) {
    return pool.query("SELECT s.session_id, e.event_type, e.data FROM event_blocks e JOIN sessions s ON s.sk = e.sk "
        + "WHERE e.window_start_ms >= ? AND e.window_start_ms <= ? AND coalesce(e.min_seq, 0) <= ?", firstWindow, lastWindow,
        snapshot)
      .compose(rows -> vertx.executeBlocking(() -> {
        List<EventBlocks.Entry> kept = new ArrayList<>();
        for (Row row : rows) {
          String session = ReadPool.text(row, 0);
          EventType type = EventType.fromCode((int) ReadPool.num(row, 1));
          for (EventBlocks.Entry e : EventBlocks.decode(ReadPool.bytes(row, 2), session, type)) {
            long ts = e.event().timestampMs();
            if (e.seq() <= snapshot && ts >= fromMs && ts < toMs) {
              kept.add(e);
            }
          }
        }
        kept.sort(ORDER);
        return kept;
      }, false))
      .compose(kept -> screenshots(kept).compose(shots -> vertx.executeBlocking(() -> {
        Buffer out = Buffer.buffer(kept.size() * 160);
        for (EventBlocks.Entry e : kept) {
          ExportFormat.ScreenshotMeta shot = e.event().data() instanceof Screenshot s ? shots.get(s.screenshotId()) : null;
          ExportFormat.appendLine(out, e.event(), shot);
        }
        events += kept.size();
        return out;
      }, false)));
  }

  /** The rows of the screenshots among {@code events}, by screenshot id. */
  private Future<Map<String, ExportFormat.ScreenshotMeta>> screenshots(List<EventBlocks.Entry> events) {
    List<Object> ids = new ArrayList<>();
    for (EventBlocks.Entry e : events) {
      if (e.event().data() instanceof Screenshot s) {
        ids.add(s.screenshotId());
      }
    }
    Map<String, ExportFormat.ScreenshotMeta> out = new HashMap<>();
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < ids.size(); i += SCREENSHOT_LOOKUP) {
      List<Object> part = ids.subList(i, Math.min(ids.size(), i + SCREENSHOT_LOOKUP));
      chain = chain.compose(v -> pool.query("SELECT screenshot_id, size_bytes, width, height, storage, deleted_at_ms, "
        + "deleted_reason FROM screenshots WHERE screenshot_id IN (?" + ",?".repeat(part.size() - 1) + ")",
        part.toArray()).map(rows -> {
          for (Row row : rows) {
            out.put(ReadPool.text(row, 0), new ExportFormat.ScreenshotMeta(ReadPool.num(row, 1), integer(row, 2),
              integer(row, 3), ReadPool.text(row, 4), ReadPool.numOrNull(row, 5), ReadPool.text(row, 6)));
          }
          return null;
        }));
    }
    return chain.map(v -> out);
  }

  private static Integer integer(Row row, int i) {
    Long v = ReadPool.numOrNull(row, i);
    return v == null ? null : v.intValue();
  }
}
