package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.Uuids;
import dev.skellyjelly.storage.impl.Messages.Accepted;
import dev.skellyjelly.storage.impl.Messages.BatchRecord;
import dev.skellyjelly.storage.impl.Messages.ScreenshotDeletion;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes one commit as one transaction: the {@link CommitPlan} of the accepted events, batch records and
 * screenshot deletions. Keeps what commits continue from, the last commit sequence number and the hour each
 * recent-id table holds, and advances both only once a transaction has committed: a failed one's numbers are
 * used again by its retry.
 */
final class Committer {

  private static final long HOUR_MS = 3_600_000L;
  /** Sessions in one commit past which the writer's page cache is large ({@link WriterConnection#pageCache}). */
  static final int MANY_SESSIONS = 256;

  private final long windowMs;
  private final Rollups rollups;
  private long lastSeq;
  /** The hour each recent_ids table (0 and 1) holds the ids of; -1 for none. */
  private final long[] hourOfTable = {-1, -1};

  Committer(long windowMs, long idleAfterMs) {
    this.windowMs = windowMs;
    this.rollups = new Rollups(idleAfterMs, windowMs);
  }

  /** The rollups kept in each commit: their recompute serves deletion and pauses, in the writer's transactions. */
  Rollups rollups() {
    return rollups;
  }

  /** What the database's last run left: the recent-id tables' hours and the last sequence number. */
  void load(WriterConnection c) throws SQLException {
    for (RecentHour row : c.query(Sql.RECENT_HOURS, rs -> new RecentHour(rs.getInt(1), rs.getLong(2)))) {
      hourOfTable[row.table()] = row.hour();
    }
    lastSeq = c.query(Sql.MAX_SEQ, rs -> rs.getLong(1)).get(0);
    rollups.load(c);
  }

  /** The sequence number of the last event committed. */
  long lastSeq() {
    return lastSeq;
  }

  /**
   * Commits {@code entries}, {@code records} and {@code deletions} in one transaction at {@code nowMs};
   * returns which entries (by index) were duplicates and not stored.
   */
  BitSet commit(WriterConnection db, List<Accepted> entries, List<BatchRecord> records,
                List<ScreenshotDeletion> deletions, long nowMs) throws SQLException {
    return commit(db, entries, records, deletions, nowMs, (c, plan) -> { });
  }

  /** More writes in a commit's transaction, given its plan. */
  interface Also {
    void write(WriterConnection c, CommitPlan plan) throws SQLException;
  }

  /** The same, with {@code also} written in the same transaction after the rest. */
  BitSet commit(WriterConnection db, List<Accepted> entries, List<BatchRecord> records,
                List<ScreenshotDeletion> deletions, long nowMs, Also also) throws SQLException {
    long hour = nowMs / HOUR_MS;
    int table = (int) (hour % 2);
    boolean rotate = hourOfTable[table] != hour;
    CommitPlan plan;
    try {
      plan = db.transaction(c -> {
        if (rotate) {
          // The table whose hour slot came round again holds ids two hours old.
          c.update(Sql.CLEAR_RECENT.get(table));
          c.update(Sql.SET_RECENT_HOUR, hour, table);
        }
        CommitPlan p = CommitPlan.of(entries, claimIds(c, entries, table), lastSeq, windowMs);
        c.pageCache(p.sessions().size() > MANY_SESSIONS);
        Map<String, Rollups.Session> sessions = rollups.prepare(c, p.stored());
        c.writeAll(Sql.ADD_SESSION, p.sessions());
        c.writeAll(Sql.INSERT_BLOCK, p.blocks());
        c.writeAll(Sql.ADD_COUNT, p.counts());
        rollups.apply(c, sessions, p.stored(), lastSeq);
        c.writeAll(Sql.INSERT_SCREENSHOT, p.screenshots());
        c.writeAll(Sql.INSERT_BATCH, records);
        c.writeAll(Sql.MARK_DELETED, deletions);
        also.write(c, p);
        return p;
      });
    } catch (SQLException | RuntimeException e) {
      // What the rollups remembered of this transaction's sessions is ahead of the database now.
      rollups.forget();
      throw e;
    }
    lastSeq = plan.lastSeq();
    hourOfTable[table] = hour;
    return plan.duplicates();
  }

  private record RecentHour(int table, long hour) {
  }

  /**
   * Claims the producer-chosen ids among {@code entries} for the recent-id table of this hour, {@code table}, and
   * returns those the database already held (in either table): one statement per id, which inserts it unless it is
   * held and tells which it did. The ids go in ascending order, each once, so that the statements walk the table's
   * pages in order: random ids (a producer's UUIDs) land all over it, and a commit rewrites each page it changes to
   * the write-ahead log. Looking them up first and inserting them after, in arrival order, took half again as long
   * (6.9 against 4.4 µs an id, in commits of 1 000 into tables of 200 000).
   */
  private static Set<String> claimIds(WriterConnection c, List<Accepted> entries, int table) throws SQLException {
    List<byte[]> ids = new ArrayList<>();
    for (Accepted a : entries) {
      if (a.producerId()) {
        ids.add(Uuids.toBytes(a.event().id()));
      }
    }
    if (ids.isEmpty()) {
      return Set.of();
    }
    ids.sort(Arrays::compareUnsigned);
    List<byte[]> unique = new ArrayList<>(ids.size());
    for (byte[] id : ids) {
      if (unique.isEmpty() || !Arrays.equals(unique.get(unique.size() - 1), id)) {
        unique.add(id);
      }
    }
    int[] inserted = c.writeAll(Sql.CLAIM_RECENT.get(table), unique);
    Set<String> held = new HashSet<>();
    for (int i = 0; i < inserted.length; i++) {
      if (inserted[i] == 0) {
        held.add(Uuids.fromBytes(unique.get(i)));
      }
    }
    return held;
  }
}
