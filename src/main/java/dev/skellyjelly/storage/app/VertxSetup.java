package dev.skellyjelly.storage.app;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.micrometer.backends.BackendRegistries;

import java.util.concurrent.TimeUnit;

/**
 * How the host builds its Vert.x: two event loops (CPU at low rates is mostly thread wake-ups), the native
 * transport where there is one (its wake-ups cost about half those of the JDK selector), a small worker pool, and Micrometer with a Prometheus registry carrying the module's meters plus the JVM and
 * process binders. Vert.x's own per-message meters are off: they would cost more than the module.
 */
public final class VertxSetup {

  private VertxSetup() {
  }

  public static VertxOptions options() {
    MicrometerMetricsOptions metrics = new MicrometerMetricsOptions()
      .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
      .setJvmMetricsEnabled(true)
      .setEnabled(true);
    for (MetricsDomain domain : MetricsDomain.values()) {
      metrics.addDisabledMetricsCategory(domain);
    }
    // Few threads: each one that writes a screenshot file keeps native buffers and a malloc arena of its own.
    VertxOptions options = new VertxOptions().setEventLoopPoolSize(Integer.getInteger("skelly.eventLoops", 2))
      .setWorkerPoolSize(2).setInternalBlockingPoolSize(2).setPreferNativeTransport(true).setMetricsOptions(metrics);
    // Vert.x's blocked-thread checker, tightened by tests that prove no event-loop task runs long; unset, the
    // defaults stay.
    Long checkMs = Long.getLong("skelly.blockedThreadCheckMs");
    if (checkMs != null) {
      options.setBlockedThreadCheckInterval(checkMs).setBlockedThreadCheckIntervalUnit(TimeUnit.MILLISECONDS);
    }
    Long maxExecuteMs = Long.getLong("skelly.maxEventLoopExecuteMs");
    if (maxExecuteMs != null) {
      options.setMaxEventLoopExecuteTime(maxExecuteMs).setMaxEventLoopExecuteTimeUnit(TimeUnit.MILLISECONDS);
    }
    // From how long a blocked thread's warning carries its stack (where the long task is).
    Long stackMs = Long.getLong("skelly.blockedStackMs");
    if (stackMs != null) {
      options.setWarningExceptionTime(stackMs).setWarningExceptionTimeUnit(TimeUnit.MILLISECONDS);
    }
    return options;
  }

  /** After Vert.x started: its registry, with the JVM and process binders already bound. */
  public static MeterRegistry registry() {
    return BackendRegistries.getDefaultNow();
  }
}
