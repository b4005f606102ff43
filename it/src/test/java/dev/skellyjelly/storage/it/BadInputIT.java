package dev.skellyjelly.storage.it;

import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.Codecs;
import dev.skellyjelly.storage.codecs.DeadLetterText;
import dev.skellyjelly.storage.codecs.EventJson;
import dev.skellyjelly.storage.codecs.ImageFormat;
import dev.skellyjelly.storage.codecs.Keystroke;
import dev.skellyjelly.storage.codecs.MouseClick;
import dev.skellyjelly.storage.codecs.MouseMove;
import dev.skellyjelly.storage.codecs.ProcessEvent;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.RawEventCodec;
import dev.skellyjelly.storage.codecs.ResourceUsage;
import dev.skellyjelly.storage.codecs.Screenshot;
import dev.skellyjelly.storage.codecs.TestPng;
import dev.skellyjelly.storage.codecs.Timestamps;
import dev.skellyjelly.storage.codecs.WindowFocus;
import dev.skellyjelly.storage.codecs.WireFormat;
import dev.skellyjelly.storage.impl.EventRows;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.eventbus.ReplyException;
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
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A corpus of malformed input thrown at the real jar ({@code run --cluster} with the TCP bridge and HTTP on), as
 * the two kinds of producer would send it: JSON over the TCP bridge (a Rust module), and typed {@code RawEvent}s
 * plus garbage wire bytes from another JVM on the clustered bus ({@link WireClient}). Every bad input is
 * dead-lettered with the contract's reason (CONTRACT §2, first reason by precedence) naming the field, a requester
 * gets 400 with that reason, and nothing of it is stored. Valid events sent in between, odd ones included (control
 * characters and rare Unicode, unknown extra fields, nullable fields left out, a re-sent id), are all stored intact
 * and batched exactly once. Inputs that the bridge cannot even parse into a message close their connection
 * instead ({@code malformed_frame} / {@code oversize}, counted in {@code dropped_total}); the module keeps serving
 * throughout, answers /health, and exits 0 on SIGTERM with a summary that counts exactly the corpus.
 */
class BadInputIT {

  /** screenshot_max_mb: small, so an oversized screenshot stays a small frame (the bridge takes ⌈4/3⌉ MB + 64 KB). */
  static final int MAX_MB = 1;
  static final long FRAME_LIMIT = (MAX_MB * 4 + 2) / 3 * (1L << 20) + 64 * 1024;
  static final String[] KINDS = {"keystroke", "mouse_move", "mouse_click", "window_focus", "screenshot", "process", "resource"};

  @TempDir
  Path dir;

  String token;
  int httpPort;
  final String session = UUID.randomUUID().toString();
  final HttpClient http = HttpClient.newHttpClient();
  /** Valid events sent over the bridge and acknowledged: id → the JSON form as sent. */
  final Map<String, JsonObject> valid = new LinkedHashMap<>();

  /** One bad input and what the module must say about it. */
  record Bad(String name, String body, String reason, String field, String id, boolean image) {
  }

  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void everyBadInputIsDeadLetteredAndNoValidEventIsLost() throws Exception {
    long started = System.nanoTime();
    int tcpPort = ClusterIT.freePort();
    httpPort = ClusterIT.freePort();
    int clusterPort = ClusterIT.freePort();
    Path db = dir.resolve("db/events.db");
    try (JarProcess module = JarProcess.start(dir.resolve("work"), dir.resolve("home"), JarProcess.run(db, dir.resolve("shots"),
      "--cluster", "--set", "cluster_port=" + clusterPort,
      "--set", "cluster_members=127.0.0.1:" + clusterPort, "--set", "tcp_bridge_port=" + tcpPort,
      "--set", "http_port=" + httpPort, "--set", "batch_window_seconds=1", "--set", "window_grace_ms=400",
      "--set", "write_flush_interval_ms=50", "--set", "screenshot_max_mb=" + MAX_MB,
      "--set", "screenshot_memory_threshold_mb=1"))) {
      try {
        exercise(module, db, tcpPort, clusterPort, started);
      } catch (AssertionError e) {
        // The module's log (stack frames left out) explains most failures.
        throw new AssertionError(e.getMessage() + "\n--- module stderr\n" + String.join("\n", module.stderrLines().stream()
          .filter(l -> !l.startsWith("\tat ")).toList()), e);
      }
    }
  }

