package dev.skellyjelly.storage;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.HashMap;
import java.util.Map;

/**
 * Retention's meters ({@code retention_deleted_total{tier}}, {@code retention_step_seconds},
 * {@code retention_passes_total}), the write-ahead log's checkpoints between commits ({@code wal_checkpoint_seconds}),
 * the disk budget as the writer last measured it, for {@code /health}, and what the last pass did.
 */
public final class RetentionMetrics {

  /**
   * What the last retention pass did: its steps (the PASSIVE checkpoints after steps that wrote among them), its
   * wall time from the first step to the last (commits ran between steps), the
   * longest one and what it was, the most window starts and free pages one step took on, and the most the
   * adaptive step sizes ever allow.
   */
  public record LastPass(int steps, int checkpointSteps, long passNanos, long longestStepNanos, String longestStep,
                         long largestWindowStarts, long windowStartsBound, long largestVacuumPages,
                         long vacuumPagesBound) {
    public static final LastPass NONE = new LastPass(0, 0, 0, 0, "", 0, 0, 0, 0);
  }

  /** Retention's tiers, for {@code retention_deleted_total{tier}}. */
  public static final String[] TIERS = {"raw", "minute", "hour"};

  /** Deletions by tier: events for {@code raw}, rows for {@code minute} and {@code hour}. */
  private final Map<String, Counter> deleted = new HashMap<>();
  private final Timer step;
  private final Counter passes;
  private final Timer checkpoint;
  private volatile LastPass lastPass = LastPass.NONE;
  private volatile boolean running;
  private volatile BudgetState budget = BudgetState.UNMEASURED;

  RetentionMetrics(MeterRegistry registry) {
    for (String tier : TIERS) {
      deleted.put(tier, Counter.builder(StorageMetrics.PREFIX + "retention.deleted").tag("tier", tier)
        .description("removed by retention or the disk budget: events (raw), rows (minute, hour)").register(registry));
    }
    step = Timer.builder(StorageMetrics.PREFIX + "retention.step").description("one retention step on the writer's "
      + "connection").register(registry);
    passes = Counter.builder(StorageMetrics.PREFIX + "retention.passes").description("retention passes completed")
      .register(registry);
    checkpoint = Timer.builder(StorageMetrics.PREFIX + "wal.checkpoint").description("a PASSIVE checkpoint of the "
      + "write-ahead log between commits, outside retention passes").register(registry);
  }

  public Timer checkpoint() {
    return checkpoint;
  }

  public LastPass lastPass() {
    return lastPass;
  }

  public void lastPass(LastPass pass) {
    lastPass = pass;
  }

  /** Counts what retention removed from a tier (events for raw, rows for the rollup tiers). */
  public void deleted(String tier, long n) {
    if (n > 0) {
      deleted.get(tier).increment(n);
    }
  }

  public long deleted(String tier) {
    return (long) deleted.get(tier).count();
  }

  public Timer step() {
    return step;
  }

  public void passStarted() {
    running = true;
  }

  public void passDone() {
    running = false;
    passes.increment();
  }

  public void passFailed() {
    running = false;
  }

  /** Whether a pass has started and not completed (one that failed is not running). */
  public boolean running() {
    return running;
  }

  public long passes() {
    return (long) passes.count();
  }

  /** The disk budget as last measured. */
  public BudgetState budget() {
    return budget;
  }

  public void budget(BudgetState state) {
    budget = state;
  }
}
