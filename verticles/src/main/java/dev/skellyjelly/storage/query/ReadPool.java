package dev.skellyjelly.storage.query;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Function;

/**
 * The query side's read-only SQLite connections, plain JDBC on worker threads: each row is read as its columns'
 * values and nothing more (SQLite's columns carry no declared type worth describing per row). WAL lets them read
 * beside the writer's one connection, which no read ever touches. Connections are opened on the first read, so a
 * module nobody queries opens none, and closed once the pool has been idle for a minute.
 */
final class ReadPool implements Reads {

  /** As many connections as queries may execute at once. */
  static final int CONNECTIONS = 2;
  static final long IDLE_CLOSE_MS = 60_000;
  private static final Object[] NO_PARAMS = {};

  private final Vertx vertx;
  private final String url;
  private final Deque<Connection> idle = new ArrayDeque<>();
  private final Deque<Promise<Connection>> waiting = new ArrayDeque<>();
  private int open;
  private boolean closed;
  private long idleTimer = -1;

  ReadPool(Vertx vertx, Path database) {
    this.vertx = vertx;
    // open_mode=1 is SQLITE_OPEN_READONLY: every write through these connections fails with SQLITE_READONLY.
    this.url = "jdbc:sqlite:" + database.toAbsolutePath() + "?open_mode=1&busy_timeout=5000";
  }

  @Override
  public Future<Rows> query(String sql, Object... params) {
    return withConnection(c -> vertx.executeBlocking(() -> run(c, sql, params), false));
  }

  /**
   * Runs {@code work} with one connection inside a read transaction: every statement it makes sees the same
   * snapshot, so places read first (block numbers) still hold when their contents are read, even if the writer
   * compacted them in between. Nothing in {@code work} may ask the pool itself (it would wait for a connection
   * the work holds). The transaction is SQLite's own BEGIN and COMMIT on a connection left in autocommit
   * (sqlite-jdbc out of autocommit begins the next transaction at once, and the next read on it would hold its
   * snapshot while the connection sits idle in the pool, keeping the writer from truncating the write-ahead log).
   */
  <T> Future<T> inOneSnapshot(Function<Reads, Future<T>> work) {
    return withConnection(c -> vertx.executeBlocking(() -> run(c, "BEGIN", NO_PARAMS), false)
      .compose(begun -> work.apply((sql, params) -> vertx.executeBlocking(() -> run(c, sql, params), false)))
      .compose(result -> vertx.executeBlocking(() -> run(c, "COMMIT", NO_PARAMS), false).map(result),
        err -> vertx.executeBlocking(() -> run(c, "ROLLBACK", NO_PARAMS), false).transform(ar -> Future.<T>failedFuture(err))));
  }

  private <T> Future<T> withConnection(Function<Connection, Future<T>> work) {
    return acquire().compose(c -> {
      Future<T> done;
      try {
        done = work.apply(c);
      } catch (RuntimeException e) {
        done = Future.failedFuture(e);
      }
      return done.andThen(ar -> release(c));
    });
  }

  /** The rows of one statement (blocking; statements of one connection run one at a time). */
  private static Rows run(Connection c, String sql, Object[] params) throws SQLException {
    synchronized (c) {
      try (PreparedStatement st = c.prepareStatement(sql)) {
        for (int i = 0; i < params.length; i++) {
          st.setObject(i + 1, params[i]);
        }
        if (!st.execute()) {
          return new Rows(List.of());
        }
        try (ResultSet rs = st.getResultSet()) {
          int n = rs.getMetaData().getColumnCount();
          List<Row> out = new ArrayList<>();
          while (rs.next()) {
            Object[] v = new Object[n];
            for (int j = 0; j < n; j++) {
              v[j] = rs.getObject(j + 1);
            }
            out.add(new Row(v));
          }
          return new Rows(out);
        }
      }
    }
  }

  private Future<Connection> acquire() {
    synchronized (this) {
      if (closed) {
        return Future.failedFuture("the query side is stopping");
      }
      if (!idle.isEmpty()) {
        return Future.succeededFuture(idle.pop());
      }
      if (open >= CONNECTIONS) {
        Promise<Connection> p = Promise.promise();
        waiting.addLast(p);
        return p.future();
      }
      open++;
    }
    return vertx.<Connection>executeBlocking(() -> DriverManager.getConnection(url), false).onFailure(e -> {
      synchronized (this) {
        open--;
      }
    });
  }

  private void release(Connection c) {
    Promise<Connection> next;
    boolean shut;
    synchronized (this) {
      shut = closed;
      next = shut ? null : waiting.pollFirst();
      if (shut) {
        open--;
      } else if (next == null) {
        idle.push(c);
        if (idle.size() == open) {
          if (idleTimer >= 0) {
            vertx.cancelTimer(idleTimer);
          }
          idleTimer = vertx.setTimer(IDLE_CLOSE_MS, id -> closeIdle(id));
        }
      }
    }
    if (next != null) {
      next.complete(c);
    } else if (shut) {
      closeAll(List.of(c));
    }
  }

  private void closeIdle(long timer) {
    List<Connection> toClose;
    synchronized (this) {
      if (timer != idleTimer || idle.size() != open) {
        return;
      }
      idleTimer = -1;
      toClose = new ArrayList<>(idle);
      idle.clear();
      open = 0;
    }
    closeAll(toClose);
  }

  private Future<Void> closeAll(List<Connection> connections) {
    return vertx.executeBlocking(() -> {
      for (Connection c : connections) {
        c.close();
      }
      return null;
    }, false);
  }

  Future<Void> close() {
    List<Connection> toClose;
    synchronized (this) {
      closed = true;
      if (idleTimer >= 0) {
        vertx.cancelTimer(idleTimer);
      }
      toClose = new ArrayList<>(idle);
      open -= idle.size();
      idle.clear();
      waiting.forEach(p -> p.tryFail("the query side is stopping"));
      waiting.clear();
    }
    return toClose.isEmpty() ? Future.succeededFuture() : closeAll(toClose);
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
    return (byte[]) row.getValue(i);
  }
}
