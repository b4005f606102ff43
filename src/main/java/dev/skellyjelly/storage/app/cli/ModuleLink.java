package dev.skellyjelly.storage.app.cli;

import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.app.net.BridgeToken;
import dev.skellyjelly.storage.app.net.OwnerOnlyFile;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * How a command-line verb reaches the database (CONTRACT §8): the running module found through
 * {@code endpoint.json}, with the token of {@code bridge.token} (or {@code bridge_token}), over its HTTP server or
 * (GraphQL only) its TCP bridge; or, when no module holds the database, the file itself.
 */
final class ModuleLink {

  /** The running module: its host, its ports (0 when off) and the token its routes and bridge want. */
  record Running(long pid, String host, int httpPort, int tcpBridgePort, String token) {

    /** Its HTTP server; IllegalStateException naming http_port when it serves none. */
    Http http(String what) {
      if (httpPort <= 0) {
        throw new IllegalStateException("the running module (pid " + pid + ") serves no HTTP: set http_port to "
          + what + " while it runs");
      }
      return new Http(URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + httpPort + "/"),
        token);
    }
  }

  /** The running module's HTTP server and the token its routes want. */
  record Http(URI base, String token) {

    HttpRequest.Builder request(String pathAndQuery) {
      return HttpRequest.newBuilder(base.resolve(pathAndQuery)).header("Authorization", "Bearer " + token);
    }

    HttpClient client() {
      return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }
  }

  private ModuleLink() {
  }

  /**
   * The running module, or null when no module holds the database (verbs then work on the file).
   *
   * @param mustExist whether a missing database is an error (an import makes it)
   * @throws IllegalStateException with a one-line reason when a module holds the database without saying where
   *                               (no endpoint.json: neither HTTP nor a bridge), or there is no database
   */
  static Running find(StorageConfig config, boolean mustExist) throws IOException {
    JsonObject endpoint = EndpointFile.live(config);
    if (endpoint != null) {
      String token = !config.bridgeToken().isEmpty() ? config.bridgeToken()
        : Files.readString(OwnerOnlyFile.besideDatabase(config, BridgeToken.FILE)).strip();
      return new Running(endpoint.getLong("pid", -1L), endpoint.getString("host", "127.0.0.1"),
        endpoint.getInteger("http_port", 0), endpoint.getInteger("tcp_bridge_port", 0), token);
    }
    Path db = Path.of(config.databasePath()).toAbsolutePath();
    if (!Files.exists(db)) {
      if (mustExist) {
        throw new IllegalStateException("no database at " + db);
      }
      return null;
    }
    if (heldByAModule(db)) {
      throw new IllegalStateException("a module holds " + db + " serving neither HTTP nor the TCP bridge: set "
        + "http_port or tcp_bridge_port to reach it");
    }
    return null;
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
