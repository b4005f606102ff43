package dev.skellyjelly.storage.app.cli;

import dev.skellyjelly.storage.FileModule;
import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.StorageMetrics;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.Codecs;
import dev.skellyjelly.storage.query.QueryVerticle;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.InstantSource;

/**
 * How command-line verbs ask a GraphQL request (query, variables) of the module ({@link ModuleLink}): a running
 * module over {@code POST /graphql}, or over the TCP bridge when it serves no HTTP; when no module holds the
 * database, a query is answered by the query side alone deployed on the file, read-only, and a mutation by
 * {@link FileModule} (the writer, capture control and query side: nothing that receives input or emits batches).
 * A module running with neither HTTP nor the bridge is an error naming {@code http_port} and
 * {@code tcp_bridge_port}.
 */
public final class QueryClient {

  private final StorageConfig config;

  public QueryClient(StorageConfig config) {
    this.config = config;
  }

  /** The GraphQL response of a query; {@link IllegalStateException} with a one-line reason when the module cannot be asked. */
  public JsonObject ask(String query, JsonObject variables) throws IOException, InterruptedException {
    return request(query, variables, false);
  }

  /** The GraphQL response of a mutation (pause, resume, forget, deleteRange). */
  public JsonObject mutate(String query, JsonObject variables) throws IOException, InterruptedException {
    return request(query, variables, true);
  }

  private JsonObject request(String query, JsonObject variables, boolean writes) throws IOException, InterruptedException {
    JsonObject request = new JsonObject().put("query", query).put("variables", variables);
    ModuleLink.Running module = ModuleLink.find(config, true);
    if (module == null) {
      return fromFile(request, writes);
    }
    if (module.httpPort() > 0) {
      return overHttp(module.http("ask it"), request);
    }
    if (module.tcpBridgePort() > 0) {
      return BridgeQuery.ask(module.host(), module.tcpBridgePort(), module.token(), request);
    }
    throw new IllegalStateException("the running module (pid " + module.pid() + ") serves neither HTTP nor the TCP "
      + "bridge: set http_port or tcp_bridge_port to query it");
  }

  private static JsonObject overHttp(ModuleLink.Http http, JsonObject request) throws IOException, InterruptedException {
    HttpResponse<String> response = http.client().send(http.request("graphql")
      .header("Content-Type", "application/json").timeout(Duration.ofMinutes(5))
      .POST(HttpRequest.BodyPublishers.ofString(request.encode())).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("HTTP " + response.statusCode() + " from /graphql: " + response.body().strip());
    }
    return new JsonObject(response.body());
  }

  private JsonObject fromFile(JsonObject request, boolean writes) {
    Vertx vertx = Vertx.vertx();
    try {
      Codecs.ensureRegistered(vertx);
      VerticleBase side = writes ? new FileModule(InstantSource.system())
        : new QueryVerticle(InstantSource.system(), new StorageMetrics(new SimpleMeterRegistry()));
      vertx.deployVerticle(side, new DeploymentOptions().setConfig(config.toJson())).await();
      return vertx.eventBus().<JsonObject>request(Addresses.QUERY, request).await().body();
    } finally {
      vertx.close().await();
    }
  }
}
