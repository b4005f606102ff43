package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.BudgetState;
import dev.skellyjelly.storage.RetentionMetrics;
import dev.skellyjelly.storage.StorageMetrics;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.sql.SQLException;
import java.time.InstantSource;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * When retention runs, on the writer's worker: a pass at the first housekeeping tick after start-up, then every
 * hour of the module's clock, and sooner when the minute's measure of the disk budget finds it passed. A pass
 * runs one short step per timer task on the writer's context, so commits that arrive meanwhile go between steps;
 * when the writer is busy (events buffered, retrying, stopping) steps wait for the next tick. A checkpoint
 * that readers hold back is retried with backoff, by the tick. The tick also checkpoints the write-ahead log
 * between commits ({@link WalCheckpoints}).
 */
final class Retention {

  private static final Logger LOG = LoggerFactory.getLogger(DbWriterVerticle.class);

  /** How often, in real time, retention looks at the module's clock and the writer. */
  static final long TICK_MS = 1_000L;
  static final long PASS_EVERY_MS = 3_600_000L;
  static final long BUDGET_EVERY_MS = 60_000L;
  /** A pass that failed is tried again after this long on the module's clock. */
  private static final long FAILED_RETRY_MS = 60_000L;
  /** A step longer than this is logged with its size: the most a step should hold the writer. */
  private static final long SLOW_STEP_NANOS = 100_000_000L;

  private final Vertx vertx;
  private final RetentionPolicy policy;
  private final InstantSource clock;
  private final StorageMetrics metrics;
  /** The writer's connection while it is usable (open, no failure being retried, not stopping), else null. */
  private final Supplier<WriterConnection> usable;
  /** Whether nothing is buffered for the writer. */
  private final BooleanSupplier nothingBuffered;
  private final Path database;
  private final StepSize windowStarts = new StepSize(8, 1, 32);
  private final StepSize pages = new StepSize(128, 8, 256);
  private final WalCheckpoints checkpoints = new WalCheckpoints();
  private RetentionPass pass;
  private long nextPassMs = Long.MIN_VALUE;
  private long nextBudgetMs = Long.MIN_VALUE;
  private boolean queued;
  private boolean firstDeletionLogged;
  private Backoff checkpointBackoff = Backoff.NONE;
  private long resumeAtNanos = System.nanoTime();
  private long longestStepNanos;
  private String longestStep = "";
  private int steps;
  private long passStartedNanos;
  /** The size of the untruncated log last logged, so each size is logged once. */
  private long logKeptLogged;

  private Retention(Vertx vertx, RetentionPolicy policy, InstantSource clock, StorageMetrics metrics, Path database,
                    Supplier<WriterConnection> usable, BooleanSupplier nothingBuffered) {
    this.vertx = vertx;
    this.policy = policy;
    this.clock = clock;
    this.metrics = metrics;
    this.database = database;
    this.usable = usable;
    this.nothingBuffered = nothingBuffered;
  }

  /** The writer's connection while it is idle (usable and nothing buffered), else null. */
  private WriterConnection idle() {
    WriterConnection db = usable.get();
    return db != null && nothingBuffered.getAsBoolean() ? db : null;
  }

  /**
   * Starts retention on the calling (writer's) context: its timer ticks every second there, and is cancelled
   * with the writer's deployment.
   *
   * @param usable          the writer's connection while no failure is being retried and the writer is not
   *                        stopping; null otherwise
   * @param nothingBuffered whether nothing waits to be committed
   */
  static Retention schedule(Vertx vertx, RetentionPolicy policy, ModuleContext ctx, Path database,
                            Supplier<WriterConnection> usable, BooleanSupplier nothingBuffered) {
    Retention r = new Retention(vertx, policy, ctx.clock(), ctx.metrics(), database, usable, nothingBuffered);
    vertx.setPeriodic(TICK_MS, id -> r.tick());
    return r;
  }

  /** Every second: starts a pass when one is due, and goes on with the one running. */
  void tick() {
    long now = clock.millis();
    checkpointIfDue();
    WriterConnection db = idle();
    if (db == null) {
      return;
    }
    if (pass == null && now >= nextBudgetMs) {
      nextBudgetMs = now + BUDGET_EVERY_MS;
      if (now < nextPassMs && budgetPassed(db)) {
        nextPassMs = now;
      }
    }
    if (pass == null && now >= nextPassMs) {
      nextPassMs = now + PASS_EVERY_MS;
      nextBudgetMs = now + BUDGET_EVERY_MS;
      metrics.retention().passStarted();
      pass = new RetentionPass(policy, now, database, metrics, windowStarts, pages, checkpoints);
      windowStarts.resetLargest();
      pages.resetLargest();
      steps = 0;
      passStartedNanos = System.nanoTime();
      longestStepNanos = 0;
      longestStep = "";
      if (!firstDeletionLogged && !logFirstDeletion(db)) {
        return;
      }
    }
    stepLater();
  }

