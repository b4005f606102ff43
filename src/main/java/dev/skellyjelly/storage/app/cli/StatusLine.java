package dev.skellyjelly.storage.app.cli;

import dev.skellyjelly.storage.StorageMetrics;

import java.io.PrintStream;

/**
 * The live status line on stderr: redrawn in place on a terminal, a plain line every few seconds
 * otherwise.
 */
final class StatusLine {

  static final long PERIOD_MS = 2_000;

  private final StorageMetrics metrics;
  private final PrintStream out;
  private final boolean terminal = System.console() != null;
  private long lastReceived;
  private long lastNanos = System.nanoTime();
  private boolean drawn;

  StatusLine(StorageMetrics metrics, PrintStream out) {
    this.metrics = metrics;
    this.out = out;
  }

  void print() {
    long now = System.nanoTime();
    long received = metrics.eventsReceived();
    double rate = (received - lastReceived) * 1e9 / Math.max(1, now - lastNanos);
    lastReceived = received;
    lastNanos = now;
    String line = String.format("%,.0f events/s | %d windows open | %d batches | screenshots %d in memory, %d on disk | db %.1f MB",
      rate, metrics.windowsOpen().get(), metrics.batchesEmitted(), metrics.screenshotsInMemory().get(),
      metrics.screenshotsOnDisk().get(), metrics.dbSizeBytes().get() / 1048576.0);
    if (terminal) {
      out.print("\r\033[K" + line);
      drawn = true;
    } else {
      out.println(line);
    }
    out.flush();
  }

  void finish() {
    if (drawn) {
      out.println();
      out.flush();
    }
  }
}
