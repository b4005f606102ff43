package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.ShutdownTimeoutException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.LongSupplier;

/**
 * Orders the drain of the module's verticles. Vert.x undeploys a parent's children all at once, so each
 * verticle's {@code stop()} waits for the stage before it: the receiver hands over what it accepted, the
 * batcher emits every open window, the screenshot store deletes what it holds, the writer commits last.
 * The first stop starts the clock; past the deadline, what must happen even then (the screenshot files go)
 * runs first, then every stage still running fails with {@link ShutdownTimeoutException}.
 */
public final class ShutdownSequence {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ShutdownSequence.class);

  /** The stages in the order they drain. */
  public enum Stage { RECEIVER, BATCHER, SCREENSHOTS, WRITER }

  private final Map<Stage, Promise<Void>> done = new EnumMap<>(Stage.class);
  private final long timeoutMs;
  private final LongSupplier uncommitted;
  private Promise<Void> deadline;
  private final List<Supplier<Future<?>>> atDeadline = new ArrayList<>();
  /** How long the work of {@link #atDeadline} may delay the failure past the deadline, at most. */
  static final long AT_DEADLINE_LIMIT_MS = 5_000;

  public ShutdownSequence(long timeoutMs, LongSupplier uncommitted) {
    this.timeoutMs = timeoutMs;
    this.uncommitted = uncommitted;
    for (Stage s : Stage.values()) {
      done.put(s, Promise.promise());
    }
  }

  /** A stage whose verticle is not deployed: the stages after it do not wait for it. */
  public void absent(Stage stage) {
    done.get(stage).tryComplete();
  }

  /**
   * Work that must be done even when a stop runs out of time, before the stages are failed: it runs at the
   * deadline, for at most {@link #AT_DEADLINE_LIMIT_MS}, and must hop to its own verticle's context itself.
   */
  public synchronized void atDeadline(Supplier<Future<?>> work) {
    atDeadline.add(work);
  }

  private synchronized List<Supplier<Future<?>>> atDeadline() {
    return new ArrayList<>(atDeadline);
  }

  /** Whether a stop began and ran past its deadline: what is still unrecorded stays so until the next start. */
  public synchronized boolean pastDeadline() {
    return deadline != null && deadline.future().failed();
  }

  /**
   * Runs {@code drain} once the previous stage finished (successfully or not), and returns the future a
   * verticle's {@code stop()} returns: the drain's outcome, or a timeout.
   */
  public synchronized Future<Void> stop(Vertx vertx, Stage stage, Supplier<Future<?>> drain) {
    if (deadline == null) {
      deadline = Promise.promise();
      Promise<Void> d = deadline;
      LOG.debug("shutdown begins with {}; deadline in {} ms", stage, timeoutMs);
      vertx.setTimer(timeoutMs, id -> {
        LOG.debug("shutdown deadline reached");
        // The undeploy fails as soon as one stage fails, and the process may end right after: what must
        // happen even so is done first, for a bounded time.
        List<Future<?>> running = new ArrayList<>();
        for (Supplier<Future<?>> work : atDeadline()) {
          try {
            running.add(work.get());
          } catch (RuntimeException e) {
            running.add(Future.failedFuture(e));
          }
        }
        long limit = vertx.setTimer(AT_DEADLINE_LIMIT_MS,
          t -> d.tryFail(new ShutdownTimeoutException(timeoutMs, uncommitted.getAsLong())));
        Future.join(running).onComplete(ignored -> {
          vertx.cancelTimer(limit);
          d.tryFail(new ShutdownTimeoutException(timeoutMs, uncommitted.getAsLong()));
        });
      });
    }
    Future<Void> previous = stage.ordinal() == 0 ? Future.succeededFuture()
      : done.get(Stage.values()[stage.ordinal() - 1]).future();
    Promise<Void> mine = done.get(stage);
    // The drain runs on the stage's own context, never on the thread that finished the previous stage.
    Context own = vertx.getOrCreateContext();
    previous.onComplete(ignored -> own.runOnContext(v -> {
      Future<?> drained;
      try {
        drained = drain.get();
      } catch (RuntimeException e) {
        drained = Future.failedFuture(e);
      }
      drained.onComplete(ar -> {
        LOG.debug("stage {} drained: {}", stage, ar.succeeded() ? "ok" : ar.cause().toString());
        if (ar.succeeded()) {
          mine.tryComplete();
        } else {
          mine.tryFail(ar.cause());
        }
      });
    }));
    Promise<Void> result = Promise.promise();
    mine.future().onComplete(result);
    deadline.future().onFailure(result::tryFail);
    return result.future();
  }
}
