package dev.skellyjelly.storage.impl;

import java.sql.SQLException;

/**
 * Removes one tier of rollups (minute or hour: the counts and the focus table together) before a bound, a
 * slice of buckets a step, oldest first, by the tables' primary keys (which begin with the bucket).
 */
final class RollupRetention {

  /** A tier's tables and how much bucket time one step removes. */
  enum Tier {
    MINUTE("minute", RetentionSql.OLDEST_MINUTE, RetentionSql.DELETE_MINUTE_ROLLUPS, RetentionSql.DELETE_MINUTE_FOCUS,
      3_600_000L),
    HOUR("hour", RetentionSql.OLDEST_HOUR, RetentionSql.DELETE_HOUR_ROLLUPS, RetentionSql.DELETE_HOUR_FOCUS,
      RetentionPolicy.DAY_MS);

    final String label;
    final String oldest;
    final String deleteRollups;
    final String deleteFocus;
    final long sliceMs;

    Tier(String label, String oldest, String deleteRollups, String deleteFocus, long sliceMs) {
      this.label = label;
      this.oldest = oldest;
      this.deleteRollups = deleteRollups;
      this.deleteFocus = deleteFocus;
      this.sliceMs = sliceMs;
    }
  }

  private final Tier tier;
  private final long bound;
  private long rows;
  private boolean done;

  RollupRetention(Tier tier, long bound) {
    this.tier = tier;
    this.bound = bound;
  }

  /** Rows removed so far (of both tables). */
  long rows() {
    return rows;
  }

  /** The oldest bucket of a tier, or null when it holds none. */
  static Long oldest(WriterConnection db, Tier tier) throws SQLException {
    return db.read(c -> c.query(tier.oldest, RawRetention::nullableLong)).get(0);
  }

  /** One step; whether more remain. */
  boolean step(WriterConnection db) throws SQLException {
    if (done) {
      return false;
    }
    Long oldest = oldest(db, tier);
    if (oldest == null || oldest >= bound) {
      done = true;
      return false;
    }
    long end = Math.min(bound, oldest + tier.sliceMs);
    rows += db.rewrite(c -> c.update(tier.deleteRollups, oldest, end) + c.update(tier.deleteFocus, oldest, end));
    return true;
  }
}
