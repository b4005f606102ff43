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
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One GraphQL answer on every transport of the built jar: {@code POST /graphql} with the token, the bus address over
 * the TCP bridge, and {@code query} on the command line, against the running module and, once it stopped, against
 * the file alone; each equals what the test computes from the events it sent. Missing or wrong tokens get 401, a
 * foreign origin 403, an over-deep query a GraphQL error.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class GraphQLIT {

  @TempDir
  Path dir;
  private final HttpClient http = HttpClient.newHttpClient();

  private static final String EVENTS = "query($from: DateTime!, $to: DateTime!) { events(from: $from, to: $to) "
    + "{ events { id sessionId timestamp type } nextCursor } }";

  @Test
  void everyTransportGivesTheAnswerOfTheEventsSent() throws Exception {
    int httpPort = ClusterIT.freePort();
    int tcpPort = ClusterIT.freePort();
    Path db = dir.resolve("db").resolve("events.db");
    List<String> location = List.of("--set", "database_path=" + db, "--set", "screenshot_temp_dir=" + dir.resolve("shots"));
    JarProcess module = JarProcess.start(dir.resolve("work"), dir.resolve("home"), JarProcess.run(db, dir.resolve("shots"),
      "--set", "http_port=" + httpPort, "--set", "tcp_bridge_port=" + tcpPort, "--set", "write_flush_interval_ms=50"));
    JsonObject expected;
    JsonObject variables;
    try {
      CrashLoopIT.awaitHealthy(http, module, httpPort);
      String token = Files.readString(db.resolveSibling("bridge.token")).strip();
      Path endpoint = db.resolveSibling("endpoint.json");
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(endpoint)));
      JsonObject ep = new JsonObject(Files.readString(endpoint));
      assertEquals(module.pid(), ep.getLong("pid"));
      assertEquals(httpPort, ep.getInteger("http_port"));
      assertEquals(tcpPort, ep.getInteger("tcp_bridge_port"));

      long now = System.currentTimeMillis();
      long t0 = now - 600_000;
      String session = UUID.randomUUID().toString();
      String[] types = {"keystroke", "mouse_click", "window_focus"};
      JsonArray want = new JsonArray();
      List<JsonObject> sent = new ArrayList<>();
      try (TcpBridgeClient c = TcpBridgeClient.connect(tcpPort, token)) {
        for (int i = 0; i < 24; i++) {
          // Sent out of time order: the answer is in time order.
          long ts = t0 + ((i * 7) % 24) * 20_000L;
          String type = types[i % 3];
          JsonObject data = switch (type) {
            case "keystroke" -> new JsonObject().put("key_code", 65).put("modifiers", new JsonObject().put("shift", false)
              .put("ctrl", false).put("alt", false).put("meta", false));
            case "mouse_click" -> new JsonObject().put("x", 1).put("y", 2).put("button", "left").put("click_type", "single");
            default -> new JsonObject().put("window_title", "w" + i).put("app_name", "App" + (i % 2)).put("process_id", 7);
          };
          JsonObject e = new JsonObject().put("id", UUID.randomUUID().toString()).put("session_id", session)
            .put("timestamp", ts).put("event_type", type).put("data", data);
          c.request(Addresses.RAW_EVENT, e, "ack-" + i);
          sent.add(e);
        }
        sent.sort((a, b) -> Long.compare(a.getLong("timestamp"), b.getLong("timestamp")));
        for (JsonObject e : sent) {
          want.add(new JsonObject().put("id", e.getString("id")).put("sessionId", session)
            .put("timestamp", dev.skellyjelly.storage.codecs.Timestamps.format(e.getLong("timestamp")))
            .put("type", e.getString("event_type").toUpperCase()));
        }
        expected = new JsonObject().put("data", new JsonObject().put("events", new JsonObject().put("events", want)
          .putNull("nextCursor")));
        variables = new JsonObject().put("from", t0).put("to", now);
        JsonObject request = new JsonObject().put("query", EVENTS).put("variables", variables);

        HttpResponse<String> ok = post(httpPort, request, "Bearer " + token, null);
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals(expected, new JsonObject(ok.body()));
        assertTrue(ok.headers().firstValue("Access-Control-Allow-Origin").isEmpty());

        JsonObject overBridge = c.request(Addresses.QUERY, request, "q-1").getJsonObject("body");
        assertEquals(expected, overBridge);
      }
      assertEquals(401, post(httpPort, new JsonObject().put("query", EVENTS), null, null).statusCode());
      assertEquals(401, post(httpPort, new JsonObject().put("query", EVENTS), "Bearer " + "x".repeat(43), null).statusCode());
      assertEquals(403, post(httpPort, new JsonObject().put("query", EVENTS), "Bearer " + token, "http://evil.example")
        .statusCode());
      assertEquals(200, post(httpPort, new JsonObject().put("query", "{ storage { rawRetentionDays } }"), "Bearer " + token,
        "http://localhost:" + httpPort).statusCode());
      String deep = "{ __schema { types { fields { type { ofType { ofType { ofType { ofType { ofType { ofType { name } } } } } } } } } } }";
      JsonObject tooDeep = new JsonObject(post(httpPort, new JsonObject().put("query", deep), "Bearer " + token, null).body());
      assertNotNull(tooDeep.getJsonArray("errors"), tooDeep.encode());

      assertEquals(expected, cli(location, EVENTS, variables));
    } finally {
      module.terminate();
      assertEquals(0, module.waitForExit(Duration.ofSeconds(60)), module::describe);
      module.close();
    }
    assertFalse(Files.exists(db.resolveSibling("endpoint.json")), "endpoint.json removed at stop");
    // No module holds the database: the command line answers from the file itself.
    assertEquals(expected, cli(location, EVENTS, variables));
  }

  /** A keystroke, click or window_focus event of {@code session} at {@code ts}, as a module sends it. */
  static JsonObject event(String session, long ts, String type, String app) {
    JsonObject data = switch (type) {
      case "keystroke" -> new JsonObject().put("key_code", 65).put("modifiers", new JsonObject().put("shift", false)
        .put("ctrl", false).put("alt", false).put("meta", false));
      case "mouse_click" -> new JsonObject().put("x", 1).put("y", 2).put("button", "left").put("click_type", "single");
      default -> new JsonObject().put("window_title", app + " window").put("app_name", app).put("process_id", 7);
    };
    return new JsonObject().put("id", UUID.randomUUID().toString()).put("session_id", session).put("timestamp", ts)
      .put("event_type", type).put("data", data);
  }

  /** How {@code events { id sessionId timestamp type }} gives {@code e}. */
  private static JsonObject listed(JsonObject e) {
    return new JsonObject().put("id", e.getString("id")).put("sessionId", e.getString("session_id"))
      .put("timestamp", dev.skellyjelly.storage.codecs.Timestamps.format(e.getLong("timestamp")))
      .put("type", e.getString("event_type").toUpperCase());
  }

  private static Path awaitEndpoint(JarProcess module, Path db) {
    Path endpoint = db.resolveSibling("endpoint.json");
    org.awaitility.Awaitility.await("endpoint.json").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
      .failFast(() -> assertTrue(module.isAlive(), module::describe)).until(() -> Files.exists(endpoint));
    return endpoint;
  }

  @Test
  void theCommandLineAsksOverTheTcpBridgeWhenTheModuleServesNoHttp() throws Exception {
    int tcpPort = ClusterIT.freePort();
    Path db = dir.resolve("db").resolve("events.db");
    List<String> location = List.of("--set", "database_path=" + db, "--set", "screenshot_temp_dir=" + dir.resolve("shots"));
    JarProcess module = JarProcess.start(dir.resolve("work"), dir.resolve("home"), JarProcess.run(db, dir.resolve("shots"),
      "--set", "tcp_bridge_port=" + tcpPort, "--set", "write_flush_interval_ms=50"));
    try {
      JsonObject ep = new JsonObject(Files.readString(awaitEndpoint(module, db)));
      assertEquals(0, ep.getInteger("http_port"));
      assertEquals(tcpPort, ep.getInteger("tcp_bridge_port"));
      String token = Files.readString(db.resolveSibling("bridge.token")).strip();
      long t0 = System.currentTimeMillis() - 300_000;
      String session = UUID.randomUUID().toString();
      List<JsonObject> sent = new ArrayList<>();
      try (TcpBridgeClient c = TcpBridgeClient.connect(tcpPort, token)) {
        for (int i = 0; i < 9; i++) {
          JsonObject e = event(session, t0 + (8 - i) * 15_000L, i % 2 == 0 ? "keystroke" : "mouse_click", null);
          c.request(Addresses.RAW_EVENT, e, "ack-" + i);
          sent.add(e);
        }
      }
      sent.sort((a, b) -> Long.compare(a.getLong("timestamp"), b.getLong("timestamp")));
      JsonArray want = new JsonArray();
      sent.forEach(e -> want.add(listed(e)));
      JsonObject variables = new JsonObject().put("from", t0).put("to", t0 + 300_000);
      assertEquals(new JsonObject().put("data", new JsonObject().put("events", new JsonObject().put("events", want)
        .putNull("nextCursor"))), cli(location, EVENTS, variables));
      // A bad query is answered over the bridge too: the error on stderr, exit 1.
      JarProcess bad = JarProcess.start(dir.resolve("work"), dir.resolve("home"), concat(List.of("query"), location,
        List.of("{ events(from: 0, to: 1) { events { colour } } }")));
      try {
        assertEquals(1, bad.waitForExit(Duration.ofSeconds(60)), bad::describe);
        assertTrue(String.join("\n", bad.stderrLines()).contains("colour"), bad::describe);
      } finally {
        bad.close();
      }
    } finally {
      module.terminate();
      assertEquals(0, module.waitForExit(Duration.ofSeconds(60)), module::describe);
      module.close();
    }
  }

  @Test
  void timelineAppUsageAndEventsAppsEqualTheFocusRuleAppliedToTheEventsSent() throws Exception {
    int httpPort = ClusterIT.freePort();
    int tcpPort = ClusterIT.freePort();
    Path db = dir.resolve("db").resolve("events.db");
    long idleMs = 60_000;
    JarProcess module = JarProcess.start(dir.resolve("work"), dir.resolve("home"), JarProcess.run(db, dir.resolve("shots"),
      "--set", "http_port=" + httpPort, "--set", "tcp_bridge_port=" + tcpPort, "--set", "write_flush_interval_ms=20",
      "--set", "idle_after_seconds=" + idleMs / 1000));
    try {
      CrashLoopIT.awaitHealthy(http, module, httpPort);
      String token = Files.readString(db.resolveSibling("bridge.token")).strip();
      long t0 = (System.currentTimeMillis() - 25 * 60_000L) / 60_000L * 60_000L;
      long to = t0 + 20 * 60_000L;
      String session = UUID.randomUUID().toString();
      // Focus changes (ts → app) and inputs, with app switches and an idle gap of 7 minutes.
      java.util.TreeMap<Long, String> focus = new java.util.TreeMap<>(Map.of(t0, "Editor", t0 + 100_000, "Browser",
        t0 + 610_500, "Terminal", t0 + 800_000, "Editor"));
      List<JsonObject> sent = new ArrayList<>();
      focus.forEach((ts, app) -> sent.add(event(session, ts, "window_focus", app)));
      for (long ts = t0 + 1_000; ts <= t0 + 90_000; ts += 7_000) {
        sent.add(event(session, ts, "keystroke", null));
      }
      sent.add(event(session, t0 + 40_500, "mouse_click", null));
      sent.add(event(session, t0 + 101_000, "mouse_click", null));
      for (long ts = t0 + 102_000; ts <= t0 + 150_000; ts += 10_000) {
        sent.add(event(session, ts, "keystroke", null));
      }
      sent.add(event(session, t0 + 600_000, "keystroke", null)); // after the idle gap, still in Browser
      sent.add(event(session, t0 + 640_000, "mouse_click", null));
      sent.add(event(session, t0 + 700_000, "keystroke", null));
      sent.add(event(session, t0 + 1_030_000, "mouse_click", null)); // Editor again, long after the last input
      try (TcpBridgeClient c = TcpBridgeClient.connect(tcpPort, token)) {
        // Sent out of time order, as late as producers may be.
        java.util.Collections.shuffle(sent, new java.util.Random(15));
        for (int i = 0; i < sent.size(); i++) {
          c.request(Addresses.RAW_EVENT, sent.get(i), "ack-" + i);
        }
      }
      List<Long> inputs = new ArrayList<>();
      sent.stream().filter(e -> !e.getString("event_type").equals("window_focus")).forEach(e -> inputs.add(e.getLong("timestamp")));
      inputs.sort(Long::compare);
      // The focus rule, computed here: each app's focused time is its focus intervals within the active intervals.
      Map<String, long[]> usage = new java.util.TreeMap<>(); // app → focusedMs, switches, keystrokes, clicks
      List<Long> changes = new ArrayList<>(focus.keySet());
      for (int i = 0; i < changes.size(); i++) {
        long start = changes.get(i);
        long end = i + 1 < changes.size() ? changes.get(i + 1) : to;
        long[] u = usage.computeIfAbsent(focus.get(start), a -> new long[4]);
        u[1]++;
        long activeEnd = Long.MIN_VALUE;
        for (long t : inputs) { // merged [t, t + idle) intervals, clipped to the focus interval
          long a = Math.max(Math.max(t, activeEnd), start);
          long b = Math.min(t + idleMs, end);
          if (b > a) {
            u[0] += b - a;
          }
          activeEnd = Math.max(activeEnd, t + idleMs);
        }
      }
      for (JsonObject e : sent) {
        String type = e.getString("event_type");
        if (!type.equals("window_focus")) {
          usage.get(focus.floorEntry(e.getLong("timestamp")).getValue())[type.equals("keystroke") ? 2 : 3]++;
        }
      }
      JsonObject vars = new JsonObject().put("from", t0).put("to", to);
      JsonObject got = gql(httpPort, token, "query($from: DateTime!, $to: DateTime!) { appUsage(from: $from, to: $to) "
        + "{ app focusedMs switches keystrokes clicks } minutes: timeline(from: $from, to: $to, bucket: MINUTE) "
        + "{ start type count } events(from: $from, to: $to) { events { id timestamp app } } }", vars);
      JsonArray wantUsage = new JsonArray();
      usage.entrySet().stream().sorted((a, b) -> a.getValue()[0] != b.getValue()[0]
          ? Long.compare(b.getValue()[0], a.getValue()[0]) : a.getKey().compareTo(b.getKey()))
        .forEach(e -> wantUsage.add(new JsonObject().put("app", e.getKey()).put("focusedMs", (double) e.getValue()[0])
          .put("switches", (int) e.getValue()[1]).put("keystrokes", (int) e.getValue()[2]).put("clicks", (int) e.getValue()[3])));
      assertEquals(wantUsage, got.getJsonArray("appUsage"));
      // By hand: Editor active 1–100 s and, after its second focus, 1030–1090 s (159 s); Browser 100–202 s and
      // 600–610.5 s (112.5 s); Terminal 610.5–760 s (149.5 s). The idle gap 202–600 s counts for nobody.
      assertEquals(new JsonArray().add("Editor").add("Terminal").add("Browser"), new JsonArray(got.getJsonArray("appUsage")
        .stream().map(o -> ((JsonObject) o).getString("app")).toList()));
      assertEquals(List.of(159_000.0, 149_500.0, 112_500.0), got.getJsonArray("appUsage").stream()
        .map(o -> ((JsonObject) o).getDouble("focusedMs")).toList());

      java.util.TreeMap<Long, java.util.TreeMap<Integer, Integer>> perMinute = new java.util.TreeMap<>();
      List<String> order = List.of("KEYSTROKE", "MOUSE_MOVE", "MOUSE_CLICK", "WINDOW_FOCUS", "SCREENSHOT", "PROCESS", "RESOURCE");
      for (JsonObject e : sent) {
        perMinute.computeIfAbsent(e.getLong("timestamp") / 60_000 * 60_000, m -> new java.util.TreeMap<>())
          .merge(order.indexOf(e.getString("event_type").toUpperCase()), 1, Integer::sum);
      }
      JsonArray wantMinutes = new JsonArray();
      perMinute.forEach((m, counts) -> counts.forEach((t, n) -> wantMinutes.add(new JsonObject()
        .put("start", dev.skellyjelly.storage.codecs.Timestamps.format(m)).put("type", order.get(t)).put("count", n))));
      assertEquals(wantMinutes, got.getJsonArray("minutes"));

      JsonArray wantEvents = new JsonArray();
      sent.stream().sorted((a, b) -> Long.compare(a.getLong("timestamp"), b.getLong("timestamp")))
        .forEach(e -> wantEvents.add(new JsonObject().put("id", e.getString("id"))
          .put("timestamp", dev.skellyjelly.storage.codecs.Timestamps.format(e.getLong("timestamp")))
          .put("app", focus.floorEntry(e.getLong("timestamp")).getValue())));
      assertEquals(wantEvents, got.getJsonObject("events").getJsonArray("events"));

      // Whole hours come from the hour rollups: the same counts by hour.
      long hour = t0 / 3_600_000L * 3_600_000L;
      JsonObject hours = gql(httpPort, token, "query($from: DateTime!, $to: DateTime!) { timeline(from: $from, to: $to, "
        + "bucket: HOUR) { start count } }", new JsonObject().put("from", hour).put("to", hour + 2 * 3_600_000L));
      Map<Long, Integer> perHour = new java.util.TreeMap<>();
      sent.forEach(e -> perHour.merge(e.getLong("timestamp") / 3_600_000L * 3_600_000L, 1, Integer::sum));
      Map<Long, Integer> gotHours = new java.util.TreeMap<>();
      hours.getJsonArray("timeline").forEach(o -> gotHours.merge(dev.skellyjelly.storage.codecs.Timestamps.parse(
        ((JsonObject) o).getString("start")), ((JsonObject) o).getInteger("count"), Integer::sum));
      assertEquals(perHour, gotHours);
    } finally {
      module.terminate();
      assertEquals(0, module.waitForExit(Duration.ofSeconds(60)), module::describe);
      module.close();
    }
  }

  /** The data of a GraphQL request over HTTP, failing on errors. */
  private JsonObject gql(int port, String token, String query, JsonObject variables) throws Exception {
    HttpResponse<String> r = post(port, new JsonObject().put("query", query).put("variables", variables), "Bearer " + token, null);
    assertEquals(200, r.statusCode(), r.body());
    JsonObject body = new JsonObject(r.body());
    assertNull(body.getValue("errors"), body::encode);
    return body.getJsonObject("data");
  }

  @SafeVarargs
  private static List<String> concat(List<String>... parts) {
    List<String> out = new ArrayList<>();
    for (List<String> p : parts) {
      out.addAll(p);
    }
    return out;
  }

  @Test
  void pagesOverHttpGiveEverySnapshotEventOnceWhileEventsAreCommitted() throws Exception {
    int httpPort = ClusterIT.freePort();
    int tcpPort = ClusterIT.freePort();
    Path db = dir.resolve("db").resolve("events.db");
    JarProcess module = JarProcess.start(dir.resolve("work"), dir.resolve("home"), JarProcess.run(db, dir.resolve("shots"),
      "--set", "http_port=" + httpPort, "--set", "tcp_bridge_port=" + tcpPort, "--set", "write_flush_interval_ms=20"));
    try {
      CrashLoopIT.awaitHealthy(http, module, httpPort);
      String token = Files.readString(db.resolveSibling("bridge.token")).strip();
      long now = System.currentTimeMillis();
      long t0 = now - 900_000;
      String session = UUID.randomUUID().toString();
      List<JsonObject> snapshot = new ArrayList<>();
      try (TcpBridgeClient c = TcpBridgeClient.connect(tcpPort, token)) {
        // 60 events over 15 minutes (many windows), some sharing a millisecond.
        for (int i = 0; i < 60; i++) {
          JsonObject e = event(session, t0 + (i / 2) * 29_000L, i % 3 == 0 ? "mouse_click" : "keystroke", null);
          c.request(Addresses.RAW_EVENT, e, "ack-" + i);
          snapshot.add(e);
        }
        snapshot.sort((a, b) -> Long.compare(a.getLong("timestamp"), b.getLong("timestamp")));
        List<String> want = new ArrayList<>();
        snapshot.forEach(e -> want.add(e.getString("id")));
        String pageQuery = "query($from: DateTime!, $to: DateTime!, $after: String) { events(from: $from, to: $to, "
          + "first: 7, after: $after) { events { id timestamp } nextCursor } }";
        List<String> got = new ArrayList<>();
        List<JsonObject> later = new ArrayList<>();
        String after = null;
        int pages = 0;
        do {
          JsonObject body = new JsonObject(post(httpPort, new JsonObject().put("query", pageQuery).put("variables",
            new JsonObject().put("from", t0).put("to", now).put("after", after)), "Bearer " + token, null).body());
          JsonObject page = body.getJsonObject("data").getJsonObject("events");
          page.getJsonArray("events").forEach(o -> got.add(((JsonObject) o).getString("id")));
          after = page.getString("nextCursor");
          pages++;
          // Committed between pages: before the position reached, at it, and ahead of it.
          for (long ts : new long[]{t0 + pages * 1_000L, t0 + pages * 29_000L, now - pages * 1_000L}) {
            JsonObject e = event(session, ts, "keystroke", null);
            c.request(Addresses.RAW_EVENT, e, "later-" + later.size());
            later.add(e);
          }
        } while (after != null);
        assertEquals(9, pages);
        assertEquals(want, got, "every event of the first page's snapshot once, in time order, and nothing else");
        // A new listing sees everything committed.
        JsonObject all = new JsonObject(post(httpPort, new JsonObject().put("query", pageQuery.replace("first: 7", "first: 1000"))
          .put("variables", new JsonObject().put("from", t0).put("to", now)), "Bearer " + token, null).body());
        assertEquals(snapshot.size() + later.size(), all.getJsonObject("data").getJsonObject("events").getJsonArray("events").size());
      }
    } finally {
      module.terminate();
      assertEquals(0, module.waitForExit(Duration.ofSeconds(60)), module::describe);
      module.close();
    }
  }

  private JsonObject cli(List<String> location, String query, JsonObject variables) throws Exception {
    List<String> args = new ArrayList<>(List.of("query"));
    args.addAll(location);
    args.addAll(List.of(query, "--variables", variables.encode()));
    JarProcess p = JarProcess.start(dir.resolve("work"), dir.resolve("home"), args);
    try {
      assertEquals(0, p.waitForExit(Duration.ofSeconds(60)), p::describe);
      List<String> out = p.stdoutLines();
      return new JsonObject(out.get(out.size() - 1));
    } finally {
      p.close();
    }
  }

  private HttpResponse<String> post(int port, JsonObject body, String auth, String origin) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/graphql"))
      .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.encode()));
    if (auth != null) {
      b.header("Authorization", auth);
    }
    if (origin != null) {
      b.header("Origin", origin);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
