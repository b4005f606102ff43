package dev.skellyjelly.storage.app.cli;

import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.StorageMetrics;
import dev.skellyjelly.storage.app.net.BridgeToken;
import dev.skellyjelly.storage.app.net.OwnerOnlyFile;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.Codecs;
import dev.skellyjelly.storage.query.QueryVerticle;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.InstantSource;

/**
 * How command-line verbs ask a GraphQL request (query, variables) of the module: a running module found through
 * {@code endpoint.json} is asked over {@code POST /graphql}, or over the TCP bridge when it serves no HTTP, with the
 * token of {@code bridge.token} (or {@code bridge_token}); when no module holds the database, the query side alone
 * is deployed on the file, read-only (nothing that writes or emits batches). A module running with neither is an
 * error naming {@code http_port} and {@code tcp_bridge_port}.
 */
public final class QueryClient {

  private final StorageConfig config;

  public QueryClient(StorageConfig config) {
    this.config = config;
  }

  /** The GraphQL response; {@link IllegalStateException} with a one-line reason when the module cannot be asked. */
  public JsonObject ask(String query, JsonObject variables) throws IOException, InterruptedException {
    JsonObject request = new JsonObject().put("query", query).put("variables", variables);
    JsonObject endpoint = EndpointFile.live(config);
    if (endpoint != null) {
      String host = endpoint.getString("host", "127.0.0.1");
      int port = endpoint.getInteger("http_port", 0);
      if (port > 0) {
        return overHttp(host, port, request);
      }
      int bridgePort = endpoint.getInteger("tcp_bridge_port", 0);
      if (bridgePort > 0) {
        return BridgeQuery.ask(host, bridgePort, token(), request);
      }
      throw new IllegalStateException("the running module (pid " + endpoint.getLong("pid")
        + ") serves neither HTTP nor the TCP bridge: set http_port or tcp_bridge_port to query it");
    }
    Path db = Path.of(config.databasePath()).toAbsolutePath();
    if (!Files.exists(db)) {
      throw new IllegalStateException("no database at " + db);
    }
    if (heldByAModule(db)) {
      throw new IllegalStateException("a module holds " + db + " serving neither HTTP nor the TCP bridge: set http_port or tcp_bridge_port to query it");
    }
    return fromFile(request);
  }

  private JsonObject overHttp(String host, int port, JsonObject request) throws IOException, InterruptedException {
    String token = token();
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://" + (host.contains(":")
        ? "[" + host + "]" : host) + ":" + port + "/graphql")).header("Authorization", "Bearer " + token)
      .header("Content-Type", "application/json").timeout(Duration.ofMinutes(5))
      .POST(HttpRequest.BodyPublishers.ofString(request.encode())).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("HTTP " + response.statusCode() + " from /graphql: " + response.body().strip());
    }
    return new JsonObject(response.body());
  }

  /** The configured {@code bridge_token}, else the one in {@code bridge.token} beside the database. */
  private String token() throws IOException {
    return !config.bridgeToken().isEmpty() ? config.bridgeToken()
      : Files.readString(OwnerOnlyFile.besideDatabase(config, BridgeToken.FILE)).strip();
  }

  private JsonObject fromFile(JsonObject request) {
    Vertx vertx = Vertx.vertx();
    try {
      Codecs.ensureRegistered(vertx);
      vertx.deployVerticle(new QueryVerticle(InstantSource.system(), new StorageMetrics(new SimpleMeterRegistry())),
        new DeploymentOptions().setConfig(config.toJson())).await();
      return vertx.eventBus().<JsonObject>request(Addresses.QUERY, request).await().body();
    } finally {
      vertx.close().await();
    }
  }

  /** True when a running module holds the database's lock. */
  private static boolean heldByAModule(Path db) throws IOException {
    Path lock = db.resolveSibling(db.getFileName() + ".lock");
    if (!Files.exists(lock)) {
      return false;
    }
    try (FileChannel channel = FileChannel.open(lock, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      FileLock held = channel.tryLock();
      if (held == null) {
        return true;
      }
      held.release();
      return false;
    } catch (OverlappingFileLockException sameProcess) {
      return true;
    }
  }
}
