package dev.skellyjelly.storage.query;

import dev.skellyjelly.storage.codecs.EventType;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.impl.EventBlocks;
import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads event blocks through the pool and decodes them (LZ4 + columns) off the event loop. */
final class BlockReader {

  /** Blocks whose data one statement fetches at most. */
  static final int FETCH = 64;

  /** A block's place: its number, session, window start and events' type. */
  record Meta(long block, String session, long windowStartMs, EventType type) {
  }

  /** One stored event with its commit sequence number. */
  record Stored(long seq, RawEvent event) {
  }

  private final QueryContext ctx;

  BlockReader(QueryContext ctx) {
    this.ctx = ctx;
  }

  /** A block's place from a row of (block, session_id, window_start_ms, event_type): the id from sessions by sk. */
  static Meta meta(Row row) {
    return new Meta(ReadPool.num(row, 0), ReadPool.text(row, 1), ReadPool.num(row, 2),
      EventType.fromCode((int) ReadPool.num(row, 3)));
  }

  /** Every event of the blocks, in no particular order (read on the snapshot the blocks' places were read on). */
  Future<List<Stored>> read(Reads reads, List<Meta> blocks) {
    return read(reads, blocks, (seq, ts) -> true);
  }

  /** The events of the blocks that {@code keep} accepts, in no particular order; the others are never made. */
  Future<List<Stored>> read(Reads reads, List<Meta> blocks, EventBlocks.Keep keep) {
    List<Future<List<Stored>>> parts = new ArrayList<>();
    for (int i = 0; i < blocks.size(); i += FETCH) {
      parts.add(fetch(reads, blocks.subList(i, Math.min(blocks.size(), i + FETCH)), keep));
    }
    return Future.all(parts).map(all -> {
      List<Stored> out = new ArrayList<>();
      for (Future<List<Stored>> f : parts) {
        out.addAll(f.result());
      }
      return out;
    });
  }

  private Future<List<Stored>> fetch(Reads reads, List<Meta> blocks, EventBlocks.Keep keep) {
    Map<Long, Meta> byId = new HashMap<>();
    Object[] ids = new Object[blocks.size()];
    for (int i = 0; i < blocks.size(); i++) {
      byId.put(blocks.get(i).block(), blocks.get(i));
      ids[i] = blocks.get(i).block();
    }
    String sql = "SELECT block, data FROM event_blocks WHERE block IN (?" + ",?".repeat(ids.length - 1) + ")";
    return reads.query(sql, ids).compose(rows -> ctx.offLoop(() -> {
      List<Stored> out = new ArrayList<>();
      for (Row row : rows) {
        Meta m = byId.get(ReadPool.num(row, 0));
        for (EventBlocks.Entry e : EventBlocks.decode(ReadPool.bytes(row, 1), m.session(), m.type(), keep)) {
          out.add(new Stored(e.seq(), e.event()));
        }
      }
      return out;
    }));
  }
}
