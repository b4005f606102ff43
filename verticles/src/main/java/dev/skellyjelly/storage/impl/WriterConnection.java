package dev.skellyjelly.storage.impl;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The writer's one SQLite connection, used on the writer's worker thread only and called directly: one
 * commit a second costs one wake-up of that thread instead of a hand-off to a pool thread and back for
 * every statement. The statements of {@link Sql} stay prepared for the connection's life.
 */
final class WriterConnection implements AutoCloseable {

  /** Work inside one transaction. */
  interface Work<T> {
    T run(WriterConnection c) throws SQLException;
  }

  /** Reads one row of a result. */
  interface RowReader<T> {
    T read(ResultSet rs) throws SQLException;
  }

  /** Sets one row's values as a statement's parameters, in the statement's order. */
  interface RowBinder<R> {
    void bind(R row, Parameters p) throws SQLException;
  }

  /** The parameters of one execution of a prepared statement, set one after another. */
  static final class Parameters {
    private final PreparedStatement statement;
    private int next = 1;

    private Parameters(PreparedStatement statement) {
      this.statement = statement;
    }

    Parameters add(Object value) throws SQLException {
      statement.setObject(next++, value);
      return this;
    }
  }

  /** How long a statement waits for another connection's lock before it fails. */
  static final int BUSY_TIMEOUT_MS = 5000;

  /** SQLite's default page cache, in KiB. */
  private static final int CACHE_KIB = 2_000;
  /** The page cache while commits carry many sessions, in KiB. */
  static final int LARGE_CACHE_KIB = 32_768;

  private final String url;
  private Connection conn;
  private boolean largeCache;
  private final Map<String, PreparedStatement> prepared = new HashMap<>();

  /**
   * {@code synchronous=FULL}: every commit syncs the WAL before it returns, so an event is acknowledged only
   * once it would survive a power loss (NORMAL syncs at checkpoints only: safe against a killed process, not
   * against the machine going down). One commit a flush interval makes the sync cheap. {@code secure_delete}:
   * what retention or a deletion removes is overwritten with zeros, in the file and in the write-ahead log.
   * {@code wal_autocheckpoint=0}: no commit checkpoints the log on its way; the writer does, between commits
   * ({@link WalCheckpoints}).
   */
  WriterConnection(Path database) throws SQLException {
    url = "jdbc:sqlite:" + database + "?journal_mode=WAL&synchronous=FULL&busy_timeout=" + BUSY_TIMEOUT_MS
      + "&secure_delete=true&wal_autocheckpoint=0";
    conn = DriverManager.getConnection(url);
  }

  /**
   * Runs {@code work} as one transaction; one that fails costs the connection. When SQLite rolls a
   * transaction back by itself (disk full, I/O error), sqlite-jdbc's own rollback fails ("no transaction is
   * active") and the connection is left committing every statement on its own while each COMMIT fails: every
   * retry would store the whole buffer again. A new connection starts in a known state.
   */
  <T> T transaction(Work<T> work) throws SQLException {
    Connection c = connection();
    try {
      c.setAutoCommit(false);
      T result = work.run(this);
      c.commit();
      // Back to autocommit: sqlite-jdbc begins the next transaction at once, and an open one would hold a
      // read snapshot that keeps checkpoints from emptying the WAL.
      c.setAutoCommit(true);
      return result;
    } catch (SQLException | RuntimeException e) {
      discard();
      throw e;
    }
  }

  /**
   * Runs {@code work} as one transaction that is not synced on its own: for rewriting what is committed
   * already (compaction). Its WAL frames reach the disk with the next synced commit; a power loss before that
   * loses the whole rewrite, never the data rewritten. Saves an fsync per compacted window.
   */
  <T> T rewrite(Work<T> work) throws SQLException {
    runScript("PRAGMA synchronous = NORMAL");
    try {
      return transaction(work);
    } finally {
      if (conn != null) {
        runScript("PRAGMA synchronous = FULL");
      }
    }
  }

