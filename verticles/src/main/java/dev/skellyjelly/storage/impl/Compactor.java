package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.EventType;
import dev.skellyjelly.storage.codecs.Timestamps;
import dev.skellyjelly.storage.codecs.Uuids;
import dev.skellyjelly.storage.impl.Messages.WindowKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Compacts the pieces of emitted windows (one per commit, session and type) into one block per type, one
 * window per call so that the writer commits between windows. Keeps the windows that wait, in the order
 * they were emitted.
 */
final class Compactor {

  /** Logged under the writer's name, which runs it. */
  private static final Logger LOG = LoggerFactory.getLogger(DbWriterVerticle.class);

  /** Events of one type in one compacted block, at most. */
  static final int BLOCK_EVENTS = 32_768;

  /** A stored piece of a window: its block number, its events' type and how many it holds. */
  private record Piece(long block, EventType type, long events) {
  }

  /**
   * Windows waiting at most (about 150 bytes each). Past it an emitted window is left as it is; the next
   * start-up finds it uncompacted ({@link #load}).
   */
  static final int MAX_WAITING = 50_000;

  /**
   * A window is compacted this long after its batch was emitted, not at once: a firing is a burst on the event loop
   * (the batch, each bridge consumer's text), and compacting its window at the same moment, on the writer, made the
   * young collections in it promote both; when the old generation then had no room, the full collection that
   * followed held the firing's task.
   */
  static final long DELAY_NANOS = 2_000_000_000L;

  /** The windows waiting, in the order they were emitted, with when ({@link #nanoTime}). */
  private final Map<WindowKey, Long> waiting = new LinkedHashMap<>();
  private final LongSupplier nanoTime;

  Compactor() {
    this(System::nanoTime);
  }

  /** {@code nanoTime}: the clock the delay after emission is counted on. */
  Compactor(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  /** Queues the windows a previous run left uncompacted and that are closed at {@code nowMs}. */
  void load(WriterConnection c, WindowRules rules, long nowMs) throws SQLException {
    // Windows not yet closed are compacted after their batch.
    for (WindowKey key : c.query(Sql.UNCOMPACTED_WINDOWS,
      rs -> new WindowKey(rs.getString(1), rs.getLong(2)))) {
      if (rules.isClosed(key.windowStartMs(), nowMs) && waiting.size() < MAX_WAITING) {
        waiting.put(key, nanoTime.getAsLong() - DELAY_NANOS);
      }
    }
  }

  /** Queues a window whose batch was emitted now. */
  void emitted(WindowKey key) {
    if (waiting.size() < MAX_WAITING) {
      waiting.putIfAbsent(key, nanoTime.getAsLong());
    }
  }

  boolean hasWaiting() {
    return !waiting.isEmpty();
  }

  /** Whether the next waiting window was emitted {@link #DELAY_NANOS} ago or more. */
  boolean hasDue() {
    return !waiting.isEmpty() && nanoTime.getAsLong() - waiting.values().iterator().next() >= DELAY_NANOS;
  }

  /**
   * Compacts the next waiting window into one block per event type (of at most {@link #BLOCK_EVENTS} events:
   * a type with more gets several). A type is read one piece at a time, so compacting a window costs memory
   * for one block, whatever the window's size. Whether it succeeded; a failed window waits again.
   */
  boolean compactNext(WriterConnection db) {
    Map.Entry<WindowKey, Long> next = waiting.entrySet().iterator().next();
    WindowKey key = next.getKey();
    long emittedAt = next.getValue();
    waiting.remove(key);
    try {
      db.rewrite(c -> {
        Map<EventType, List<Piece>> byType = new EnumMap<>(EventType.class);
        for (Piece piece : c.query(Sql.COMPACT_BLOCKS,
          rs -> new Piece(rs.getLong(1), EventType.fromCode(rs.getInt(2)), rs.getLong(3)),
          key.sessionId(), key.windowStartMs())) {
          byType.computeIfAbsent(piece.type(), t -> new ArrayList<>()).add(piece);
        }
        for (Map.Entry<EventType, List<Piece>> type : byType.entrySet()) {
          List<Piece> pieces = type.getValue();
          long events = pieces.stream().mapToLong(Piece::events).sum();
          if (pieces.size() > (events + BLOCK_EVENTS - 1) / BLOCK_EVENTS) {
            merge(c, key, type.getKey(), pieces);
          }
        }
        return null;
      });
      return true;
    } catch (SQLException | RuntimeException err) {
      LOG.warn("compaction of window {} of session {} failed, will retry: {}", Timestamps.format(key.windowStartMs()),
        key.sessionId(), err.getMessage());
      waiting.put(key, emittedAt);
      return false;
    }
  }

  /** Reads a type's pieces in order, writing a block whenever {@link #BLOCK_EVENTS} gathered, and deletes each piece read. */
  private static void merge(WriterConnection c, WindowKey key, EventType type, List<Piece> pieces) throws SQLException {
    List<EventBlocks.Entry> gathered = new ArrayList<>();
    for (Piece piece : pieces) {
      for (byte[] data : c.query(Sql.BLOCK_DATA, rs -> rs.getBytes(1), piece.block())) {
        gathered.addAll(EventBlocks.decode(data, key.sessionId(), type));
      }
      c.update(Sql.DELETE_BLOCK, piece.block());
      while (gathered.size() >= BLOCK_EVENTS) {
        List<EventBlocks.Entry> full = gathered.subList(0, BLOCK_EVENTS);
        c.write(Sql.INSERT_BLOCK, BlockRow.of(key, type, full));
        full.clear();
      }
    }
    if (!gathered.isEmpty()) {
      c.write(Sql.INSERT_BLOCK, BlockRow.of(key, type, gathered));
    }
  }
}
