package dev.skellyjelly.storage.impl;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.sql.SQLException;
import java.util.concurrent.TimeUnit;

/**
 * Checkpoints the whole write-ahead log into the database file and truncates it to nothing, so that pages a
 * deletion overwrote are no longer readable from the log. SQLite cannot while a reader holds a snapshot older
 * than the log's end (a query on the read pool): each try ({@link WalCheckpoints#truncateNow}) does not wait, and the
 * next one comes on the caller's timer, sooner at first, at most a second apart, until a deadline. On the writer's
 * thread only.
 */
final class WalTruncation {

  private static final long FIRST_RETRY_MS = 5;
  private static final long MAX_RETRY_MS = 1_000;

  /** Supplies the writer's connection, or fails when it is not open. */
  interface Source {
    WriterConnection get() throws SQLException;
  }

  private WalTruncation() {
  }

  /**
   * Completes once a try succeeds; fails once {@code giveUpMs} have passed (real time: readers hold their snapshots
   * in real time) or the database fails. Called on the writer's context, whose timer runs the retries.
   */
  static Future<Void> truncate(Vertx vertx, Source db, long giveUpMs) {
    Promise<Void> done = Promise.promise();
    attempt(vertx, db, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(giveUpMs), FIRST_RETRY_MS, done);
    return done.future();
  }

  private static void attempt(Vertx vertx, Source db, long deadlineNanos, long delayMs, Promise<Void> done) {
    try {
      if (WalCheckpoints.truncateNow(db.get())) {
        done.complete();
        return;
      }
    } catch (SQLException | RuntimeException err) {
      done.fail(err);
      return;
    }
    if (System.nanoTime() - deadlineNanos >= 0) {
      done.fail("the write-ahead log could not be truncated: a reader held an older snapshot throughout");
      return;
    }
    vertx.setTimer(delayMs, id -> attempt(vertx, db, deadlineNanos, Math.min(MAX_RETRY_MS, delayMs * 2), done));
  }
}
