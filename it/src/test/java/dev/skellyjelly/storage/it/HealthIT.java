package dev.skellyjelly.storage.it;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Predicate;

import static dev.skellyjelly.storage.it.JarProcess.run;
import static dev.skellyjelly.storage.it.JarProcess.scalar;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code GET /health} of the real jar: the database check turns DOWN when the database file is taken away and
 * the path cannot hold a new one, and UP again once it can; the events accepted meanwhile are committed.
 */
class HealthIT {

  @TempDir
  Path tmp;

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @Test
  @Timeout(120)
  void databaseTakenAwayTurnsHealthDownAndItRecoversWithoutARestart() throws Exception {
    Path db = tmp.resolve("db/events.db");
    int port = freePort();
    try (JarProcess p = JarProcess.start(tmp.resolve("work"), tmp.resolve("home"), run(db, tmp.resolve("shots"),
      "--simulate", "500", "--set", "http_port=" + port, "--set", "write_flush_interval_ms=200",
      "--set", "window_grace_ms=400", "--set", "batch_window_seconds=2"))) {
      p.awaitStderr(line -> line.contains("/health"), Duration.ofSeconds(60));
      JsonObject up = awaitHealth(port, h -> "UP".equals(h.getString("outcome")), Duration.ofSeconds(20));
      assertEquals("UP", check(up, "database").getString("status"));
      assertEquals("UP", check(up, "disk").getString("status"));
      assertEquals("UP", check(up, "queues").getString("status"));
      // The bridges' pressure: nothing in flight or unread, against budgets in bytes.
      JsonObject bridges = check(up, "bridges");
      assertEquals("UP", bridges.getString("status"), up.encode());
      assertEquals(0L, bridges.getJsonObject("data").getLong("output_bytes"), up.encode());
      assertEquals(8L << 20, bridges.getJsonObject("data").getLong("output_budget_bytes"), up.encode());
      assertTrue(bridges.getJsonObject("data").getLong("input_budget_bytes") > 16L << 20, up.encode());

      // The file goes, and a directory takes its path: no database can be opened there.
      Files.delete(db);
      Files.createDirectory(db);
      JsonObject down = awaitHealth(port, h -> "DOWN".equals(h.getString("outcome")), Duration.ofSeconds(20));
      assertEquals("DOWN", check(down, "database").getString("status"));
      assertTrue(check(down, "database").getJsonObject("data").getString("error").contains("deleted or replaced"),
        down.encode());

      Files.delete(db);
      awaitHealth(port, h -> "UP".equals(h.getString("outcome")), Duration.ofSeconds(30));
      p.terminate();
      assertEquals(0, p.waitForExit(Duration.ofSeconds(60)), p.describe());
      assertTrue(p.stderrLines().stream().anyMatch(l -> l.contains("opened anew")), p.describe());
    }
    // Events received after the file was taken away (and buffered while it could not be reopened) are in the new one.
    assertTrue(scalar(db, "SELECT sum(n) FROM event_counts") > 0);
    assertEquals("ok", JarProcess.rows(db, "PRAGMA integrity_check").get(0).get(0));
  }

  /** Polls {@code GET /health} until {@code wanted} holds; its status code must match its outcome (200 UP, 503 DOWN). */
  static JsonObject awaitHealth(int port, Predicate<JsonObject> wanted, Duration timeout) throws Exception {
    Health health = await("/health matching").atMost(timeout).pollInterval(Duration.ofMillis(50))
      .until(() -> health(port), h -> wanted.test(h.body()));
    assertEquals("UP".equals(health.body().getString("outcome")) ? 200 : 503, health.status(), health.body().encode());
    return health.body();
  }

  /** One answer of {@code GET /health}; a timeout shows the last one. */
  private record Health(int status, JsonObject body) {
  }

  private static Health health(int port) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
      .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    return new Health(r.statusCode(), new JsonObject(r.body()));
  }

  /** The status of one check of a /health answer. */
  static String status(JsonObject health, String id) {
    return check(health, id).getString("status");
  }

  static JsonObject check(JsonObject health, String id) {
    JsonArray checks = health.getJsonArray("checks");
    for (int i = 0; i < checks.size(); i++) {
      if (id.equals(checks.getJsonObject(i).getString("id"))) {
        return checks.getJsonObject(i);
      }
    }
    throw new AssertionError("no check " + id + " in " + health.encode());
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
