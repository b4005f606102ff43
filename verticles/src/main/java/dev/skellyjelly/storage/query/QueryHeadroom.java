package dev.skellyjelly.storage.query;

import dev.skellyjelly.storage.HeapHeadroom;
import io.vertx.core.Vertx;

/**
 * The heap's headroom while queries run. A query's answer lives as long as the query (a page of 10 000 events makes
 * some 30 MB and holds much of it for a hundred milliseconds): in a heap sized for ingestion it is promoted, and full
 * collections follow one another, a third of a page's time. While any query runs the query side holds
 * {@link HeapHeadroom}; {@link #IDLE_MS} after the last one ends it lets go. Used on the query verticle's event loop.
 */
final class QueryHeadroom {

  static final long IDLE_MS = 10_000;

  private final Vertx vertx;
  private final long idleMs;
  private final HeapHeadroom heap = HeapHeadroom.ofThisJvm();
  private long restoreTimer = -1;

  QueryHeadroom(Vertx vertx) {
    this(vertx, IDLE_MS);
  }

  QueryHeadroom(Vertx vertx, long idleMs) {
    this.vertx = vertx;
    this.idleMs = idleMs;
  }

  /** A query begins. */
  void begin() {
    if (restoreTimer >= 0) {
      vertx.cancelTimer(restoreTimer);
      restoreTimer = -1;
    }
    heap.hold(this);
  }

  /** A query ended; {@code running}: how many are still executing. */
  void end(int running) {
    if (running == 0 && heap.holds(this) && restoreTimer < 0) {
      restoreTimer = vertx.setTimer(idleMs, id -> {
        restoreTimer = -1;
        restore();
      });
    }
  }

  /** Lets go of the room (at once: the verticle stops). */
  void restore() {
    if (restoreTimer >= 0) {
      vertx.cancelTimer(restoreTimer);
      restoreTimer = -1;
    }
    heap.release(this);
  }
}
