package dev.skellyjelly.storage.app.cli;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/** The median and 99th percentile of a measure, in milliseconds, as {@code bench} reports them. */
record BenchFigures(double p50Ms, double p99Ms) {

  /** From one of the module's timers (its published percentiles). */
  static BenchFigures of(Timer timer) {
    double p50 = 0;
    double p99 = 0;
    for (ValueAtPercentile v : timer.takeSnapshot().percentileValues()) {
      if (v.percentile() == 0.5) {
        p50 = v.value(TimeUnit.MILLISECONDS);
      } else if (v.percentile() == 0.99) {
        p99 = v.value(TimeUnit.MILLISECONDS);
      }
    }
    return new BenchFigures(p50, p99);
  }

  /** From samples in milliseconds (sorted here, in place). */
  static BenchFigures of(double[] samplesMs) {
    Arrays.sort(samplesMs);
    return new BenchFigures(percentile(samplesMs, 0.5), percentile(samplesMs, 0.99));
  }

  private static double percentile(double[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
  }

  static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }
}
