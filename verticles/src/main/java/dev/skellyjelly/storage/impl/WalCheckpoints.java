package dev.skellyjelly.storage.impl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;

/**
 * The write-ahead log's checkpoints, run by the writer between commits rather than inside one: the writer's
 * connection has {@code wal_autocheckpoint = 0}, so no commit copies the log into the database on its way (SQLite's
 * automatic checkpoint runs in the commit that passes 1 000 pages and holds it for as long as the copy and its sync
 * take). Instead retention's tick runs a PASSIVE checkpoint (it copies what no reader still needs and never waits)
 * every {@link #EVERY_NANOS} while nothing is buffered, or after {@link #AT_LATEST_NANOS} in any case, and one after
 * each retention step, so each copies little. Blocking: on the writer's thread only.
 */
final class WalCheckpoints {

  /** How often the tick checkpoints while the writer is idle. */
  static final long EVERY_NANOS = 1_000_000_000L;
  /** How long the tick waits for an idle writer before it checkpoints between commits anyway (the log stays bounded). */
  static final long AT_LATEST_NANOS = 2_000_000_000L;

  /**
   * A log up to this size is truncated at the end of a pass. Truncating a fully checkpointed log costs about 0.6 ms
   * a MB on the development machine (a 200 MB log 121 ms), so a larger one, which only a burst far past the design
   * rate leaves, is kept at its size (SQLite writes it over from its start) until the writer closes the database.
   */
  static final long TRUNCATE_AT_MOST_BYTES = 64L << 20;

  /** What a checkpoint found: frames in the log, frames copied into the database (all of them when equal). */
  record Result(boolean busy, long logFrames, long copiedFrames) {
    /** Whether everything in the log is in the database now: the next commit starts the log over. */
    boolean complete() {
      return !busy && logFrames == copiedFrames;
    }
  }

  private long lastNanos = System.nanoTime();

  /** Whether the tick should checkpoint now. */
  boolean due(boolean idle, long nowNanos) {
    long since = nowNanos - lastNanos;
    return since >= AT_LATEST_NANOS || idle && since >= EVERY_NANOS;
  }

  /** A PASSIVE checkpoint now. */
  Result passive(WriterConnection db) throws SQLException {
    lastNanos = System.nanoTime();
    return run(db, "PASSIVE");
  }

  /**
   * Checkpoints whatever is left and truncates the log to nothing, without waiting for readers; cheap once a
   * PASSIVE checkpoint copied everything (the caller checks). Whether it was done; false while a reader holds an
   * older snapshot.
   */
  boolean truncate(WriterConnection db) throws SQLException {
    lastNanos = System.nanoTime();
    return truncateNow(db);
  }

  /** {@link #truncate} for callers that keep no schedule of their own (a deletion's answer waits for it). */
  static boolean truncateNow(WriterConnection db) throws SQLException {
    db.runScript("PRAGMA busy_timeout = 0");
    try {
      return run(db, "TRUNCATE").complete();
    } finally {
      db.runScript("PRAGMA busy_timeout = " + WriterConnection.BUSY_TIMEOUT_MS);
    }
  }

  /** The size of a database's write-ahead log file, 0 when it has none. */
  static long logBytes(Path database) {
    try {
      return Files.size(CompanionFiles.wal(database));
    } catch (IOException missing) {
      return 0;
    }
  }

  private static Result run(WriterConnection db, String mode) throws SQLException {
    return db.read(c -> c.query("PRAGMA wal_checkpoint(" + mode + ")",
      rs -> new Result(rs.getInt(1) != 0, rs.getLong(2), rs.getLong(3)))).get(0);
  }
}
