package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.Uuids;
import dev.skellyjelly.storage.impl.Messages.Accepted;
import dev.skellyjelly.storage.impl.Messages.BatchRecord;
import dev.skellyjelly.storage.impl.Messages.ScreenshotDeletion;

import java.sql.SQLException;
import java.util.ArrayList;
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

  /** Producer-chosen ids of a window looked up per query, at most. */
  private static final int ID_QUERY_CHUNK = 500;
  private static final String ID_QUERY_SQL = "SELECT id FROM recent_ids_0 WHERE id IN (" + Sql.marks(ID_QUERY_CHUNK)
    + ") UNION ALL SELECT id FROM recent_ids_1 WHERE id IN (" + Sql.marks(ID_QUERY_CHUNK) + ")";
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
        CommitPlan p = CommitPlan.of(entries, storedIds(c, entries), lastSeq, windowMs);
        c.pageCache(p.sessions().size() > MANY_SESSIONS);
        Map<String, Rollups.Session> sessions = rollups.prepare(c, p.stored());
        c.writeAll(Sql.ADD_SESSION, p.sessions());
        c.writeAll(Sql.INSERT_BLOCK, p.blocks());
        c.writeAll(Sql.INSERT_RECENT.get(table), p.recentIds());
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

  /** Which of the producer-chosen ids among {@code entries} the database already holds. */
  private static Set<String> storedIds(WriterConnection c, List<Accepted> entries) throws SQLException {
    List<byte[]> ids = new ArrayList<>();
    for (Accepted a : entries) {
      if (a.producerId()) {
        ids.add(Uuids.toBytes(a.event().id()));
      }
    }
    Set<String> found = new HashSet<>();
    for (int from = 0; from < ids.size(); from += ID_QUERY_CHUNK) {
      // Always ID_QUERY_CHUNK ids, the last repeated, so that one prepared statement serves every chunk; the
      // same list for each of the two tables.
      List<byte[]> chunk = new ArrayList<>(2 * ID_QUERY_CHUNK);
      for (int i = 0; i < ID_QUERY_CHUNK; i++) {
        chunk.add(ids.get(Math.min(ids.size() - 1, from + i)));
      }
      chunk.addAll(List.copyOf(chunk));
      found.addAll(c.query(ID_QUERY_SQL, rs -> Uuids.fromBytes(rs.getBytes(1)), chunk.toArray()));
    }
    return found;
  }
}