  private void exercise(JarProcess module, Path db, int tcpPort, int clusterPort, long started)
    throws Exception {
    module.awaitStderr(l -> l.contains("HTTP on"), Duration.ofSeconds(90));
    token = Files.readString(db.resolveSibling("bridge.token")).strip();
    Map<String, Double> droppedBefore = metric("dropped_total");

    try (TcpBridgeClient listener = TcpBridgeClient.connect(tcpPort, token);
         TcpBridgeClient producer = TcpBridgeClient.connect(tcpPort, token)) {
      listener.register(Addresses.DEAD_LETTER);
      listener.register(Addresses.EVENT_BATCH_JSON);
      int sentinels = awaitDeadLetters(listener, producer);

      // ---- JSON over the TCP bridge: bad inputs, with valid ones in between.
      List<Bad> corpus = jsonCorpus();
      int i = 0;
      for (Bad bad : corpus) {
        boolean request = i % 2 == 0;
        String reply = "bad-" + i;
        producer.sendText(producer.frameText("send", Addresses.RAW_EVENT, bad.body(), request ? reply : null));
        if (request) {
          JsonObject answer = producer.poll(TcpBridgeClient.replyTo(reply), 15);
          assertNotNull(answer, bad.name() + ": no answer to the request");
          assertEquals("err", answer.getString("type"), bad.name() + ": " + answer.encode());
          assertEquals(400, answer.getInteger("failureCode"), bad.name() + ": " + answer.encode());
          assertEquals(bad.reason(), answer.getString("message"), bad.name());
        }
        if (++i % 4 == 0) {
          JsonObject ok = event(KINDS[i / 4 % 7]);
          acked(producer, ok, "ok-" + i, false);
        }
      }
      assertTrue(corpus.size() >= 50, "corpus size " + corpus.size());

      // Valid but odd: accepted and stored as sent (unknown fields aside), a re-sent id once.
      List<JsonObject> odd = oddButValid();
      int k = 0;
      for (JsonObject e : odd) {
        acked(producer, e, "odd-" + k++, false);
      }
      JsonObject resent = odd.get(1).copy();
      acked(producer, resent, "resent", true);

      // One dead letter per input, each with its reason. On the clustered bus two publishes may reach a
      // subscriber out of order while its registration is being looked up, so letters are matched, not zipped.
      List<JsonObject> letters = new ArrayList<>(letters(listener, corpus.size(), 20));
      for (Bad bad : corpus) {
        JsonObject match = null;
        AssertionError why = null;
        for (JsonObject letter : letters) {
          try {
            assertLetter(bad, letter);
            match = letter;
            break;
          } catch (AssertionError e) {
            why = why == null ? e : why;
          }
        }
        if (match == null) {
          throw why != null ? why : new AssertionError(bad.name() + ": no dead letter left");
        }
        letters.remove(match);
      }

      // ---- Typed RawEvents and garbage wire bytes from another JVM on the clustered bus.
      Process client = ClusterIT.startJvm(WireClient.class, "-Xmx256m", dir.resolve("client.out"), dir.resolve("client.err"),
        db.getParent().toString(), Integer.toString(clusterPort), Integer.toString(ClusterIT.freePort()), session);
      assertTrue(client.waitFor(90, TimeUnit.SECONDS), "the wire client finished\n" + ClusterIT.tail(dir.resolve("client.err")));
      assertEquals(0, client.exitValue(), "wire client exit\n" + ClusterIT.tail(dir.resolve("client.err")));
      String line = Files.readAllLines(dir.resolve("client.out")).stream().filter(l -> l.startsWith(WireClient.RESULT))
        .findFirst().orElseThrow(() -> new AssertionError("no result from the wire client\n" + ClusterIT.tail(dir.resolve("client.out"))));
      JsonObject r = new JsonObject(line.substring(WireClient.RESULT.length()));
      assertNull(r.getString("error"), () -> "wire client: " + r.getString("error"));
      JsonArray wireCases = r.getJsonArray("cases");
      for (int j = 0; j < wireCases.size(); j++) {
        JsonObject c = wireCases.getJsonObject(j);
        // Each request failed with 400 and the reason (not a timeout: nothing vanished).
        assertEquals(400, c.getInteger("code"), () -> c.getString("name") + ": " + c.encode());
        assertEquals(c.getString("reason"), c.getString("message"), () -> c.getString("name") + ": " + c.encode());
      }
      List<JsonObject> wireLetters = new ArrayList<>(letters(listener, wireCases.size(), 20));
      for (int j = 0; j < wireCases.size(); j++) {
        JsonObject c = wireCases.getJsonObject(j);
        String name = c.getString("name");
        // Matched, not zipped (see above): the first letter with this case's reason, id and field.
        JsonObject letter = wireLetters.stream()
          .filter(l -> c.getString("reason").equals(l.getString("reason")))
          .filter(l -> java.util.Objects.equals(c.getString("id"), l.getString("id")))
          .filter(l -> c.getString("field") == null || l.getString("detail").contains(c.getString("field")))
          .findFirst().orElseThrow(() -> new AssertionError(name + ": no dead letter with reason " + c.getString("reason")
            + " and id " + c.getString("id") + " among " + wireLetters));
        wireLetters.remove(letter);
        assertEquals(c.getString("reason"), letter.getString("reason"), () -> name + ": " + letter.encode());
        assertEquals(c.getString("id"), letter.getString("id"), () -> name + ": " + letter.encode());
        if (c.getString("field") != null) {
          assertTrue(letter.getString("detail").contains(c.getString("field")), () -> name + ": " + letter.encode());
        }
        if ("bad_wire".equals(c.getString("reason"))) {
          assertEquals("<undecodable>", letter.getString("received"), name);
        }
        assertTrue(letter.getString("received").getBytes(StandardCharsets.UTF_8).length <= 1024, name);
        assertFalse(letter.getString("received").contains("iVBORw0KGgo"), () -> name + ": no pixels in a dead letter");
      }
      int deadLetters = sentinels + corpus.size() + wireCases.size();
      assertTrue(wireCases.size() >= 20, "wire corpus size " + wireCases.size());
      JsonObject wireValid = r.getJsonObject("valid");

      // ---- Inputs the bridge cannot turn into a message: their connection is closed, the rest goes on.
      List<String> killers = new ArrayList<>();
      killers.add(killer(tcpPort, "10 000 nested arrays inside data",
        event("keystroke").put("data", keystroke().put("deep", "@@RAW@@")), nested(10_000), "malformed_frame"));
      // Within Jackson's limit of 1000 levels, so the bridge parses it; but Vert.x copies a JSON body on local
      // delivery, recursively, and 700 levels overflow an event loop's 256 KB stack (-Xss256k, conf/jvm.options).
      // It must be refused like the 10 000 (or dead-lettered), not vanish in a StackOverflowError.
      killers.add(killer(tcpPort, "700 nested arrays as data.key_code",
        event("keystroke").put("data", keystroke().put("key_code", "@@RAW@@")), nested(700), "malformed_frame"));
      killers.add(killer(tcpPort, "a 2000-digit number as data.key_code",
        event("keystroke").put("data", keystroke().put("key_code", "@@RAW@@")), "9".repeat(2000), "malformed_frame"));
      killers.add(oversize(tcpPort));
      Map<String, Double> droppedAfter = metric("dropped_total");
      assertEquals(droppedBefore.getOrDefault("malformed_frame", 0.0) + 3, droppedAfter.getOrDefault("malformed_frame", 0.0),
        "malformed frames counted");
      assertEquals(droppedBefore.getOrDefault("oversize", 0.0) + 1, droppedAfter.getOrDefault("oversize", 0.0),
        "oversize counted");
      // The producer's own connection never noticed.
      assertNotNull(producer.ping(10), "the producer's connection still serves");

      // ---- Every valid event is batched exactly once: the bridge ones, the odd ones, the wire client's.
      Map<String, JsonObject> expected = new LinkedHashMap<>(valid);
      wireValid.forEach(e -> expected.put(e.getKey(), (JsonObject) e.getValue()));
      Map<String, List<JsonObject>> batched = batchedUntil(listener, expected.keySet(), 30);
      for (Map.Entry<String, JsonObject> e : expected.entrySet()) {
        List<JsonObject> copies = batched.get(e.getKey());
        assertEquals(1, copies.size(), () -> "batched once: " + e.getValue().encode());
        assertSameEvent(e.getValue(), copies.get(0), "batch");
      }

      // Still alive and healthy, and the metrics count every dead letter under its reason.
      HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/health")).build(),
        HttpResponse.BodyHandlers.ofString());
      assertEquals(200, health.statusCode(), health.body());
      Map<String, Double> byReason = metric("dead_letters_total");
      Map<String, Double> wanted = new HashMap<>(Map.of("not_an_object", (double) sentinels));
      corpus.forEach(b -> wanted.merge(b.reason(), 1.0, Double::sum));
      wireCases.forEach(c -> wanted.merge(((JsonObject) c).getString("reason"), 1.0, Double::sum));
      wanted.forEach((reason, n) -> assertEquals(n, byReason.get(reason), "dead_letters_total{reason=" + reason + "}"));
      assertEquals(deadLetters, byReason.values().stream().mapToDouble(Double::doubleValue).sum(), "dead letters in all");

      // ---- A graceful stop: exit 0, and the summary counts exactly what was sent.
      module.terminate();
      assertEquals(0, module.waitForExit(Duration.ofSeconds(60)), module::describe);
      JsonObject summary = module.summary();
      System.out.printf("BadInputIT: %d JSON + %d wire inputs (+ %d sentinel) dead-lettered, %d connections refused (%s),"
          + " %d valid events stored and batched, summary %s, %d ms%n", corpus.size(), wireCases.size(), sentinels, killers.size(),
        String.join("; ", killers), expected.size(), summary.encode(), (System.nanoTime() - started) / 1_000_000);
      assertEquals(deadLetters, summary.getLong("dead_letters"), summary::encode);
      assertEquals(killers.size(), summary.getLong("dropped"), summary::encode);
      assertEquals(expected.size(), summary.getLong("events_persisted"), summary::encode);
      assertEquals(expected.size(), summary.getLong("events_batched"), summary::encode);
      assertEquals(1, summary.getLong("duplicates"), summary::encode);
      // The re-sent event is received (and acknowledged) twice, stored once.
      assertEquals(expected.size() + 1, summary.getLong("events_received"), summary::encode);

      // ---- The database holds exactly the valid events, each intact.
      List<RawEvent> stored;
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
        stored = EventRows.readAll(c);
      }
      Map<String, RawEvent> byId = new HashMap<>();
      for (RawEvent e : stored) {
        assertNull(byId.put(e.id(), e), () -> "stored once: " + e);
      }
      assertEquals(expected.keySet(), byId.keySet(), "the database holds the valid events and nothing else");
      for (Map.Entry<String, JsonObject> e : expected.entrySet()) {
        assertSameEvent(e.getValue(), EventJson.encode(byId.get(e.getKey())), "database");
      }
      // The masked screenshot's metadata row keeps its odd title and app name as sent.
      JsonObject shot = odd.get(6).getJsonObject("data");
      assertEquals(List.of(List.of(shot.getString("window_title"), shot.getString("app_name"), "none")),
        JarProcess.rows(db, "SELECT window_title, app_name, storage FROM screenshots WHERE screenshot_id = '"
          + shot.getString("screenshot_id") + "'"));
      assertEquals(List.of(List.of("ok")), JarProcess.rows(db, "PRAGMA integrity_check"));
    }
  }

  // ---------------------------------------------------------------- the JSON corpus

  private List<Bad> jsonCorpus() {
    List<Bad> c = new ArrayList<>();
    String now = Instant.now().toString();
    JsonObject ks = event("keystroke");
    // Not an object: the body as a whole is wrong.
    c.add(bad("a string", "\"hello\"", "not_an_object", null));
    c.add(bad("a string holding JSON", io.vertx.core.json.Json.encode(ks.encode()), "not_an_object", null));
    c.add(bad("a number", "42", "not_an_object", null));
    c.add(bad("an absurd number (overflows to Infinity)", "1e400", "not_an_object", null));
    c.add(bad("an array holding an event", "[" + ks.encode() + "]", "not_an_object", null));
    c.add(bad("null", "null", "not_an_object", null));
    c.add(bad("true", "true", "not_an_object", null));
    c.add(bad("an empty array", "[]", "not_an_object", null));

    // Unknown event types.
    c.add(bad("event_type keypress", event("keystroke").put("event_type", "keypress"), "unknown_event_type", "event_type"));
    c.add(bad("event_type in upper case", event("keystroke").put("event_type", "KEYSTROKE"), "unknown_event_type", "event_type"));
    c.add(bad("event_type a number", event("keystroke").put("event_type", 3), "unknown_event_type", "event_type"));
    c.add(bad("event_type empty", event("keystroke").put("event_type", ""), "unknown_event_type", "event_type"));
    c.add(bad("event_type an object", event("keystroke").put("event_type", new JsonObject()), "unknown_event_type", "event_type"));

    // Missing fields.
    c.add(bad("no event_type", without(event("keystroke"), "event_type"), "missing_field", "event_type"));
    c.add(bad("no timestamp", without(event("mouse_move"), "timestamp"), "missing_field", "timestamp"));
    c.add(bad("no data", without(event("resource"), "data"), "missing_field", "data"));
    c.add(bad("data null", event("resource").putNull("data"), "missing_field", "data"));
    c.add(bad("keystroke without modifiers", event("keystroke").put("data", without(keystroke(), "modifiers")),
      "missing_field", "data.modifiers"));
    c.add(bad("click without button", dataWithout("mouse_click", "button"), "missing_field", "data.button"));
    c.add(bad("screenshot without screenshot_id", dataWithout("screenshot", "screenshot_id"), "missing_field", "data.screenshot_id"));
    c.add(bad("unmasked screenshot without image", dataWithout("screenshot", "image"), "missing_field", "data.image"));
    c.add(bad("window_focus without process_id", dataWithout("window_focus", "process_id"), "missing_field", "data.process_id"));
    c.add(bad("resource without cpu_percent", dataWithout("resource", "cpu_percent"), "missing_field", "data.cpu_percent"));

    // Bad UUIDs.
    c.add(bad("id empty", event("keystroke").put("id", ""), "bad_uuid", "id"));
    c.add(bad("id not a UUID", event("keystroke").put("id", "not-a-uuid"), "bad_uuid", "id"));
    c.add(bad("id without dashes", event("keystroke").put("id", UUID.randomUUID().toString().replace("-", "")), "bad_uuid", "id"));
    c.add(bad("id in braces", event("keystroke").put("id", "{" + UUID.randomUUID() + "}"), "bad_uuid", "id"));
    c.add(bad("session_id a number", event("keystroke").put("session_id", 12345), "bad_uuid", "session_id"));
    c.add(bad("screenshot_id with non-hex digits", dataPut("screenshot", "screenshot_id", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"),
      "bad_uuid", "data.screenshot_id"));

    // Bad timestamps.
    c.add(bad("timestamp without a zone", event("keystroke").put("timestamp", now.replace("Z", "")), "bad_timestamp", "timestamp"));
    c.add(bad("timestamp yesterday", event("keystroke").put("timestamp", "yesterday"), "bad_timestamp", "timestamp"));
    c.add(bad("timestamp negative", event("keystroke").put("timestamp", -1), "bad_timestamp", "timestamp"));
    c.add(bad("timestamp before 1970", event("keystroke").put("timestamp", "1969-12-31T23:59:59Z"), "bad_timestamp", "timestamp"));
    c.add(bad("timestamp a float", event("keystroke").put("timestamp", 1.7e12), "bad_timestamp", "timestamp"));
    c.add(bad("timestamp beyond a long", raw(event("keystroke").put("timestamp", "@@RAW@@"), "99999999999999999999"),
      "bad_timestamp", "timestamp"));
    c.add(bad("timestamp in year 999999999", event("keystroke").put("timestamp", "+999999999-12-31T23:59:59Z"),
      "bad_timestamp", "timestamp"));
    c.add(bad("timestamp a boolean", event("keystroke").put("timestamp", true), "bad_timestamp", "timestamp"));

    // Timestamps far in the future.
    c.add(bad("timestamp in 9999", event("keystroke").put("timestamp", "9999-12-31T23:59:59.999Z"), "future_timestamp", "timestamp"));
    c.add(bad("timestamp an hour ahead", event("keystroke").put("timestamp", System.currentTimeMillis() + 3_600_000L),
      "future_timestamp", "timestamp"));
    c.add(bad("timestamp Long.MAX_VALUE", event("keystroke").put("timestamp", Long.MAX_VALUE), "future_timestamp", "timestamp"));

    // Wrong types, absurd numbers, overflow.
    c.add(bad("data a string", event("keystroke").put("data", keystroke().encode()), "bad_field", "data"));
    c.add(bad("data an array", event("keystroke").put("data", new JsonArray().add(keystroke())), "bad_field", "data"));
    c.add(bad("key_code a string", dataPut("keystroke", "key_code", "65"), "bad_field", "data.key_code"));
    c.add(bad("key_code negative", dataPut("keystroke", "key_code", -1), "bad_field", "data.key_code"));
    c.add(bad("key_code 2^32", dataPut("keystroke", "key_code", 4_294_967_296L), "bad_field", "data.key_code"));
    c.add(bad("key_code 1e300", dataPut("keystroke", "key_code", 1e300), "bad_field", "data.key_code"));
    c.add(bad("key_code 2.5", dataPut("keystroke", "key_code", 2.5), "bad_field", "data.key_code"));
    c.add(bad("x beyond i32", dataPut("mouse_move", "x", 2_147_483_648L), "bad_field", "data.x"));
    c.add(bad("x beyond a long", raw(dataPut("mouse_click", "x", "@@RAW@@"), "-92233720368547758080"), "bad_field", "data.x"));
    c.add(bad("velocity a string", dataPut("mouse_move", "velocity", "fast"), "bad_field", "data.velocity"));
    c.add(bad("velocity negative", dataPut("mouse_move", "velocity", -1), "bad_field", "data.velocity"));
    c.add(bad("velocity overflows to Infinity", raw(dataPut("mouse_move", "velocity", "@@RAW@@"), "1e400"), "bad_field", "data.velocity"));
    c.add(bad("button in upper case", dataPut("mouse_click", "button", "LEFT"), "bad_field", "data.button"));
    c.add(bad("modifiers.shift a string", event("keystroke").put("data", keystroke().put("modifiers",
      keystroke().getJsonObject("modifiers").put("shift", "yes"))), "bad_field", "data.modifiers.shift"));
    c.add(bad("cpu_percent negative", dataPut("resource", "cpu_percent", -0.5), "bad_field", "data.cpu_percent"));
    c.add(bad("memory_mb beyond a long", raw(dataPut("resource", "memory_mb", "@@RAW@@"), "99999999999999999999999"),
      "bad_field", "data.memory_mb"));
    c.add(bad("format jpeg", dataPut("screenshot", "format", "jpeg"), "bad_field", "data.format"));
    c.add(bad("screen_region an array", dataPut("screenshot", "screen_region", new JsonArray().add(0).add(0)), "bad_field",
      "data.screen_region"));
    c.add(bad("process event_type restarted", dataPut("process", "event_type", "restarted"), "bad_field", "data.event_type"));
    c.add(bad("privacy_masked a string", dataPut("screenshot", "privacy_masked", "false"), "bad_field", "data.privacy_masked"));
    c.add(bad("image a number", dataPut("screenshot", "image", 12345), "bad_field", "data.image"));
    c.add(bad("32 nested arrays as key_code", raw(dataPut("keystroke", "key_code", "@@RAW@@"), nested(32)), "bad_field",
      "data.key_code"));

    // Huge strings and oversized screenshots.
    c.add(bad("window_title of 4097 characters", dataPut("window_focus", "window_title", "t".repeat(4097)), "too_large",
      "data.window_title"));
    c.add(bad("process_name of a million characters", dataPut("process", "process_name", "p".repeat(1_000_000)), "too_large",
      "data.process_name"));
    c.add(bad("screenshot over screenshot_max_mb", dataPut("screenshot", "image",
      Base64.getEncoder().encodeToString(TestPng.png((MAX_MB << 20) + 4096, 800, 600, 1))), "too_large", "data.image"));
    // A long app name outranks the broken image of the same input.
    c.add(bad("long app_name and a broken image", event("screenshot").put("data", screenshot()
      .put("app_name", "a".repeat(5000)).put("image", b64(garbage(300)))), "too_large", "data.app_name"));

    // Broken base64, images cut before their header or mislabelled.
    c.add(bad("image not base64", dataPut("screenshot", "image", "!!!not base64!!!"), "bad_image", "data.image"));
    c.add(bad("image base64 with padding in the middle", dataPut("screenshot", "image", "iVBORw0KGgo=AAAA"), "bad_image", "data.image"));
    c.add(bad("image random bytes", dataPut("screenshot", "image", b64(garbage(2048))), "bad_image", "data.image"));
    c.add(bad("PNG cut before its header", dataPut("screenshot", "image", b64(Arrays.copyOf(png(), 10))), "bad_image", "data.image"));
    c.add(bad("PNG labelled webp", event("screenshot").put("data", screenshot().put("format", "webp")), "bad_image", "data.image"));
    c.add(bad("PNG labelled heic", event("screenshot").put("data", screenshot().put("format", "heic")), "bad_image", "data.image"));
    c.add(bad("WebP cut after RIFF/WEBP", event("screenshot").put("data", screenshot().put("format", "webp")
      .put("image", b64("RIFF\0\0\0\0WEBP".getBytes(StandardCharsets.ISO_8859_1)))), "bad_image", "data.image"));
    c.add(bad("PNG of width 0", dataPut("screenshot", "image", b64(TestPng.png(200, 0, 600, 2))), "bad_image", "data.image"));
    c.add(bad("unmasked screenshot with an empty image", dataPut("screenshot", "image", ""), "bad_image", "data.image"));
    return c;
  }

  /** Valid input a producer might send on a strange day: each is accepted and stored as sent. */
  private List<JsonObject> oddButValid() {
    List<JsonObject> odd = new ArrayList<>();
    String controls = "\u0000\u0001\u0007\b\t\n\r\u001b[31m\u007f\u0085";
    String rare = "\u202Eevil\u202C 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🦑 👩\u200D👩\u200D👧 e\u0301 \uFEFF\uFFFD\uFFFF 漢字 عربى \u0CA0_\u0CA0";
    // 0: control characters and rare Unicode; duration_ms left out (nullable).
    odd.add(event("window_focus").put("data", new JsonObject().put("window_title", controls + rare).put("app_name", rare + controls)
      .put("process_id", 4_294_967_295L)));
    // 1: unknown extra fields, at the top and inside data (also 32 levels deep); inter_key_interval_ms left out.
    odd.add(event("keystroke").put("priority", 5).put("extra", new JsonObject().put("a", new JsonArray().add(1).addNull()))
      .put("data", without(keystroke(), "inter_key_interval_ms").put("unknown", "x").put("deep", "@@RAW@@")));
    // 2: inter_key_interval_ms explicitly null, extreme but valid numbers elsewhere.
    odd.add(event("keystroke").put("data", keystroke().putNull("inter_key_interval_ms").put("key_code", 4_294_967_295L)));
    // 3: no id and no session: the module assigns both.
    odd.add(without(without(event("mouse_move"), "id"), "session_id").put("data", new JsonObject().put("x", Integer.MIN_VALUE)
      .put("y", Integer.MAX_VALUE).put("velocity", 0)));
    // 4: upper-case UUIDs and a timestamp with an offset: stored lower case and in UTC.
    JsonObject upper = event("mouse_click");
    upper.put("id", upper.getString("id").toUpperCase(Locale.ROOT)).put("session_id", session.toUpperCase(Locale.ROOT))
      .put("timestamp", Instant.now().atOffset(java.time.ZoneOffset.ofHoursMinutes(5, 30)).toString());
    odd.add(upper);
    // 5: epoch milliseconds; the largest u32 pid; a process name of newlines and tabs.
    odd.add(event("process").put("timestamp", System.currentTimeMillis()).put("data", new JsonObject()
      .put("process_id", 0).put("process_name", "a\nb\tc\u0000d").put("event_type", "crashed")));
    // 6: a masked screenshot without an image, with odd title and app name.
    odd.add(event("screenshot").put("data", without(screenshot(), "image").put("privacy_masked", true)
      .put("window_title", "sec\u0000ret 🦑 \u202E").put("app_name", "vault\tapp")));
    // 7: a masked screenshot with an empty image.
    odd.add(event("screenshot").put("data", screenshot().put("privacy_masked", true).put("image", "")));
    // 8: a screenshot in base64url without padding; a region at the extremes.
    odd.add(event("screenshot").put("data", screenshot()
      .put("image", Base64.getUrlEncoder().withoutPadding().encodeToString(TestPng.png(1001, 3, 5, 3)))
      .put("screen_region", new JsonObject().put("x", Integer.MIN_VALUE).put("y", -1).put("width", 4_294_967_295L).put("height", 0))));
    // 9: a title of exactly 4096 characters, the most allowed.
    odd.add(event("window_focus").put("data", new JsonObject().put("window_title", "é".repeat(4096)).put("app_name", "")
      .put("process_id", 1).put("duration_ms", 0)));
    // 10: resource with cpu above 100 % (several cores) and zero rates.
    odd.add(event("resource").put("data", new JsonObject().put("cpu_percent", 795.5).put("memory_mb", 0)
      .put("disk_io_mb_per_sec", 0.0).put("network_io_mb_per_sec", 1e-300)));
    // 11: a timestamp just inside max_clock_skew_ms (the default 5 s).
    odd.add(event("mouse_move").put("timestamp", System.currentTimeMillis() + 2_000));
    return odd;
  }

  // ---------------------------------------------------------------- event builders

  private JsonObject event(String type) {
    int kind = Arrays.asList(KINDS).indexOf(type);
    JsonObject data = switch (kind) {
      case 0 -> keystroke();
      case 1 -> new JsonObject().put("x", 10).put("y", 20).put("velocity", 310.5);
      case 2 -> new JsonObject().put("x", 5).put("y", 6).put("button", "left").put("click_type", "double");
      case 3 -> new JsonObject().put("window_title", "Inbox").put("app_name", "mail").put("process_id", 77).put("duration_ms", 1500);
      case 4 -> screenshot();
      case 5 -> new JsonObject().put("process_id", 4321).put("process_name", "cargo").put("event_type", "started");
      default -> new JsonObject().put("cpu_percent", 12.5).put("memory_mb", 2048).put("disk_io_mb_per_sec", 1.25)
        .put("network_io_mb_per_sec", 0.5);
    };
    return new JsonObject().put("id", UUID.randomUUID().toString()).put("session_id", session)
      .put("timestamp", Instant.now().toString()).put("event_type", type).put("data", data);
  }

  private static JsonObject keystroke() {
    return new JsonObject().put("key_code", 65)
      .put("modifiers", new JsonObject().put("shift", false).put("ctrl", true).put("alt", false).put("meta", false))
      .put("inter_key_interval_ms", 120);
  }

  private static JsonObject screenshot() {
    return new JsonObject().put("screenshot_id", UUID.randomUUID().toString()).put("format", "png")
      .put("image", b64(png())).put("window_title", "Editor").put("app_name", "code").put("privacy_masked", false)
      .put("screen_region", new JsonObject().put("x", 0).put("y", 0).put("width", 640).put("height", 480));
  }

  private static byte[] png() {
    return TestPng.png(600, 640, 480, 9);
  }

  private static String b64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }

  private static byte[] garbage(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    b[0] = 0x42;
    return b;
  }

  private JsonObject dataPut(String type, String key, Object value) {
    JsonObject e = event(type);
    e.getJsonObject("data").put(key, value);
    return e;
  }

  private JsonObject dataWithout(String type, String key) {
    JsonObject e = event(type);
    e.getJsonObject("data").remove(key);
    return e;
  }

  private static JsonObject without(JsonObject o, String key) {
    o.remove(key);
    return o;
  }

  /** JSON text of {@code depth} nested arrays (written by hand: Jackson refuses to write more than 1000 levels). */
  static String nested(int depth) {
    return "[".repeat(depth) + "]".repeat(depth);
  }

  /** The event's JSON text with the placeholder string replaced by raw JSON text (numbers JSON objects cannot hold). */
  private static String raw(JsonObject e, String text) {
    String encoded = e.encode();
    assertTrue(encoded.contains("\"@@RAW@@\""));
    return encoded.replace("\"@@RAW@@\"", text);
  }

  private static Bad bad(String name, Object body, String reason, String field) {
    String text = body instanceof JsonObject o ? o.encode() : (String) body;
    String id = null;
    if (body instanceof JsonObject o && o.getValue("id") instanceof String s) {
      id = DeadLetterText.cutForDisplay(s);
    } else if (body instanceof String s && s.startsWith("{")) {
      Object parsed = new JsonObject(s).getValue("id");
      id = parsed instanceof String p ? p : null;
    }
    boolean image = body instanceof JsonObject o && o.getValue("data") instanceof JsonObject d && d.containsKey("image")
      || text.contains("\"image\":");
    return new Bad(name, text, reason, field, id, image);
  }

  // ---------------------------------------------------------------- assertions

  private static void assertLetter(Bad bad, JsonObject letter) {
    assertEquals(bad.reason(), letter.getString("reason"), () -> bad.name() + ": " + letter.encode());
    assertEquals(bad.id(), letter.getString("id"), () -> bad.name() + ": " + letter.encode());
    if (bad.field() != null) {
      assertTrue(letter.getString("detail").contains(bad.field()), () -> bad.name() + " names " + bad.field() + ": " + letter.encode());
    }
    String received = letter.getString("received");
    assertTrue(received.getBytes(StandardCharsets.UTF_8).length <= 1024, () -> bad.name() + ": received cut at 1024 bytes");
    if (bad.image()) {
      // Pixels never reach a dead letter: the image is replaced by its length.
      assertTrue(received.contains("bytes>"), () -> bad.name() + ": " + received);
      assertFalse(received.contains("iVBORw0KGgo"), () -> bad.name() + ": " + received);
    }
  }

  /**
   * An accepted event as read back (from a batch or the database) equals what was sent: ids in lower case, the
   * timestamp in UTC, unknown fields dropped, nullable fields absent or null alike, no image.
   */
  private static void assertSameEvent(JsonObject sent, JsonObject got, String where) {
    String what = where + ": sent " + abbreviate(sent) + "\n got " + abbreviate(got);
    if (sent.getString("id") != null) {
      assertEquals(sent.getString("id").toLowerCase(Locale.ROOT), got.getString("id"), what);
    }
    if (sent.getString("session_id") != null) {
      assertEquals(sent.getString("session_id").toLowerCase(Locale.ROOT), got.getString("session_id"), what);
    } else {
      assertNotNull(got.getString("session_id"), what);
    }
    Object ts = sent.getValue("timestamp");
    long ms = ts instanceof Number n ? n.longValue() : java.time.OffsetDateTime.parse((String) ts).toInstant().toEpochMilli();
    assertEquals(Timestamps.format(ms), got.getString("timestamp"), what);
    assertEquals(sent.getString("event_type"), got.getString("event_type"), what);
    JsonObject data = sent.getJsonObject("data").copy();
    data.remove("image");
    data.remove("unknown");
    data.remove("deep");
    assertEquals(withoutNulls(data), withoutNulls(got.getJsonObject("data")), what);
  }

  private static String abbreviate(JsonObject o) {
    String s = o.encode();
    return s.length() > 600 ? s.substring(0, 600) + "…" : s;
  }

  /** Numbers compared by value (2048 and 2048.0 alike), null members dropped. */
  private static Map<String, Object> withoutNulls(JsonObject o) {
    Map<String, Object> m = new java.util.TreeMap<>();
    for (Map.Entry<String, Object> e : o) {
      Object v = e.getValue();
      if (v instanceof JsonObject inner) {
        m.put(e.getKey(), withoutNulls(inner));
      } else if (v instanceof Number n) {
        m.put(e.getKey(), new java.math.BigDecimal(n.toString()).stripTrailingZeros());
      } else if (v != null) {
        m.put(e.getKey(), v);
      }
    }
    return m;
  }

  // ---------------------------------------------------------------- bridge traffic

  static final Predicate<JsonObject> DEAD_LETTER = TcpBridgeClient.message(Addresses.DEAD_LETTER);
  static final Predicate<JsonObject> BATCH = TcpBridgeClient.message(Addresses.EVENT_BATCH_JSON);

  /**
   * Waits until dead letters reach the listener. On the clustered bus a bridge registration becomes visible to
   * publishers a moment after it was made; until then a dead letter is published to nobody. Sends a rejected
   * sentinel until one comes back; returns how many were sent (all count as dead letters).
   */
  private int awaitDeadLetters(TcpBridgeClient listener, TcpBridgeClient producer) throws Exception {
    long deadline = TcpBridgeClient.deadline(15);
    for (int sent = 1; ; sent++) {
      producer.send(Addresses.RAW_EVENT, "sentinel");
      JsonObject letter = listener.poll(DEAD_LETTER, 1);
      if (letter != null) {
        assertEquals("sentinel", letter.getJsonObject("body").getString("received"));
        return sent;
      }
      assertTrue(System.nanoTime() < deadline, "no dead letter reached the bridge within 15 s");
    }
  }

  /** Sends a valid event as a request; it must be acknowledged as committed (and as a duplicate when re-sent). */
  private void acked(TcpBridgeClient producer, JsonObject e, String replyAddress, boolean duplicate) throws Exception {
    String text = e.encode().replace("\"@@RAW@@\"", nested(32));
    producer.sendText(producer.frameText("send", Addresses.RAW_EVENT, text, replyAddress));
    JsonObject ack = producer.poll(TcpBridgeClient.replyTo(replyAddress), 15);
    assertNotNull(ack, "no acknowledgement for " + abbreviate(e));
    assertEquals("message", ack.getString("type"), () -> abbreviate(e) + " refused: " + ack.encode());
    JsonObject body = ack.getJsonObject("body");
    assertEquals(true, body.getBoolean("committed"), ack.encode());
    String id = body.getString("id");
    if (e.getString("id") != null) {
      assertEquals(e.getString("id").toLowerCase(Locale.ROOT), id);
    }
    if (duplicate) {
      assertEquals(true, body.getBoolean("duplicate"), ack.encode());
    } else {
      assertNull(body.getValue("duplicate"), ack.encode());
      valid.put(id, e);
    }
  }

  /**
   * A frame the bridge cannot hand to the bus: it must answer {@code err} with {@code expected} and close that
   * connection; the input reaches nothing.
   */
  private String killer(int port, String name, JsonObject e, String rawValue, String expected) throws Exception {
    try (TcpBridgeClient b = TcpBridgeClient.connect(port, token)) {
      b.sendText(b.frameText("send", Addresses.RAW_EVENT, raw(e, rawValue), "killer"));
      JsonObject answer = b.poll(f -> true, 10);
      assertNotNull(answer, name + ": no answer at all, the input vanished (neither dead-lettered nor refused)");
      assertEquals("err", answer.getString("type"), () -> name + ": " + answer.encode());
      assertEquals(expected, answer.getString("message"), () -> name + ": " + answer.encode());
      assertTrue(b.closedByServer(10), name + ": connection closed");
    }
    return name + " -> " + expected;
  }

  /** A screenshot frame over the bridge's message limit: closed as oversize before it is read. */
  private String oversize(int port) throws Exception {
    try (TcpBridgeClient b = TcpBridgeClient.connect(port, token)) {
      b.raw(java.nio.ByteBuffer.allocate(4).putInt((int) FRAME_LIMIT + 1).array());
      JsonObject answer = b.poll(f -> true, 10);
      assertNotNull(answer, "oversize: no answer");
      assertEquals("oversize", answer.getString("message"), answer.encode());
      assertTrue(b.closedByServer(10), "oversize: connection closed");
    }
    return "a frame over the " + FRAME_LIMIT + "-byte limit -> oversize";
  }

  /** A metric of the module's /metrics by its reason tag, without the skelly_storage_ prefix. */
  private Map<String, Double> metric(String name) throws Exception {
    return Scrape.of(httpPort).byLabel("skelly_storage_" + name, "reason");
  }


  /** Takes the next {@code n} dead letters (in arrival order), waiting for them; no more may have come. */
  private static List<JsonObject> letters(TcpBridgeClient listener, int n, int seconds) throws InterruptedException {
    long deadline = TcpBridgeClient.deadline(seconds);
    List<JsonObject> taken = new ArrayList<>();
    while (taken.size() < n) {
      JsonObject f = listener.pollUntil(DEAD_LETTER, deadline);
      if (f == null) {
        fail("only " + taken.size() + " of " + n + " dead letters arrived; their reasons and ids: "
          + taken.stream().map(l -> l.getString("reason") + " " + l.getString("id")).toList());
      }
      taken.add(f.getJsonObject("body"));
    }
    assertTrue(n == 0 || listener.pending(DEAD_LETTER) == 0, () -> "more dead letters than inputs: " + listener.frames());
    return taken;
  }

  /** Batched events by id, once every id of {@code ids} came, plus a short wait for any repeats. */
  private static Map<String, List<JsonObject>> batchedUntil(TcpBridgeClient listener, java.util.Set<String> ids, int seconds)
    throws InterruptedException {
    Map<String, List<JsonObject>> batched = new HashMap<>();
    long deadline = TcpBridgeClient.deadline(seconds);
    while (!batched.keySet().containsAll(ids)) {
      JsonObject f = listener.pollUntil(BATCH, deadline);
      if (f == null) {
        fail("not batched within " + seconds + " s: " + ids.stream().filter(id -> !batched.containsKey(id)).toList());
      }
      keep(batched, f.getJsonObject("body"));
    }
    // Two more window lengths: a repeat would have come by then.
    long repeats = TcpBridgeClient.deadline(3);
    for (JsonObject f = listener.pollUntil(BATCH, repeats); f != null; f = listener.pollUntil(BATCH, repeats)) {
      keep(batched, f.getJsonObject("body"));
    }
    return batched;
  }

  private static void keep(Map<String, List<JsonObject>> batched, JsonObject batch) {
    assertFalse(batch.getBoolean("replayed"), batch::encode);
    for (Object e : batch.getJsonArray("events")) {
      batched.computeIfAbsent(((JsonObject) e).getString("id"), k -> new ArrayList<>()).add((JsonObject) e);
    }
  }

  // ---------------------------------------------------------------- the other JVM

  /**
   * Another JVM module on the clustered bus, sending typed {@link RawEvent}s with bad fields and bytes that are no
   * wire form at all. Its own codec is registered under the name {@code skelly.RawEvent}: for a {@link RawEvent}
   * it writes exactly what the real {@link RawEventCodec} writes, for {@link WireBytes} the bytes as they are; the
   * module decodes both with its real codec. Every input is a request; after every third bad one a valid typed
   * event goes too. Prints one JSON line: each case with the reply it got, and the valid events it had
   * acknowledged (id → JSON form).
   *
   * <p>Arguments: the module's database directory (its cluster secrets), module's Hazelcast port, own Hazelcast
   * port, session id.
   */
  public static final class WireClient {

    static final String RESULT = "WIRE-RESULT ";

    /** Bytes to put on the wire as the body of a message "encoded" with the skelly.RawEvent codec. */
    record WireBytes(byte[] bytes) {
    }

    /** A case: what to send and what the module must answer. */
    record Case(String name, Object body, String reason, String field, String id) {
    }

    static final class ClientCodec implements MessageCodec<Object, Object> {
      private final RawEventCodec real = new RawEventCodec();

      @Override
      public void encodeToWire(Buffer buffer, Object o) {
        if (o instanceof RawEvent e) {
          real.encodeToWire(buffer, e);
        } else {
          buffer.appendBytes(((WireBytes) o).bytes());
        }
      }

      @Override
      public Object decodeFromWire(int pos, Buffer buffer) {
        throw new UnsupportedOperationException("the client only sends with this codec");
      }

      @Override
      public Object transform(Object o) {
        return o;
      }

      @Override
      public String name() {
        return Codecs.RAW_EVENT;
      }

      @Override
      public byte systemCodecID() {
        return -1;
      }
    }

    private final Vertx vertx;
    private final EventBus bus;
    private final String session;
    private final JsonArray results = new JsonArray();
    private final JsonObject valid = new JsonObject();
    private int counter;

    WireClient(Vertx vertx, String session) {
      this.vertx = vertx;
      this.bus = vertx.eventBus();
      this.session = session;
    }

    public static void main(String[] args) throws Exception {
      // No codecs registered: ClientCodec takes the RawEvent codec's name.
      Vertx vertx = ClusterClient.clustered(Path.of(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]), 1)
        .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      vertx.eventBus().registerCodec(new ClientCodec());
      WireClient client = new WireClient(vertx, args[3]);
      JsonObject result = new JsonObject();
      try {
        client.run().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        result.put("error", String.valueOf(e.getCause() == null ? e : e.getCause()));
      }
      result.put("cases", client.results).put("valid", client.valid);
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      // Marked: loggers may write to stdout as well.
      System.out.println(RESULT + result.encode());
      System.out.flush();
      System.exit(0);
    }

    private Future<Void> run() {
      Promise<Void> done = Promise.promise();
      vertx.runOnContext(v -> ready(System.currentTimeMillis() + 30_000)
        .compose(x -> {
          Future<Void> chain = Future.succeededFuture();
          int n = 0;
          for (Case c : cases()) {
            chain = chain.compose(y -> send(c));
            if (++n % 3 == 0) {
              chain = chain.compose(y -> sendValid());
            }
          }
          return chain.compose(y -> sendDeepJson());
        })
        .onComplete(done));
      return done.future();
    }

    /** The module's consumers are known in the cluster once its metrics address answers. */
    private Future<Void> ready(long deadline) {
      return bus.request(Addresses.METRICS, new JsonObject(), new DeliveryOptions().setSendTimeout(2000)).<Void>mapEmpty()
        .recover(err -> {
          if (System.currentTimeMillis() > deadline) {
            return Future.failedFuture("the module never answered on " + Addresses.METRICS + ": " + err.getMessage());
          }
          Promise<Void> later = Promise.promise();
          vertx.setTimer(200, t -> ready(deadline).onComplete(later));
          return later.future();
        });
    }

    private Future<Void> send(Case c) {
      DeliveryOptions options = new DeliveryOptions().setSendTimeout(10_000);
      if (!(c.body() instanceof JsonObject)) {
        options.setCodecName(Codecs.RAW_EVENT);
      }
      return bus.request(Addresses.RAW_EVENT, c.body(), options).transform(ar -> {
        JsonObject r = new JsonObject().put("name", c.name()).put("reason", c.reason()).put("field", c.field()).put("id", c.id());
        if (ar.succeeded()) {
          r.put("code", 200).put("message", String.valueOf(ar.result().body()));
        } else if (ar.cause() instanceof ReplyException re) {
          r.put("code", re.failureCode()).put("message", re.getMessage()).put("failure", re.failureType().name());
        } else {
          r.put("code", -1).put("message", String.valueOf(ar.cause()));
        }
        results.add(r);
        return Future.succeededFuture();
      });
    }

    private Future<Void> sendValid() {
      int i = counter++;
      RawEvent e = typed(UUID.randomUUID().toString(), System.currentTimeMillis(), switch (i % 5) {
        case 0 -> new Keystroke(i, new Keystroke.Modifiers(true, false, true, false), null);
        case 1 -> new MouseMove(-i, i, 0.0);
        case 2 -> new MouseClick(i, i, MouseClick.Button.MIDDLE, MouseClick.ClickType.TRIPLE);
        case 3 -> new WindowFocus("typed \u0000 🦑 " + i, "app\u202E", 4_294_967_295L, null);
        default -> new Screenshot(UUID.randomUUID().toString(), ImageFormat.PNG, TestPng.png(700, 31, 17, i),
          "shot", "app", new Screenshot.Region(-5, -5, 31, 17), false);
      });
      return bus.<JsonObject>request(Addresses.RAW_EVENT, e, new DeliveryOptions().setCodecName(Codecs.RAW_EVENT)
          .setSendTimeout(10_000))
        .map(ack -> {
          valid.put(e.id(), EventJson.encode(e.withoutImage()));
          return (Void) null;
        })
        .recover(err -> Future.failedFuture("valid typed event " + e + " refused: " + err.getMessage()));
    }

    /**
     * A valid JSON event over the cluster with an unknown field nested 600 levels deep (Jackson reads up to 1000):
     * unknown fields are ignored, so it is accepted.
     */
    private Future<Void> sendDeepJson() {
      String id = UUID.randomUUID().toString();
      JsonObject e = new JsonObject().put("id", id).put("session_id", session)
        .put("timestamp", Timestamps.format(System.currentTimeMillis())).put("event_type", "process")
        .put("data", new JsonObject().put("process_id", 42).put("process_name", "deep").put("event_type", "stopped"));
      JsonObject sent = e.copy();
      e.getJsonObject("data").put("deep", new JsonArray(nest(600)));
      return bus.<JsonObject>request(Addresses.RAW_EVENT, e, new DeliveryOptions().setSendTimeout(10_000))
        .map(ack -> {
          valid.put(id, sent);
          return (Void) null;
        })
        .recover(err -> Future.failedFuture("valid JSON event with a deep unknown field refused: " + err.getMessage()));
    }

    private RawEvent typed(String id, long ts, dev.skellyjelly.storage.codecs.EventData data) {
      return new RawEvent(id, session, ts, data);
    }

    private Case typedCase(String name, long ts, dev.skellyjelly.storage.codecs.EventData data, String reason, String field) {
      String id = UUID.randomUUID().toString();
      return new Case(name, typed(id, ts, data), reason, field, id);
    }

    private static Screenshot shot(ImageFormat format, byte[] image, boolean masked) {
      return new Screenshot(UUID.randomUUID().toString(), format, image, "w", "a", new Screenshot.Region(0, 0, 640, 480), masked);
    }

    /** A valid event's wire form, to be broken: length, version byte, then the event. */
    private byte[] wire(dev.skellyjelly.storage.codecs.EventData data) {
      Buffer b = Buffer.buffer();
      WireFormat.writeMessage(b, typed(UUID.randomUUID().toString(), System.currentTimeMillis(), data));
      return b.getBytes();
    }

    private static byte[] withLength(byte[] b) {
      Buffer fixed = Buffer.buffer(b);
      fixed.setInt(0, b.length - 4);
      return fixed.getBytes();
    }

    List<Case> cases() {
      long now = System.currentTimeMillis();
      List<Case> c = new ArrayList<>();
      MouseMove move = new MouseMove(1, 2, 3.0);
      // Typed events with bad fields (what the wire form can carry: it has 32 bits for a u32 and 16 bytes for a UUID).
      c.add(typedCase("velocity NaN", now, new MouseMove(1, 2, Double.NaN), "bad_field", "data.velocity"));
      c.add(typedCase("velocity +Infinity", now, new MouseMove(1, 2, Double.POSITIVE_INFINITY), "bad_field", "data.velocity"));
      c.add(typedCase("velocity negative", now, new MouseMove(1, 2, -1.0), "bad_field", "data.velocity"));
      c.add(typedCase("cpu_percent NaN", now, new ResourceUsage(Double.NaN, 1, 0, 0), "bad_field", "data.cpu_percent"));
      c.add(typedCase("disk_io -Infinity", now, new ResourceUsage(1, 1, Double.NEGATIVE_INFINITY, 0), "bad_field",
        "data.disk_io_mb_per_sec"));
      c.add(typedCase("network_io negative", now, new ResourceUsage(1, 1, 0, -0.001), "bad_field", "data.network_io_mb_per_sec"));
      c.add(typedCase("timestamp -1", -1, move, "bad_timestamp", "timestamp"));
      c.add(typedCase("timestamp Long.MIN_VALUE", Long.MIN_VALUE, move, "bad_timestamp", "timestamp"));
      c.add(typedCase("timestamp Long.MAX_VALUE", Long.MAX_VALUE, move, "future_timestamp", "timestamp"));
      c.add(typedCase("timestamp a day ahead", now + 86_400_000L, move, "future_timestamp", "timestamp"));
      c.add(typedCase("future timestamp outranks NaN", now + 86_400_000L, new MouseMove(1, 2, Double.NaN), "future_timestamp",
        "timestamp"));
      c.add(typedCase("window_title of 4097 characters", now, new WindowFocus("t".repeat(4097), "a", 1, null), "too_large",
        "data.window_title"));
      c.add(typedCase("process_name of 100 000 characters", now, new ProcessEvent(1, "p".repeat(100_000),
        ProcessEvent.Change.STOPPED), "too_large", "data.process_name"));
      c.add(typedCase("negative timestamp outranks a long title", -5, new WindowFocus("t".repeat(5000), "a", 1, null),
        "bad_timestamp", "timestamp"));
      c.add(typedCase("unmasked screenshot without image", now, shot(ImageFormat.PNG, null, false), "missing_field", "data.image"));
      c.add(typedCase("unmasked screenshot with empty image", now, shot(ImageFormat.PNG, new byte[0], false), "bad_image",
        "data.image"));
      c.add(typedCase("screenshot of random bytes", now, shot(ImageFormat.PNG, garbage(4096), false), "bad_image", "data.image"));
      c.add(typedCase("PNG labelled webp", now, shot(ImageFormat.WEBP, png(), false), "bad_image", "data.image"));
      c.add(typedCase("PNG cut before its header", now, shot(ImageFormat.PNG, Arrays.copyOf(png(), 16), false), "bad_image",
        "data.image"));
      c.add(typedCase("WebP cut after RIFF/WEBP", now, shot(ImageFormat.WEBP, "RIFF\0\0\0\0WEBP".getBytes(StandardCharsets.ISO_8859_1),
        false), "bad_image", "data.image"));
      c.add(typedCase("screenshot over screenshot_max_mb", now, shot(ImageFormat.PNG,
        TestPng.png((MAX_MB << 20) + 1, 800, 600, 4), false), "too_large", "data.image"));
      // Garbage on the wire, decoded by the module's real codec.
      byte[] keystroke = wire(new Keystroke(65, new Keystroke.Modifiers(false, false, false, false), 5L));
      byte[] click = wire(new MouseClick(1, 2, MouseClick.Button.LEFT, MouseClick.ClickType.SINGLE));
      byte[] focus = wire(new WindowFocus("title", "app", 7, 9L));
      byte[] screenshot = wire(shot(ImageFormat.PNG, png(), false));
      c.add(new Case("an empty body", new WireBytes(new byte[0]), "bad_wire", null, null));
      c.add(new Case("four random bytes", new WireBytes(new byte[]{0x13, 0x37, (byte) 0xCA, (byte) 0xFE}), "bad_wire", null, null));
      c.add(new Case("a kilobyte of random bytes", new WireBytes(garbage(1024)), "bad_wire", null, null));
      byte[] v2 = keystroke.clone();
      v2[4] = 2;
      c.add(new Case("wire version 2", new WireBytes(v2), "bad_wire", null, null));
      byte[] v0 = keystroke.clone();
      v0[4] = 0;
      c.add(new Case("wire version 0", new WireBytes(v0), "bad_wire", null, null));
      byte[] longer = keystroke.clone();
      java.nio.ByteBuffer.wrap(longer).putInt(0, 1000);
      c.add(new Case("length beyond the bytes sent", new WireBytes(longer), "bad_wire", null, null));
      byte[] negative = keystroke.clone();
      negative[0] = (byte) 0xFF;
      c.add(new Case("negative length", new WireBytes(negative), "bad_wire", null, null));
      byte[] unknownType = keystroke.clone();
      // flags(1) id(16) session(16) timestamp(8), then the type code.
      unknownType[4 + 1 + 1 + 32 + 8] = 99;
      c.add(new Case("unknown event type code", new WireBytes(unknownType), "bad_wire", null, null));
      byte[] trailing = withLength(Arrays.copyOf(keystroke, keystroke.length + 3));
      c.add(new Case("trailing bytes", new WireBytes(trailing), "bad_wire", null, null));
      byte[] cut = withLength(Arrays.copyOf(keystroke, keystroke.length - 3));
      c.add(new Case("an event cut short", new WireBytes(cut), "bad_wire", null, null));
      byte[] button = click.clone();
      button[button.length - 2] = 7;
      c.add(new Case("mouse button 7", new WireBytes(button), "bad_wire", null, null));
      byte[] title = focus.clone();
      // After the header and the type code comes the title's length.
      java.nio.ByteBuffer.wrap(title).putInt(4 + 1 + 1 + 32 + 8 + 1, -5);
      c.add(new Case("negative string length", new WireBytes(title), "bad_wire", null, null));
      byte[] huge = focus.clone();
      java.nio.ByteBuffer.wrap(huge).putInt(4 + 1 + 1 + 32 + 8 + 1, Integer.MAX_VALUE);
      c.add(new Case("string length 2^31-1", new WireBytes(huge), "bad_wire", null, null));
      byte[] image = screenshot.clone();
      // The image length sits just before the image bytes at the end.
      int imageLength = png().length;
      java.nio.ByteBuffer.wrap(image).putInt(image.length - imageLength - 4, -1);
      c.add(new Case("negative image length", new WireBytes(image), "bad_wire", null, null));
      // JSON over the cluster: deep nesting (within Jackson's limit of 1000) as a required field.
      String jsonId = UUID.randomUUID().toString();
      JsonObject deep = new JsonObject().put("id", jsonId).put("timestamp", now).put("event_type", "keystroke")
        .put("data", new JsonObject().put("key_code", new JsonArray(nest(600))).put("modifiers", new JsonObject()
          .put("shift", false).put("ctrl", false).put("alt", false).put("meta", false)));
      c.add(new Case("600 nested arrays as key_code (JSON)", deep, "bad_field", "data.key_code", jsonId));
      return c;
    }

    private static List<Object> nest(int depth) {
      List<Object> inner = new ArrayList<>();
      for (int i = 1; i < depth; i++) {
        List<Object> outer = new ArrayList<>();
        outer.add(new JsonArray(inner));
        inner = outer;
      }
      return inner;
    }
  }
}
