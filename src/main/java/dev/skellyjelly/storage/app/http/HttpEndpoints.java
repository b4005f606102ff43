package dev.skellyjelly.storage.app.http;

import dev.skellyjelly.storage.BudgetState;
import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.StorageMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import dev.skellyjelly.storage.app.net.BridgePressure;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;

import java.nio.file.Path;

/**
 * The module's HTTP face on {@code http_host:http_port}: {@code GET /metrics} (Prometheus text) and
 * {@code GET /health} (database writable, queues below their bounds, the disk budget, disk space, the bridges' pressure:
 * {@link BridgePressure}). Bridges may add routes to
 * the same router before the server starts.
 */
public final class HttpEndpoints {

  /** Below this much free space on the database's file system, /health reports the disk as failing. */
  public static final long MIN_FREE_BYTES = 64L << 20;

  private HttpEndpoints() {
  }

  /** {@code pressure}: the bridges' ({@code /health} check {@code bridges}), whether or not a bridge is on. */
  public static Router router(Vertx vertx, StorageConfig config, StorageMetrics metrics, BridgePressure pressure) {
    Router router = Router.router(vertx);
    if (metrics.registry() instanceof PrometheusMeterRegistry prometheus) {
      router.get("/metrics").handler(PrometheusScrapingHandler.create(prometheus));
    }
    router.get("/health").handler(HealthCheckHandler.createWithHealthChecks(healthChecks(vertx, config, metrics,
      pressure)));
    return router;
  }

  /** The module's checks and the bridges' ({@link BridgePressure}). */
  public static HealthChecks healthChecks(Vertx vertx, StorageConfig config, StorageMetrics metrics,
                                          BridgePressure pressure) {
    HealthChecks checks = healthChecks(vertx, config, metrics);
    checks.register("bridges", promise -> promise.complete(pressure.pressed() ? Status.KO(pressure.toJson())
      : Status.OK(pressure.toJson())));
    return checks;
  }

  public static HealthChecks healthChecks(Vertx vertx, StorageConfig config, StorageMetrics metrics) {
    HealthChecks checks = HealthChecks.create(vertx);
    checks.register("database", promise -> {
      String error = metrics.databaseError();
      promise.complete(error == null ? Status.OK() : Status.KO(new JsonObject().put("error", error)));
    });
    checks.register("queues", promise -> {
      JsonObject depths = new JsonObject();
      boolean ok = true;
      for (String stage : StorageMetrics.STAGES) {
        long depth = metrics.queueDepth(stage).get();
        depths.put(stage, depth);
        ok &= depth < metrics.queueBound(stage);
      }
      promise.complete(ok ? Status.OK(depths) : Status.KO(depths));
    });
    // The disk budget as the writer last measured it: DOWN only when nothing it may remove is left.
    checks.register("budget", promise -> {
      BudgetState budget = metrics.retention().budget();
      promise.complete(budget.healthy() ? Status.OK(budget.toJson()) : Status.KO(budget.toJson()));
    });
    Path dir = Path.of(config.databasePath()).toAbsolutePath().getParent();
    checks.register("disk", promise -> vertx.fileSystem().fsProps(dir.toString())
      .onSuccess(props -> {
        JsonObject data = new JsonObject().put("usable_bytes", props.usableSpace());
        promise.complete(props.usableSpace() >= MIN_FREE_BYTES ? Status.OK(data) : Status.KO(data));
      })
      .onFailure(err -> promise.complete(Status.KO(new JsonObject().put("error", err.getMessage())))));
    return checks;
  }

  /**
   * Starts the server; its WebSocket limits are the SockJS bridge's message limit ({@code sockjs_max_message_kb}),
   * so Netty refuses a larger message from its frame headers, before gathering it. HTTP/1.1 only: a client's
   * cleartext HTTP/2 upgrade ({@code Upgrade: h2c}, as the JDK's client asks by default) is ignored, and the answer
   * comes over HTTP/1.1; requests that asked for the upgrade were seen left unanswered.
   */
  public static Future<HttpServer> start(Vertx vertx, StorageConfig config, Router router) {
    int limit = (int) Math.min(Integer.MAX_VALUE, config.sockjsMaxMessageBytes());
    HttpServerOptions options = new HttpServerOptions().setHost(config.httpHost()).setPort(config.httpPort())
      .setMaxWebSocketMessageSize(limit).setMaxWebSocketFrameSize(limit).setHttp2ClearTextEnabled(false);
    return vertx.createHttpServer(options).requestHandler(router).listen();
  }
}