  /**
   * A PASSIVE checkpoint of the write-ahead log between commits, when due (a pass's checkpoints after its steps
   * count: while steps run, none is due).
   */
  private void checkpointIfDue() {
    WriterConnection db = usable.get();
    if (db == null || !checkpoints.due(nothingBuffered.getAsBoolean(), System.nanoTime())) {
      return;
    }
    long started = System.nanoTime();
    try {
      checkpoints.passive(db);
      metrics.retention().checkpoint().record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    } catch (SQLException | RuntimeException e) {
      LOG.warn("checkpoint of the write-ahead log failed, trying again later: {}", e.toString());
    }
  }

  /**
   * Measures the budget between passes; whether it was passed and a pass may help (one that found nothing left
   * to remove leaves the state {@code over} until the next hourly pass).
   */
  private boolean budgetPassed(WriterConnection db) {
    try {
      BudgetState state = RetentionPass.measure(db, database, policy);
      if (!RetentionPass.passed(state, policy)) {
        metrics.retention().budget(state);
        return false;
      }
      boolean over = "over".equals(metrics.retention().budget().state());
      metrics.retention().budget(RetentionPass.withState(state, over ? "over" : "trimming"));
      return !over;
    } catch (SQLException | RuntimeException e) {
      return false;
    }
  }

  /** Logs what the first automatic deletion since start-up will remove; false when the pass failed already. */
  private boolean logFirstDeletion(WriterConnection db) {
    try {
      String preview = pass.preview(db);
      if (preview != null) {
        LOG.info("retention: the first deletion since start-up removes {}", preview);
        firstDeletionLogged = true;
      }
      return true;
    } catch (SQLException | RuntimeException e) {
      failed(e);
      return false;
    }
  }

  private void stepLater() {
    if (pass == null || queued || System.nanoTime() - resumeAtNanos < 0 || idle() == null) {
      return;
    }
    queued = true;
    // A timer rather than a task on the context: the writer's undeployment cancels it.
    vertx.setTimer(1, id -> {
      queued = false;
      WriterConnection db = idle();
      if (db != null && pass != null && step(db)) {
        stepLater();
      }
    });
  }

  /** Runs one step; whether the next may follow at once. */
  private boolean step(WriterConnection db) {
    long started = System.nanoTime();
    String what = pass.next();
    RetentionPass.Progress progress;
    try {
      progress = pass.step(db);
    } catch (SQLException | RuntimeException e) {
      failed(e);
      return false;
    }
    long took = System.nanoTime() - started;
    metrics.retention().step().record(took, TimeUnit.NANOSECONDS);
    if (took > SLOW_STEP_NANOS) {
      LOG.info("retention step '{}' (size {}) held the writer {} ms", what, pass.lastStepSize(),
        TimeUnit.NANOSECONDS.toMillis(took));
    }
    if (took > longestStepNanos) {
      longestStepNanos = took;
      longestStep = what;
    }
    steps++;
    switch (progress) {
      case MORE -> {
        return true;
      }
      case WAIT -> {
        checkpointBackoff = checkpointBackoff.next();
        resumeAtNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(checkpointBackoff.delayMs());
        // The writer's tick goes on after the wait (a timer of its own could outlive the writer's stop).
        return false;
      }
      default -> {
        done();
        return false;
      }
    }
  }

  private void done() {
    long passNanos = System.nanoTime() - passStartedNanos;
    long after = FileShrink.fileBytes(database);
    metrics.dbSizeBytes().set(after);
    metrics.retention().passDone();
    boolean removed = pass.rawEvents() + pass.minuteRows() + pass.hourRows() > 0;
    String summary = "retention pass: removed {} raw events, {} minute and {} hour rollup rows ({} days for the disk "
      + "budget); file {} -> {} bytes; {} steps ({} of them checkpoints) in {} ms, the longest {} ms ({}); at most {} "
      + "window starts and {} pages a step";
    Object[] args = {pass.rawEvents(), pass.minuteRows(), pass.hourRows(), pass.budgetDays(), pass.fileBytesBefore(),
      after, steps, pass.checkpointSteps(), TimeUnit.NANOSECONDS.toMillis(passNanos), TimeUnit.NANOSECONDS.toMillis(longestStepNanos), longestStep,
      windowStarts.largest(), pass.largestVacuumPages()};
    metrics.retention().lastPass(new RetentionMetrics.LastPass(steps, pass.checkpointSteps(), passNanos, longestStepNanos,
      longestStep, windowStarts.largest(), windowStarts.max(), pass.largestVacuumPages(), pages.max()));
    if (removed) {
      LOG.info(summary, args);
    } else {
      LOG.debug(summary, args);
    }
    if (pass.logKept() > 0 && pass.logKept() != logKeptLogged) {
      logKeptLogged = pass.logKept();
      LOG.info("the write-ahead log ({} bytes, fully checkpointed) is larger than one short step truncates; it is "
        + "written over from its start and removed when the database closes", pass.logKept());
    }
    checkpointBackoff = Backoff.NONE;
    pass = null;
  }

  private void failed(Exception e) {
    LOG.warn("retention pass failed, trying again in {} s: {}", FAILED_RETRY_MS / 1000, e.toString());
    pass = null;
    metrics.retention().passFailed();
    nextPassMs = clock.millis() + FAILED_RETRY_MS;
  }
}
