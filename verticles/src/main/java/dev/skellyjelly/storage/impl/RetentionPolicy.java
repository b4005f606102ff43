package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.StorageConfig;

/**
 * What retention keeps, as bounds in UTC epoch milliseconds at a given time: a tier kept for d days keeps the
 * current UTC day and the d days before it; 0 days keeps everything. And the disk budget's two limits.
 */
record RetentionPolicy(int rawDays, int minuteDays, int hourDays, long maxDatabaseBytes, long minFreeDiskBytes,
                       long windowMs) {

  static final long DAY_MS = 86_400_000L;
  /** The bound of a tier kept forever: nothing lies before it. */
  static final long NOTHING = Long.MIN_VALUE;

  static RetentionPolicy of(StorageConfig c) {
    return new RetentionPolicy(c.rawRetentionDays(), c.minuteRollupRetentionDays(), c.hourRollupRetentionDays(),
      c.maxDatabaseBytes(), c.minFreeDiskBytes(), c.batchWindowMs());
  }

  /** The start of the UTC day that holds {@code ms}. */
  static long dayStart(long ms) {
    return Math.floorDiv(ms, DAY_MS) * DAY_MS;
  }

  /** Raw events before this go (whole windows: those that end by it). */
  long rawBefore(long nowMs) {
    return bound(rawDays, nowMs);
  }

  long minuteBefore(long nowMs) {
    return bound(minuteDays, nowMs);
  }

  long hourBefore(long nowMs) {
    return bound(hourDays, nowMs);
  }

  private static long bound(int days, long nowMs) {
    return days == 0 ? NOTHING : dayStart(nowMs) - days * DAY_MS;
  }
}
