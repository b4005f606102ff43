package dev.skellyjelly.storage.query;

import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.StorageMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.time.InstantSource;
import java.util.concurrent.Callable;

/** What every resolver reads through: the read-only pool, the configuration, the clock, the module's meters. */
record QueryContext(Vertx vertx, ReadPool pool, StorageConfig config, InstantSource clock, StorageMetrics metrics) {

  long nowMs() {
    return clock.millis();
  }

  /** CPU work on rows already read (decoding blocks, merging rollups), off the event loop. */
  <T> Future<T> offLoop(Callable<T> work) {
    return vertx.executeBlocking(work, false);
  }

  /** Runs {@code task} on a worker thread (an {@link java.util.concurrent.Executor} for graphql-java's stages). */
  void onWorker(Runnable task) {
    vertx.executeBlocking(() -> {
      task.run();
      return null;
    }, false);
  }
}
