package dev.skellyjelly.storage.app.cli;

import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.app.net.OwnerOnlyFile;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code endpoint.json} beside the database (CONTRACT §8, mode 0600): the running module's pid, host and ports, so
 * command-line verbs and the page find it. Written by {@code run} when HTTP or a bridge is on, removed at stop.
 */
public final class EndpointFile {

  public static final String FILE = "endpoint.json";

  private EndpointFile() {
  }

  /** Writes the file anew (blocking: for start-up, off any event loop). */
  public static Path write(StorageConfig config, int httpPort, int tcpBridgePort) throws IOException {
    Path file = OwnerOnlyFile.besideDatabase(config, FILE);
    Files.deleteIfExists(file);
    JsonObject json = new JsonObject().put("pid", ProcessHandle.current().pid()).put("host", config.httpHost())
      .put("http_port", httpPort).put("tcp_bridge_port", tcpBridgePort);
    OwnerOnlyFile.bytes(file, () -> (json.encode() + "\n").getBytes(StandardCharsets.UTF_8));
    return file;
  }

  /** The endpoint of a live module holding the database, or null when there is none. */
  public static JsonObject live(StorageConfig config) throws IOException {
    Path file = Path.of(config.databasePath()).toAbsolutePath().resolveSibling(FILE);
    if (!Files.exists(file)) {
      return null;
    }
    JsonObject json = new JsonObject(Files.readString(file));
    long pid = json.getLong("pid", -1L);
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) ? json : null;
  }
}
