package dev.skellyjelly.storage.query;

import com.sun.management.HotSpotDiagnosticMXBean;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;

/**
 * The heap's headroom while queries run. The module's JVM keeps its heap close to its live size
 * ({@code conf/jvm.options}: {@code MinHeapFreeRatio=15}, {@code MaxHeapFreeRatio=35}), which suits ingestion,
 * whose objects die young. A query's answer lives as long as the query (a page of 10 000 events makes some 30 MB
 * and holds much of it for a hundred milliseconds): in a heap sized for ingestion it is promoted, and full
 * collections follow one another, a third of a page's time. While any query runs, HotSpot's manageable free
 * ratios are raised to {@link #MIN_FREE}/{@link #MAX_FREE}; {@link #IDLE_MS} after the last
 * one ends they are put back, and the next full collection gives the room back. {@code -Xmx}, the bound every
 * budget adds up under, is untouched; a JVM without the flags (or already at these ratios) is left alone.
 * Used on the query verticle's event loop.
 */
final class QueryHeadroom {

  static final long IDLE_MS = 10_000;
  static final int MIN_FREE = 60;
  static final int MAX_FREE = 85;
  private static final String MIN = "MinHeapFreeRatio";
  private static final String MAX = "MaxHeapFreeRatio";
  private static final Logger LOG = LoggerFactory.getLogger(QueryHeadroom.class);

  private final Vertx vertx;
  private final long idleMs;
  /** Looked up on the first query: a module nobody queries loads nothing of JMX for it. */
  private HotSpotDiagnosticMXBean vm;
  private String restingMin;
  private String restingMax;
  private boolean raised;
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
    if (raised) {
      return;
    }
    try {
      if (vm == null) {
        vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
      }
      restingMin = vm.getVMOption(MIN).getValue();
      restingMax = vm.getVMOption(MAX).getValue();
      if (Integer.parseInt(restingMin) >= MIN_FREE && Integer.parseInt(restingMax) >= MAX_FREE) {
        return;
      }
      // The minimum may never exceed the maximum: the maximum goes up first, and comes down last.
      vm.setVMOption(MAX, Integer.toString(Math.max(MAX_FREE, Integer.parseInt(restingMax))));
      vm.setVMOption(MIN, Integer.toString(Math.max(MIN_FREE, Integer.parseInt(restingMin))));
      raised = true;
    } catch (RuntimeException e) {
      LOG.debug("heap free ratios left as they are: {}", e.toString());
    }
  }

  /** A query ended; {@code running}: how many are still executing. */
  void end(int running) {
    if (running == 0 && raised && restoreTimer < 0) {
      restoreTimer = vertx.setTimer(idleMs, id -> {
        restoreTimer = -1;
        restore();
      });
    }
  }

  /** Puts the resting ratios back (at once: the verticle stops). */
  void restore() {
    if (restoreTimer >= 0) {
      vertx.cancelTimer(restoreTimer);
      restoreTimer = -1;
    }
    if (!raised) {
      return;
    }
    raised = false;
    try {
      vm.setVMOption(MIN, restingMin);
      vm.setVMOption(MAX, restingMax);
    } catch (RuntimeException e) {
      LOG.debug("heap free ratios not put back: {}", e.toString());
    }
  }
}
