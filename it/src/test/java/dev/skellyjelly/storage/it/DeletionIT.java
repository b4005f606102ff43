package dev.skellyjelly.storage.it;

import dev.skellyjelly.storage.codecs.Addresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code deleteRange} over HTTP against the built jar: once it answers, the events of the range are gone from the
 * answers and no byte of a title they carried is in the database file or its WAL, while the module goes on running;
 * the events outside the range are answered as before.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DeletionIT {

  private static final String MARKER = "DeleteMe-51c0ffee-TITLE";
  private static final String EVENTS = "query($from: DateTime!, $to: DateTime!) { events(from: $from, to: $to, first: 1000) "
    + "{ events { id } nextCursor } }";

  @TempDir
  Path dir;
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void deleteRangeOverHttpLeavesNoTitleOnDisk() throws Exception {
    int httpPort = ClusterIT.freePort();
    int tcpPort = ClusterIT.freePort();
    Path db = dir.resolve("db").resolve("events.db");
    JarProcess module = JarProcess.start(dir.resolve("work"), dir.resolve("home"), JarProcess.run(db, dir.resolve("shots"),
      "--set", "http_port=" + httpPort, "--set", "tcp_bridge_port=" + tcpPort, "--set", "write_flush_interval_ms=50"));
    try {
      CrashLoopIT.awaitHealthy(http, module, httpPort);
      String token = Files.readString(db.resolveSibling("bridge.token")).strip();
      long now = System.currentTimeMillis();
      long t0 = now - 20 * 60_000L;
      long from = t0 + 5 * 60_000L;
      long to = t0 + 10 * 60_000L;
      String session = UUID.randomUUID().toString();
      List<String> kept = new ArrayList<>();
      int doomed = 0;
      try (TcpBridgeClient c = TcpBridgeClient.connect(tcpPort, token)) {
        for (int i = 0; i < 60; i++) {
          long ts = t0 + i * 20_000L;
          boolean inRange = ts >= from && ts < to;
          JsonObject data = i % 4 == 0
            ? new JsonObject().put("window_title", (inRange ? MARKER : "kept title") + " " + i).put("app_name", "App")
              .put("process_id", 7)
            : new JsonObject().put("key_code", 65).put("modifiers", new JsonObject().put("shift", false)
              .put("ctrl", false).put("alt", false).put("meta", false));
          JsonObject e = new JsonObject().put("id", UUID.randomUUID().toString()).put("session_id", session)
            .put("timestamp", ts).put("event_type", i % 4 == 0 ? "window_focus" : "keystroke").put("data", data);
          c.request(Addresses.RAW_EVENT, e, "ack-" + i);
          if (inRange) {
            doomed++;
          } else {
            kept.add(e.getString("id"));
          }
        }
      }
      assertTrue(onDisk(db), "the titles are on disk before the deletion");

      JsonObject answer = graphql(httpPort, token, "mutation { deleteRange(from: " + from + ", to: " + to
        + ") { dryRun events } }", null);
      assertNull(answer.getValue("errors"), answer::encode);
      assertEquals(new JsonObject().put("dryRun", false).put("events", (double) doomed),
        answer.getJsonObject("data").getJsonObject("deleteRange"));
      assertFalse(onDisk(db), "no byte of a deleted title in the database file or its WAL");

      JsonArray left = graphql(httpPort, token, EVENTS, new JsonObject().put("from", t0).put("to", now))
        .getJsonObject("data").getJsonObject("events").getJsonArray("events");
      List<String> ids = new ArrayList<>();
      for (Object o : left) {
        ids.add(((JsonObject) o).getString("id"));
      }
      assertEquals(kept, ids);
    } finally {
      module.terminate();
      assertEquals(0, module.waitForExit(Duration.ofSeconds(60)), module::describe);
      module.close();
    }
    assertFalse(onDisk(db));
  }

  private static boolean onDisk(Path db) throws Exception {
    byte[] marker = MARKER.getBytes(StandardCharsets.UTF_8);
    for (Path f : List.of(db, db.resolveSibling("events.db-wal"))) {
      if (Files.exists(f) && contains(Files.readAllBytes(f), marker)) {
        return true;
      }
    }
    return false;
  }

  private static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  private JsonObject graphql(int port, String token, String query, JsonObject variables) throws Exception {
    JsonObject body = new JsonObject().put("query", query).put("variables", variables);
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/graphql"))
      .header("Content-Type", "application/json").header("Authorization", "Bearer " + token)
      .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    return new JsonObject(r.body());
  }
}
