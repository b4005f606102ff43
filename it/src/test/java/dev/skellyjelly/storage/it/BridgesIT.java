package dev.skellyjelly.storage.it;

import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.TestPng;
import dev.skellyjelly.storage.impl.InternalAddresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The TCP and SockJS event-bus bridges of the jar ({@code run} with {@code tcp_bridge_port},
 * {@code http_port} and {@code sockjs_bridge}), driven as a Rust or TypeScript module would: a plain socket
 * speaking the TCP bridge's framing (4-byte length + JSON), and Node.js with the npm package
 * {@code @vertx/eventbus-bridge-client.js}. One module serves every test of the class; each test uses its own
 * session, so it recognises its own events in the batches.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class BridgesIT {

  /** screenshot_max_mb: the bridges accept ⌈6 × 4/3⌉ MB + 64 KB, enough for a 5 MB screenshot as base64 JSON. */
  static final int MAX_MB = 6;
  static final long LIMIT = (MAX_MB * 4 + 2) / 3 * (1L << 20) + 64 * 1024;
  static final int SCREENSHOT_BYTES = 5 << 20;
  /** sockjs_max_message_kb: SockJS messages are small (screenshots come over TCP); 256 KB fits a 150 KB capture. */
  static final int SOCKJS_KB = 256;
  static final int SOCKJS_SCREENSHOT_BYTES = 150_000;
  static final String NODE_CLIENT = "@vertx/eventbus-bridge-client.js@1.0.0";

  @TempDir
  static Path dir;
  JarProcess module;
  int httpPort;
  int tcpPort;
  String token;
  /** Valid events the tests had accepted: the module's run summary must count exactly these. */
  long accepted;
  /** Connections the tests made the module drop. */
  long drops;
  final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  void startModule() throws Exception {
    httpPort = ClusterIT.freePort();
    tcpPort = ClusterIT.freePort();
    Path db = dir.resolve("db").resolve("events.db");
    module = JarProcess.start(dir.resolve("work"), dir.resolve("home"), JarProcess.run(db, dir.resolve("shots"),
      "--set", "http_port=" + httpPort, "--set", "sockjs_bridge=true", "--set", "tcp_bridge_port=" + tcpPort,
      "--set", "batch_window_seconds=2", "--set", "window_grace_ms=1100", "--set", "write_flush_interval_ms=100",
      "--set", "screenshot_max_mb=" + MAX_MB, "--set", "screenshot_retention_seconds=120",
      "--set", "sockjs_max_message_kb=" + SOCKJS_KB));
    // The TCP bridge starts before the HTTP server: a healthy /health means both serve.
    CrashLoopIT.awaitHealthy(http, module, httpPort);
    // bridge_token is empty: the module made a random one beside the database, readable by its owner only.
    Path tokenFile = db.resolveSibling("bridge.token");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)));
    token = Files.readString(tokenFile).strip();
    assertTrue(token.length() >= 32, "a long random token: " + token);
  }

  @AfterAll
  void stopModule() throws Exception {
    try {
      module.terminate();
      assertEquals(0, module.waitForExit(Duration.ofSeconds(60)), module::describe);
      JsonObject summary = module.summary();
      assertEquals(accepted, summary.getLong("events_received"), summary.encode());
      assertEquals(accepted, summary.getLong("events_persisted"), summary.encode());
      assertEquals(0, summary.getLong("dead_letters"), summary.encode());
      assertEquals(drops, summary.getLong("dropped"), summary.encode());
    } finally {
      module.close();
    }
  }

  // ---------------------------------------------------------------- TCP bridge

  @Test
  void tcpClientPublishesEventsAndReceivesTheirBatches() throws Exception {
    try (TcpBridgeClient c = TcpBridgeClient.connect(tcpPort, token)) {
      c.register(Addresses.EVENT_BATCH_JSON);
      String session = UUID.randomUUID().toString();
      Set<String> ids = new HashSet<>();
      for (int i = 0; i < 300; i++) {
        JsonObject e = event(session, i % 7, null);
        ids.add(e.getString("id"));
        c.publish(Addresses.RAW_EVENT, e);
      }
      // A request is answered once its event is committed.
      JsonObject last = event(session, 0, null);
      ids.add(last.getString("id"));
      JsonObject ack = c.await(c.sendRequest(Addresses.RAW_EVENT, last, "ack-1"), 20);
      assertEquals("message", ack.getString("type"), ack.encode());
      assertEquals(new JsonObject().put("id", last.getString("id")).put("committed", true), ack.getJsonObject("body"));
      accepted += ids.size();

      Map<String, Integer> seen = batchEvents(c, session, ids.size(), 30);
      assertEquals(ids, seen.keySet());
      assertTrue(seen.values().stream().allMatch(n -> n == 1), "each event exactly once: " + seen);
      assertEquals(0, c.count(TcpBridgeClient.type("err")), () -> "no error frames: " + c.frames());
    }
  }

  @Test
  void framesOutsideTheAllowListOrWithoutTheTokenAreRefusedAndReachNothing() throws Exception {
    try (TcpBridgeClient c = TcpBridgeClient.connect(tcpPort, token)) {
      String session = UUID.randomUUID().toString();
      JsonObject noToken = event(session, 0, null);
      JsonObject wrongToken = event(session, 1, null);
      c.send(new JsonObject().put("type", "publish").put("address", Addresses.RAW_EVENT).put("body", noToken));
      c.send(new JsonObject().put("type", "send").put("address", Addresses.RAW_EVENT)
        .put("headers", new JsonObject().put("token", token + "x")).put("body", wrongToken));
      c.sendRequest(Addresses.METRICS, new JsonObject(), "metrics-1");
      c.send(InternalAddresses.WRITE, event(session, 2, null));
      c.register(Addresses.EVENT_BATCH);
      // Two frames without the right token: a third would close the connection (EdgesIT).
      for (int i = 0; i < 5; i++) {
        JsonObject err = c.await(TcpBridgeClient.type("err"), 10);
        assertEquals("access_denied", err.getString("message"), err.encode());
      }
      // The connection still serves: an allowed frame with the token goes through, and its batch (the same
      // session and window as the refused events) holds it alone.
      c.register(Addresses.EVENT_BATCH_JSON);
      JsonObject ok = event(session, 3, null);
      ok.put("timestamp", noToken.getString("timestamp"));
      c.publish(Addresses.RAW_EVENT, ok);
      accepted++;
      Map<String, Integer> seen = batchEvents(c, session, 1, 30);
      assertEquals(Map.of(ok.getString("id"), 1), seen);
      assertEquals(0, c.count(TcpBridgeClient.replyTo("metrics-1")), "no metrics reply");
    }
  }

  @Test
  void aMalformedOrOversizedFrameClosesOnlyItsConnection() throws Exception {
    double malformed = dropped("malformed_frame");
    double oversize = dropped("oversize");
    try (TcpBridgeClient good = TcpBridgeClient.connect(tcpPort, token)) {
      good.register(Addresses.EVENT_BATCH_JSON);
      try (TcpBridgeClient bad = TcpBridgeClient.connect(tcpPort, token)) {
        bad.raw(new byte[]{(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF});
        assertTrue(bad.closedByServer(10), "negative length closes the connection");
      }
      try (TcpBridgeClient bad = TcpBridgeClient.connect(tcpPort, token)) {
        bad.raw(ByteBuffer.allocate(4 + 9).putInt(9).put("not json!".getBytes(StandardCharsets.US_ASCII)).array());
        assertTrue(bad.closedByServer(10), "a frame that is not JSON closes the connection");
      }
      try (TcpBridgeClient bad = TcpBridgeClient.connect(tcpPort, token)) {
        bad.raw(ByteBuffer.allocate(4 + 3).putInt(3).put("[1]".getBytes(StandardCharsets.US_ASCII)).array());
        assertTrue(bad.closedByServer(10), "JSON that is not an object closes the connection");
      }
      try (TcpBridgeClient bad = TcpBridgeClient.connect(tcpPort, token)) {
        bad.raw(ByteBuffer.allocate(4).putInt((int) LIMIT + 1).array());
        assertTrue(bad.closedByServer(10), "a frame over the limit closes the connection");
      }
      drops += 4;
      assertEquals(malformed + 3, dropped("malformed_frame"));
      assertEquals(oversize + 1, dropped("oversize"));

      String session = UUID.randomUUID().toString();
      JsonObject e = event(session, 6, null);
      good.publish(Addresses.RAW_EVENT, e);
      accepted++;
      assertEquals(Map.of(e.getString("id"), 1), batchEvents(good, session, 1, 30));
      assertFalse(good.isClosed(), "the other connection stays open");
    }
  }

  @Test
  void aFiveMegabyteScreenshotTravelsOverTcpAndComesBackOnRequest() throws Exception {
    byte[] png = TestPng.png(SCREENSHOT_BYTES, 2560, 1600, 7);
    String session = UUID.randomUUID().toString();
    String shotId = UUID.randomUUID().toString();
    JsonObject e = event(session, 4, null);
    e.getJsonObject("data").put("screenshot_id", shotId).put("privacy_masked", false)
      .put("image", Base64.getEncoder().encodeToString(png));
    try (TcpBridgeClient c = TcpBridgeClient.connect(tcpPort, token)) {
      c.register(Addresses.EVENT_BATCH_JSON);
      JsonObject ack = c.await(c.sendRequest(Addresses.RAW_EVENT, e, "shot-ack"), 30);
      assertEquals(true, ack.getJsonObject("body").getBoolean("committed"), ack.encode());
      accepted++;

      JsonObject reply = c.await(c.sendRequest(Addresses.SCREENSHOT, new JsonObject().put("screenshot_id", shotId), "shot-bytes"), 30);
      assertEquals("message", reply.getString("type"), () -> reply.encode().substring(0, Math.min(300, reply.encode().length())));
      assertEquals("png", reply.getJsonObject("headers").getString("format"));
      assertEquals(Integer.toString(SCREENSHOT_BYTES), reply.getJsonObject("headers").getString("size_bytes"));
      // Vert.x's JSON form of bytes: base64url without padding.
      assertArrayEquals(png, Base64.getUrlDecoder().decode(reply.getString("body")));

      JsonObject batch = c.await(batchOf(session), 30).getJsonObject("body");
      JsonArray refs = batch.getJsonArray("screenshot_refs");
      assertEquals(1, refs.size(), batch.encode());
      JsonObject ref = refs.getJsonObject(0);
      assertEquals(shotId, ref.getString("screenshot_id"));
      assertEquals(SCREENSHOT_BYTES, ref.getLong("size_bytes"));
      assertEquals(2560, ref.getInteger("width"));
      assertEquals(1600, ref.getInteger("height"));
      assertFalse(batch.getJsonArray("events").getJsonObject(0).getJsonObject("data").containsKey("image"));
    }
  }

  // ---------------------------------------------------------------- SockJS bridge

  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void nodeClientOverSockJsPublishesAllSevenKindsAndReceivesTheirBatches() throws Exception {
    Path node = Path.of("/usr/bin/node");
    assumeTrue(Files.isExecutable(node) || onPath("node"), "Node.js is needed for the SockJS test");
    Path npmDir = installBridgeClient();
    Path script = npmDir.resolve("sockjs-it.js");
    Files.writeString(script, NODE_SCRIPT);
    String session = UUID.randomUUID().toString();
    double oversize = dropped("oversize");
    int perKind = 20;
    Path image = Files.write(dir.resolve("sockjs-shot.png"), TestPng.png(SOCKJS_SCREENSHOT_BYTES, 1280, 720, 11));
    Process p = new ProcessBuilder("node", script.toString(), "http://127.0.0.1:" + httpPort + "/eventbus", token,
      session, Integer.toString(perKind), image.toString(), Long.toString(SOCKJS_KB * 1024L))
      .directory(npmDir.toFile())
      .redirectOutput(dir.resolve("node.out").toFile()).redirectError(dir.resolve("node.err").toFile()).start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "node finished\n" + ClusterIT.tail(dir.resolve("node.err")));
    List<String> out = Files.readAllLines(dir.resolve("node.out"));
    assertFalse(out.isEmpty(), "node printed a result\n" + ClusterIT.tail(dir.resolve("node.err")));
    JsonObject r = new JsonObject(out.get(out.size() - 1));
    System.out.println("BridgesIT node: " + r.encode());
    assertEquals(0, p.exitValue(), r.encode() + "\n" + ClusterIT.tail(dir.resolve("node.err")));
    int sent = 7 * perKind + 1;
    accepted += sent;
    drops += 1;
    assertEquals(sent, r.getInteger("sent"));
    assertEquals(sent, r.getInteger("distinct"), r.encode());
    assertEquals(0, r.getInteger("repeated"));
    assertEquals(null, r.getValue("unknown"), "no refused event reached a batch");
    assertEquals(new JsonArray(List.of("keystroke", "mouse_click", "mouse_move", "process", "resource", "screenshot",
      "window_focus")), r.getJsonArray("kinds"));
    // The screenshot's ref, from the batch carrying its event.
    assertEquals(SOCKJS_SCREENSHOT_BYTES, r.getLong("screenshot_size"));
    assertEquals(List.of("access_denied", "access_denied", "access_denied"), r.getJsonArray("errors").getList(),
      "no token, wrong token, an address off the list");
    assertEquals("png", r.getString("fetched_format"), "the screenshot requested back over SockJS");
    assertEquals(true, r.getBoolean("fetched_same"), "the same bytes");
    assertTrue(r.getBoolean("oversize_closed"), "a message over the limit closed its connection");
    assertEquals(oversize + 1, dropped("oversize"));
  }

  // ---------------------------------------------------------------- exposure

  @Test
  void nothingListensBeyondLoopback() throws Exception {
    List<InetSocketAddress> listening = ClusterIT.Sockets.listening(module.pid());
    Set<Integer> ports = new HashSet<>();
    listening.forEach(a -> ports.add(a.getPort()));
    assertEquals(Set.of(httpPort, tcpPort), ports, "the HTTP server and the TCP bridge, nothing else: " + listening);
    ClusterIT.Sockets.assertAllLoopback(listening);
  }

  // ---------------------------------------------------------------- helpers

  /** Batch frames of {@code session} on the JSON batch address. */
  static Predicate<JsonObject> batchOf(String session) {
    return TcpBridgeClient.message(Addresses.EVENT_BATCH_JSON)
      .and(f -> session.equals(f.getJsonObject("body").getString("session_id")));
  }

  /** Events of {@code session} from batch frames, by id with how often each came, once {@code n} ids arrived. */
  static Map<String, Integer> batchEvents(TcpBridgeClient c, String session, int n, int seconds) throws InterruptedException {
    Map<String, Integer> seen = new HashMap<>();
    long deadline = TcpBridgeClient.deadline(seconds);
    while (seen.size() < n) {
      for (Object o : c.awaitUntil(batchOf(session), deadline).getJsonObject("body").getJsonArray("events")) {
        seen.merge(((JsonObject) o).getString("id"), 1, Integer::sum);
      }
    }
    return seen;
  }

  /** An event of kind {@code kind} (0..6 in the contract's order) in the contract's JSON form. */
  static JsonObject event(String session, int kind, Long ts) {
    JsonObject data = switch (kind) {
      case 0 -> new JsonObject().put("key_code", 65)
        .put("modifiers", new JsonObject().put("shift", false).put("ctrl", true).put("alt", false).put("meta", false))
        .put("inter_key_interval_ms", null);
      case 1 -> new JsonObject().put("x", 10).put("y", -20).put("velocity", 310.25);
      case 2 -> new JsonObject().put("x", 5).put("y", 6).put("button", "right").put("click_type", "single");
      case 3 -> new JsonObject().put("window_title", "Inbox – Mail").put("app_name", "mail").put("process_id", 77)
        .put("duration_ms", 1500);
      case 4 -> new JsonObject().put("screenshot_id", UUID.randomUUID().toString()).put("format", "png")
        .put("window_title", "t").put("app_name", "a").put("privacy_masked", true)
        .put("screen_region", new JsonObject().put("x", 0).put("y", 0).put("width", 1920).put("height", 1080));
      case 5 -> new JsonObject().put("process_id", 4321).put("process_name", "cargo").put("event_type", "started");
      default -> new JsonObject().put("cpu_percent", 150.5).put("memory_mb", 2048).put("disk_io_mb_per_sec", 1.25)
        .put("network_io_mb_per_sec", 0.5);
    };
    String[] types = {"keystroke", "mouse_move", "mouse_click", "window_focus", "screenshot", "process", "resource"};
    return new JsonObject().put("id", UUID.randomUUID().toString()).put("session_id", session)
      .put("timestamp", Instant.ofEpochMilli(ts == null ? System.currentTimeMillis() : ts).toString())
      .put("event_type", types[kind]).put("data", data);
  }

  /** dropped_total{reason} from the module's /metrics. */
  private double dropped(String reason) throws Exception {
    return Scrape.of(httpPort).get("skelly_storage_dropped_total{reason=\"" + reason + "\"}");
  }


  private static boolean onPath(String command) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(d, command))) {
        return true;
      }
    }
    return false;
  }

  /** npm-installs the bridge client once into it/target (reused by later runs). */
  private static Path installBridgeClient() throws Exception {
    Path npmDir = Files.createDirectories(Path.of("target", "npm-bridge-client").toAbsolutePath());
    if (!Files.isDirectory(npmDir.resolve("node_modules/@vertx/eventbus-bridge-client.js"))) {
      // A package.json of its own, so npm installs here and not into some parent project.
      Files.writeString(npmDir.resolve("package.json"), "{\"name\": \"skelly-it-bridge-client\", \"private\": true}\n");
      Process npm = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", NODE_CLIENT)
        .directory(npmDir.toFile()).redirectErrorStream(true)
        .redirectOutput(npmDir.resolve("npm.log").toFile()).start();
      boolean done = npm.waitFor(90, TimeUnit.SECONDS);
      assumeTrue(done && npm.exitValue() == 0, "npm install " + NODE_CLIENT + " failed (offline?): "
        + ClusterIT.tail(npmDir.resolve("npm.log")));
    }
    return npmDir;
  }

  /**
   * The SockJS client as a browser-less TypeScript module would use it. Prints one JSON line: what it sent,
   * which of its events came back in batches and how often, the errors the bridge answered, and whether a
   * message over the limit closed its connection.
   */
  static final String NODE_SCRIPT = """
    'use strict';
    const EventBus = require('@vertx/eventbus-bridge-client.js');
    const crypto = require('crypto');
    const fs = require('fs');
    const [url, token, session, perKindText, shotPath, limitText] = process.argv.slice(2);
    const perKind = Number(perKindText), limit = Number(limitText);
    // The test's PNG fixture, written by the test: 1280 × 720 in its header.
    const image = fs.readFileSync(shotPath), shotBytes = image.length;
    const result = { sent: 0, distinct: 0, repeated: 0, kinds: [], errors: [], screenshot_size: null, oversize_closed: false };
    const finish = (code) => { console.log(JSON.stringify(result)); process.exit(code); };
    setTimeout(() => { result.timeout = true; finish(1); }, 90000);

    const shotId = crypto.randomUUID();
    let shotHash = null;
    function data(kind, i) {
      switch (kind) {
        case 'keystroke': return { key_code: 30 + i, modifiers: { shift: false, ctrl: false, alt: true, meta: false }, inter_key_interval_ms: 95 };
        case 'mouse_move': return { x: i, y: 2 * i, velocity: 120.5 };
        case 'mouse_click': return { x: i, y: i, button: 'middle', click_type: 'triple' };
        case 'window_focus': return { window_title: 'Terminal ' + i, app_name: 'term', process_id: 900 + i, duration_ms: null };
        case 'screenshot': return { screenshot_id: crypto.randomUUID(), format: 'png', window_title: 'w', app_name: 'a',
          screen_region: { x: 0, y: 0, width: 800, height: 600 }, privacy_masked: true };
        case 'process': return { process_id: 3000 + i, process_name: 'node', event_type: 'stopped' };
        default: return { cpu_percent: 33.5, memory_mb: 1024, disk_io_mb_per_sec: 0, network_io_mb_per_sec: 2.5 };
      }
    }
    const kinds = ['keystroke', 'mouse_move', 'mouse_click', 'window_focus', 'screenshot', 'process', 'resource'];
    const ids = new Map();
    const seen = new Map();
    const seenKinds = new Set();

    const eb = new EventBus(url);
    eb.enableReconnect(false);
    eb.onerror = (err) => { result.errors.push(err.body || err.message); };
    eb.onclose = () => { if (result.distinct < result.sent || result.sent === 0) { result.closed = true; finish(1); } };
    eb.onopen = () => {
      // Refused: no token, a wrong token, an address off the allow-list (and nothing of them may reach a batch).
      const refused = { id: crypto.randomUUID(), session_id: session, timestamp: new Date().toISOString(), event_type: 'resource', data: data('resource', 0) };
      eb.publish('skelly.raw-event', refused);
      eb.publish('skelly.raw-event', refused, { token: token + 'x' });
      eb.send('skelly.storage.metrics', {}, { token });

      eb.registerHandler('skelly.event-batch.json', { token }, (err, msg) => {
        if (err) { result.errors.push('handler: ' + JSON.stringify(err)); return; }
        const batch = msg.body;
        if (batch.session_id !== session) return;
        for (const e of batch.events) {
          if (!ids.has(e.id)) { result.unknown = (result.unknown || 0) + 1; continue; }
          seen.set(e.id, (seen.get(e.id) || 0) + 1);
          seenKinds.add(e.event_type);
        }
        for (const r of batch.screenshot_refs) if (r.screenshot_id === shotId) result.screenshot_size = r.size_bytes;
        result.distinct = seen.size;
        result.repeated = [...seen.values()].filter((n) => n > 1).length;
        result.kinds = [...seenKinds].sort();
        if (seen.size === ids.size) fetch();
      });

      eb.defaultHeaders = { token };
      let i = 0;
      for (const kind of kinds) {
        for (let j = 0; j < perKind; j++, i++) {
          const e = { id: crypto.randomUUID(), session_id: session, timestamp: new Date().toISOString(), event_type: kind, data: data(kind, i) };
          ids.set(e.id, kind);
          eb.publish('skelly.raw-event', e);
        }
      }
      shotHash = crypto.createHash('sha256').update(image).digest('hex');
      const shot = { id: crypto.randomUUID(), session_id: session, timestamp: Date.now(), event_type: 'screenshot',
        data: { screenshot_id: shotId, format: 'png', image: image.toString('base64'), window_title: 'Editor',
          app_name: 'code', screen_region: { x: 0, y: 0, width: 1280, height: 720 }, privacy_masked: false } };
      ids.set(shot.id, 'screenshot');
      eb.publish('skelly.raw-event', shot);
      result.sent = ids.size;
    };

    // The screenshot's bytes, requested back over the bridge: Vert.x's JSON binary is base64url.
    let fetching = false;
    function fetch() {
      if (fetching) return;
      fetching = true;
      eb.send('skelly.storage.screenshot', { screenshot_id: shotId }, (err, reply) => {
        if (err) { result.errors.push('fetch: ' + JSON.stringify(err)); }
        else {
          const bytes = Buffer.from(reply.body, 'base64url');
          result.fetched_format = reply.headers && reply.headers.format;
          result.fetched_same = bytes.length === shotBytes && crypto.createHash('sha256').update(bytes).digest('hex') === shotHash;
        }
        // The oversize connection opens once this one closed: each SockJS connection holds its worst case of the
        // bridges' input budget, which here covers one.
        eb.onclose = () => oversize();
        eb.close();
      });
    }

    // A message over the limit, on a connection of its own: the bridge closes that connection.
    function oversize() {
      const big = new EventBus(url);
      big.enableReconnect(false);
      big.onerror = () => {};
      big.onopen = () => {
        big.publish('skelly.raw-event', { padding: 'x'.repeat(limit + 1024) }, { token });
      };
      big.onclose = () => { result.oversize_closed = true; finish(0); };
    }
    """;
}