  /** Runs {@code work} outside a transaction (reads); a failure costs the connection too. */
  <T> T read(Work<T> work) throws SQLException {
    connection();
    try {
      return work.run(this);
    } catch (SQLException | RuntimeException e) {
      discard();
      throw e;
    }
  }

  /** A statement of {@link Sql}, prepared once. */
  private PreparedStatement statement(String sql) throws SQLException {
    PreparedStatement s = prepared.get(sql);
    if (s == null) {
      s = connection().prepareStatement(sql);
      prepared.put(sql, s);
    }
    return s;
  }

  int update(String sql, Object... params) throws SQLException {
    PreparedStatement s = statement(sql);
    bind(s, params);
    return s.executeUpdate();
  }

  /** Writes one row through a statement of {@link Sql}. */
  <R> int write(Sql.Write<R> write, R row) throws SQLException {
    PreparedStatement s = statement(write.sql());
    write.binder().bind(row, new Parameters(s));
    return s.executeUpdate();
  }

  /** Writes every row through a statement of {@link Sql}, as one batch; returns the rows each changed. */
  <R> int[] writeAll(Sql.Write<R> write, List<R> rows) throws SQLException {
    if (rows.isEmpty()) {
      return new int[0];
    }
    PreparedStatement s = statement(write.sql());
    for (R row : rows) {
      write.binder().bind(row, new Parameters(s));
      s.addBatch();
    }
    return s.executeBatch();
  }

  <T> List<T> query(String sql, RowReader<T> reader, Object... params) throws SQLException {
    return query(statement(sql), reader, params);
  }

  /**
   * Runs a whole script of statements. sqlite-jdbc's {@code executeUpdate} hands the text to SQLite's own
   * {@code sqlite3_exec}, which runs every statement in it; {@code execute} would run only the first.
   */
  /**
   * The page cache from now on: SQLite's 2 MB, or 32 MB while commits carry many sessions. A session's rows go to the
   * end of their tables (session keys), but its id goes to a random place of the unique index of {@code sessions},
   * and each statement that looks its key up reads that page again: with thousands of sessions in a commit, 2 MB
   * cannot hold those pages from one statement to the next (a flood of 5 000 fresh sessions a second spent about a
   * third of the writer's time copying pages back from the system's cache, and fell behind). Back at 2 MB, the pages
   * past it are freed at once.
   */
  void pageCache(boolean large) throws SQLException {
    if (large != largeCache) {
      runScript("PRAGMA cache_size = -" + (large ? LARGE_CACHE_KIB : CACHE_KIB));
      largeCache = large;
    }
  }

  void runScript(String script) throws SQLException {
    try (var s = connection().createStatement()) {
      s.executeUpdate(script);
    }
  }

  private static <T> List<T> query(PreparedStatement s, RowReader<T> reader, Object... params) throws SQLException {
    bind(s, params);
    List<T> out = new ArrayList<>();
    try (ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        out.add(reader.read(rs));
      }
    }
    return out;
  }

  private static void bind(PreparedStatement s, Object[] params) throws SQLException {
    for (int i = 0; i < params.length; i++) {
      s.setObject(i + 1, params[i]);
    }
  }

  private Connection connection() throws SQLException {
    if (conn == null) {
      conn = DriverManager.getConnection(url);
    }
    return conn;
  }

  /** Drops the connection and its statements; the next use opens a new one. */
  private void discard() {
    close();
  }

  @Override
  public void close() {
    for (PreparedStatement s : prepared.values()) {
      try {
        s.close();
      } catch (SQLException ignored) {
        // Closing the connection below frees it anyway.
      }
    }
    prepared.clear();
    largeCache = false;
    if (conn != null) {
      try {
        conn.close();
      } catch (SQLException ignored) {
        // Already unusable: nothing more to release.
      }
      conn = null;
    }
  }
}
