package dev.skellyjelly.storage.query;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.jdbcclient.JDBCConnectOptions;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * The query side's read-only SQLite connections, through the Vert.x JDBC client. WAL lets them read beside the
 * writer's one connection, which no read ever touches. The pool is made on the first read, so a module nobody
 * queries opens no connection; connections idle for a minute are closed.
 */
final class ReadPool implements Reads {

  /** As many connections as queries may execute at once. */
  static final int CONNECTIONS = 2;

  private final Vertx vertx;
  private final String url;
  private Pool pool;

  ReadPool(Vertx vertx, Path database) {
    this.vertx = vertx;
    // open_mode=1 is SQLITE_OPEN_READONLY: every write through these connections fails with SQLITE_READONLY.
    this.url = "jdbc:sqlite:" + database.toAbsolutePath() + "?open_mode=1&busy_timeout=5000";
  }

  @Override
  public Future<RowSet<Row>> query(String sql, Object... params) {
    return params.length == 0 ? pool().query(sql).execute() : pool().preparedQuery(sql).execute(Tuple.wrap(List.of(params)));
  }

  /**
   * Runs {@code work} with one connection inside a read transaction: every statement it makes sees the same
   * snapshot, so places read first (block numbers) still hold when their contents are read, even if the writer
   * compacted them in between. Nothing in {@code work} may ask the pool itself (it would wait for a connection
   * the work holds). The transaction is SQLite's own BEGIN and COMMIT on a connection left in autocommit: the
   * client's transactions leave sqlite-jdbc's connection out of it, so that it begins the next transaction at once and
   * the next read on it would hold its snapshot while the connection sits idle in the pool, keeping the writer from
   * truncating the write-ahead log (a deletion's answer waits for that).
   */
  <T> Future<T> inOneSnapshot(Function<Reads, Future<T>> work) {
    return pool().withConnection(conn -> conn.query("BEGIN").execute().compose(begun -> work.apply((sql, params) ->
        params.length == 0 ? conn.query(sql).execute() : conn.preparedQuery(sql).execute(Tuple.wrap(List.of(params)))))
      .compose(result -> conn.query("COMMIT").execute().map(result),
        err -> conn.query("ROLLBACK").execute().transform(ar -> Future.<T>failedFuture(err))));
  }

  private Pool pool() {
    if (pool == null) {
      pool = JDBCPool.pool(vertx, new JDBCConnectOptions().setJdbcUrl(url),
        new PoolOptions().setMaxSize(CONNECTIONS).setIdleTimeout(60).setName("skelly-storage-read"));
    }
    return pool;
  }

  Future<Void> close() {
    return pool == null ? Future.succeededFuture() : pool.close();
  }

  /** Column {@code i} as a long (SQLite gives expressions no declared type), 0 for null. */
  static long num(Row row, int i) {
    Object v = row.getValue(i);
    if (v instanceof Number n) {
      return n.longValue();
    }
    return v == null ? 0 : Long.parseLong(v.toString());
  }

  /** Column {@code i} as a double, 0 for null. */
  static double real(Row row, int i) {
    Object v = row.getValue(i);
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    return v == null ? 0 : Double.parseDouble(v.toString());
  }

  /** Column {@code i} as a long, or null. */
  static Long numOrNull(Row row, int i) {
    return row.getValue(i) == null ? null : num(row, i);
  }

  /** Column {@code i} as text, or null. */
  static String text(Row row, int i) {
    Object v = row.getValue(i);
    return v == null ? null : v.toString();
  }

  /** Column {@code i} as bytes (a BLOB). */
  static byte[] bytes(Row row, int i) {
    Object v = row.getValue(i);
    if (v instanceof Buffer b) {
      return b.getBytes();
    }
    return (byte[]) v;
  }
}
