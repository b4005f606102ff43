package dev.skellyjelly.storage.it;

import dev.skellyjelly.storage.codecs.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile peers on every bridge edge at once, beside a legitimate producer and consumer, against the real jar under
 * conf/jvm.options, which such peers used to kill with an OutOfMemoryError: WebSocket clients of a foreign
 * web site's origin (403 at the handshake) and without an origin sending 21 MB messages; TCP connections announcing
 * and sending 20 MB frames without the token and with it; a connection sending frames without the token; 2 000
 * connections that send a bare 4-byte header; a client pinging as fast as it can and never reading; a registered
 * batch consumer that stops reading. The module stays up, bounded in RSS, shows each refusal in
 * {@code dropped_total{reason}} (logged at most once a minute per reason), and every event the producer got
 * acknowledged is committed and batched exactly once. {@link EveryAttackAtOnceIT} runs the same with the cluster's
 * non-member and a fresh-session flood added ({@link Run}).
 */
class EdgesIT {

  static final String TOKEN = "edges-" + UUID.randomUUID() + UUID.randomUUID();
  static final int IDLE_SECONDS = 4;
  /**
   * The bridge attacks alone, beside 25 s of the producer; what the JVM may add outside the heap (metaspace, code
   * cache, stacks, Netty): 128 MB (peaks of 148-150 MB measured).
   */
  static final Run EDGES = new Run(25, false, 0, Duration.ZERO, 128);
  static final int EVENTS_PER_TICK = 10;
  static final int TCP_ATTACK_BYTES = 20 << 20;
  static final int WS_ATTACK_BYTES = 21 << 20;
  static final int HEADER_ONLY = 2_000;
  /** conf/jvm.options' heap. */
  static final long HEAP_MB = JarProcess.heapMb();

  /**
   * What runs beside the bridge attacks: the producer for {@code produceSeconds}; with {@code clustered}, the module
   * runs {@code --cluster} and a local non-member ({@link ClusterIntruder} {@code raw}) tries each of its clustered
   * event-bus ports; with {@code floodPerSecond} above 0, a token holder sends that many valid keystrokes a second,
   * each of a fresh session, fire-and-forget, for {@code floodFor}. The module's peak RSS stays under the heap
   * plus {@code rssMarginMb}.
   */
  record Run(int produceSeconds, boolean clustered, int floodPerSecond, Duration floodFor, long rssMarginMb) {
  }

  @TempDir
  Path dir;

  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void hostilePeersOnEveryEdgeCostCountersWhileTheProducerLosesNothing() throws Exception {
    attack(dir, EDGES);
  }

  /** The {@code bridges} check of {@code GET /health}: its status and data (input budget, places per bridge). */
  static JsonObject bridgesCheck(HttpClient http, int httpPort) throws IOException, InterruptedException {
    String body = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + httpPort
      + "/health")).timeout(Duration.ofSeconds(5)).build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    for (Object check : new JsonObject(body).getJsonArray("checks")) {
      if ("bridges".equals(((JsonObject) check).getString("id"))) {
        return (JsonObject) check;
      }
    }
    throw new AssertionError("no bridges check in /health: " + body);
  }

  /** Every attack of {@code run} at once against the jar with its data in {@code dir}, and what the module did. */
  static void attack(Path dir, Run run) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    int httpPort = ClusterIT.freePort();
    int tcpPort = ClusterIT.freePort();
    int clusterPort = ClusterIT.freePort();
    // Clustered as the README runs it: from a directory holding conf/cluster.xml as shipped.
    Path work = Files.createDirectories(dir.resolve("work").resolve("conf")).getParent();
    List<String> cluster = List.of();
    if (run.clustered()) {
      Files.copy(JarProcess.CONF.resolve("cluster.xml"), work.resolve("conf/cluster.xml"));
      cluster = List.of("--cluster", "--set", "cluster_host=127.0.0.1", "--set", "cluster_port=" + clusterPort,
        "--set", "cluster_members=127.0.0.1:" + clusterPort);
    }
    Path foreign = run.clustered() ? ClusterIT.foreignKeystore(dir) : null;
    Path db = dir.resolve("db").resolve("events.db");
    AtomicLong peakRssKb = new AtomicLong(-1);
    ExecutorService pool = Executors.newCachedThreadPool();
    Vertx clients = Vertx.vertx();
    java.util.concurrent.atomic.AtomicReference<java.util.function.Supplier<String>> consumerEnding =
      new java.util.concurrent.atomic.AtomicReference<>(() -> "not connected");
    List<String> args = new ArrayList<>(JarProcess.run(db, dir.resolve("shots"), "--set", "http_port=" + httpPort,
      "--set", "sockjs_bridge=true", "--set", "tcp_bridge_port=" + tcpPort,
      "--set", "bridge_token=" + TOKEN, "--set", "bridge_idle_timeout_seconds=" + IDLE_SECONDS,
      "--set", "batch_window_seconds=2", "--set", "window_grace_ms=1100", "--set", "write_flush_interval_ms=100"));
    args.addAll(cluster);
    try (JarProcess jar = JarProcess.start(work, dir.resolve("home"), args)) {
      CrashLoopIT.awaitHealthy(http, jar, httpPort);
      try {
      Thread sampler = MemoryIT.sampleRss(jar, peakRssKb);

      // The clustered event bus: the module's listening ports but Hazelcast's and its own HTTP and TCP bridge.
      List<Integer> eventBusPorts = !run.clustered() ? List.of() : ClusterIT.Sockets.listening(jar.pid()).stream()
        .map(InetSocketAddress::getPort).filter(p -> p != clusterPort && p != httpPort && p != tcpPort).distinct().toList();
      assertEquals(run.clustered(), !eventBusPorts.isEmpty(), "the clustered event bus listens when clustered");

      String session = UUID.randomUUID().toString();
      TcpBridgeClient consumer = TcpBridgeClient.connect(tcpPort, TOKEN);
      consumerEnding.set(() -> consumer.ending() + ", " + consumer.count(TcpBridgeClient.message(Addresses.EVENT_BATCH_JSON))
        + " batches received, " + consumer.count(BridgesIT.batchOf(session)) + " of the producer's session");
      // The session of every batch the consumer gets: the producer's, or one of the flood's, nothing else.
      Set<String> batchSessions = ConcurrentHashMap.newKeySet();
      consumer.onFrame = f -> {
        if (Addresses.EVENT_BATCH_JSON.equals(f.getString("address")) && f.getValue("body") instanceof JsonObject b) {
          batchSessions.add(String.valueOf(b.getString("session_id")));
        }
      };
      consumer.register(Addresses.EVENT_BATCH_JSON);
      assertTrue(consumer.ping(10) != null, "the consumer is registered");
      Socket slowConsumer = quietSocket(tcpPort);
      frame(slowConsumer, new JsonObject().put("type", "register").put("address", Addresses.EVENT_BATCH_JSON)
        .put("headers", new JsonObject().put("token", TOKEN)).encode());
      TcpBridgeClient producer = TcpBridgeClient.connect(tcpPort, TOKEN);
      System.out.println("EdgesIT: consumer " + consumer.localPort() + ", slow consumer " + slowConsumer.getLocalPort()
        + ", producer " + producer.localPort());
      // Consumers that only receive stay connected by pinging (CONTRACT §5); the slow one pings too, never reading.
      // The slow one's pings end once the module closed it; the reading consumer's go on (were they to stop with
      // them, the module would rightly close it as idle: a flood of batches fills the slow one in seconds).
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicBoolean slowConsumerOpen = new AtomicBoolean(true);
      pool.submit(() -> keepPinging(running::get, consumer::sendQuietly));
      pool.submit(() -> keepPinging(() -> running.get() && slowConsumerOpen.get(), ping -> {
        try {
          frame(slowConsumer, ping.encode());
        } catch (IOException closed) {
          slowConsumerOpen.set(false);
        }
      }));

      // The legitimate producer: 1000 events/s, each a request answered once committed, the whole time.
      Future<Set<String>> sent = pool.submit(() -> produce(producer, session, run.produceSeconds()));
      Future<Boolean> pinger = pool.submit(() -> pingWithoutReading(tcpPort));
      // A token holder's buggy producer: valid keystrokes, each of a session no event had before, fire-and-forget.
      Set<String> floodSessions = ConcurrentHashMap.newKeySet();
      Future<Long> flood = pool.submit(() -> run.floodPerSecond() == 0 ? 0L
        : HostileLoad.send(jar, tcpPort, TOKEN, run.floodPerSecond(), run.floodFor(), () -> {
          JsonObject e = HostileLoad.freshSessionKeystroke();
          floodSessions.add(e.getString("session_id"));
          return e;
        }));
      // A local process that is not a member, on each clustered event-bus port.
      List<Future<JsonObject>> intrusions = new ArrayList<>();
      for (int port : eventBusPorts) {
        intrusions.add(pool.submit(() -> ClusterIT.intruder(dir.resolve("raw-" + port), "raw", Integer.toString(port),
          foreign.toString())));
      }
      // TCP frames of 20 MB: six without the token (refused from their head), six with it (a string over the limit).
      List<Future<String>> tcpAttacks = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        tcpAttacks.add(pool.submit(() -> bigTcpFrame(tcpPort, null)));
        tcpAttacks.add(pool.submit(() -> bigTcpFrame(tcpPort, TOKEN)));
      }
      // WebSockets: four of a foreign web site (refused at the handshake), four without an origin sending 21 MB.
      List<CompletableFuture<String>> wsAttacks = new ArrayList<>();
      String wsMessage = new JsonObject().put("type", "publish").put("address", Addresses.RAW_EVENT)
        .put("body", new JsonObject().put("pad", "x".repeat(WS_ATTACK_BYTES))).encode();
      for (int i = 0; i < 4; i++) {
        wsAttacks.add(bigWebSocketMessage(clients, httpPort, "https://evil.example", wsMessage));
        wsAttacks.add(bigWebSocketMessage(clients, httpPort, null, wsMessage));
      }
      for (Future<String> a : tcpAttacks) {
        String outcome = a.get(60, TimeUnit.SECONDS);
        assertTrue(outcome.equals("err access_denied") || outcome.equals("err malformed_frame")
          || outcome.equals("closed"), outcome);
      }
      // Each ends refused (403, or closed as the client sees it; SockJsBridgeTest checks the 403 itself).
      List<String> wsOutcomes = new ArrayList<>();
      for (CompletableFuture<String> a : wsAttacks) {
        String outcome = a.get(60, TimeUnit.SECONDS);
        wsOutcomes.add(outcome);
        assertTrue(outcome.equals("403") || outcome.equals("closed"), outcome);
      }
      System.out.println("EdgesIT: WebSocket attacks ended " + wsOutcomes);
      // A handshake of the foreign site once the large frames are gone: refused at the handshake. (During them the
      // client may give up on a handshake before the module's event loop reads it: "closed" above.)
      assertEquals("403", bigWebSocketMessage(clients, httpPort, "https://evil.example", "{}").get(60, TimeUnit.SECONDS));

      for (Future<JsonObject> intrusion : intrusions) {
        JsonObject raw = intrusion.get(120, TimeUnit.SECONDS);
        System.out.println("EdgesIT: non-member on the clustered event bus: " + raw.encode());
        JsonObject clear = raw.getJsonObject("clear");
        assertTrue(clear.getBoolean("closed_by_module"), "the module closed the clear connection: " + raw.encode());
        assertTrue(clear.getLong("written") < 16L << 20, "it took at most 16 MB of the 1 GB frame: " + raw.encode());
        assertTrue(raw.getJsonObject("tls_without_certificate").getBoolean("refused"), raw.encode());
        assertTrue(raw.getJsonObject("tls_foreign_certificate").getBoolean("refused"), raw.encode());
      }

      // Frames without the token, one after another: after the third the connection is closed.
      try (TcpBridgeClient stranger = TcpBridgeClient.connect(tcpPort, "not-the-token")) {
        for (int i = 0; i < 3; i++) {
          stranger.publish(Addresses.RAW_EVENT, BridgesIT.event(session, 0, null));
        }
        assertTrue(stranger.closedByServer(10), "closed after three frames without the token");
        assertEquals(3, stranger.count(TcpBridgeClient.type("err")), () -> String.valueOf(stranger.frames()));
      }

      // 2 000 connections sending a bare header: the limit refuses most at once, the idle timeout closes the rest.
      // Meanwhile /health shows the pressure: every place of the TCP bridge is taken.
      List<Socket> headerOnly = new ArrayList<>();
      List<JsonObject> pressed = new ArrayList<>();
      for (int i = 0; i < HEADER_ONLY; i++) {
        if (i % 250 == 249) {
          JsonObject bridges = bridgesCheck(http, httpPort);
          JsonObject tcp = bridges.getJsonObject("data").getJsonObject("tcp");
          if ("DOWN".equals(bridges.getString("status")) && tcp.getInteger("open").equals(tcp.getInteger("max"))) {
            pressed.add(bridges);
          }
        }
        try {
          Socket s = new Socket();
          s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), tcpPort), 5_000);
          s.getOutputStream().write(ByteBuffer.allocate(4).putInt(100).array());
          headerOnly.add(s);
        } catch (IOException refused) {
          // Closed by the module before the header went out.
        }
      }

      long flooded = flood.get(run.floodFor().toSeconds() + 60, TimeUnit.SECONDS);
      Set<String> ids = sent.get(run.produceSeconds() + 60, TimeUnit.SECONDS);
      assertTrue(pinger.get(60, TimeUnit.SECONDS), "the client that never reads was closed by the module");
      assertTrue(jar.isAlive(), jar::describe);
      assertTrue(ids.size() >= run.produceSeconds() * 1000 / 2, "the producer kept going: " + ids.size() + " acknowledged");

      // Every acknowledged event reaches the consumer in a batch, exactly once.
      Map<String, Integer> batched = new HashMap<>();
      await("every acknowledged event batched").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .failFast("the consumer was disconnected", consumer::isClosed)
        .until(() -> {
          JsonObject f;
          while ((f = consumer.poll(BridgesIT.batchOf(session), 0)) != null) {
            for (Object o : f.getJsonObject("body").getJsonArray("events")) {
              batched.merge(((JsonObject) o).getString("id"), 1, Integer::sum);
            }
          }
          return batched.keySet().containsAll(ids);
        });
      // Its pings go on until then: the last batches can come later than bridge_idle_timeout_seconds.
      running.set(false);
      assertTrue(batched.values().stream().allMatch(n -> n == 1), "each event in exactly one batch");
      assertFalse(consumer.isClosed(), "the reading consumer stays connected");
      Set<String> strangers = new java.util.HashSet<>(batchSessions);
      strangers.remove(session);
      strangers.removeAll(floodSessions);
      assertEquals(Set.of(), strangers, "batches of the producer's session and the flood's only");

      assertTrue(closedByServer(slowConsumer, 20_000), "the consumer that stopped reading was closed");
      await("the header-only connections closed").atMost(Duration.ofSeconds(IDLE_SECONDS * 4L))
        .until(() -> headerOnly.stream().allMatch(h -> closedByServer(h, 200)));
      System.out.println("EdgesIT: /health's bridges check during the header-only connections: " + pressed);
      assertFalse(pressed.isEmpty(), "/health reported every TCP bridge place taken while the connections came");
      await("/health's bridges check UP once the attackers are gone").atMost(Duration.ofSeconds(IDLE_SECONDS * 2L))
        .until(() -> "UP".equals(bridgesCheck(http, httpPort).getString("status")));

      Scrape m = Scrape.of(httpPort);
      Map<String, Double> dropped = m.byLabel("skelly_storage_dropped_total", "reason");
      System.out.println("EdgesIT: dropped_total by reason " + new java.util.TreeMap<>(dropped));
      assertTrue(dropped.getOrDefault("origin", 0.0) >= 1, dropped::toString);
      assertTrue(dropped.getOrDefault("connection_limit", 0.0) >= HEADER_ONLY / 2.0, dropped::toString);
      assertTrue(dropped.getOrDefault("idle", 0.0) >= 1, dropped::toString);
      assertTrue(dropped.getOrDefault("unauthorized", 0.0) >= 1, dropped::toString);
      assertTrue(dropped.getOrDefault("slow_consumer", 0.0) >= 1, dropped::toString);
      assertEquals(0.0, m.get("skelly_storage_bridge_input_bytes"), "no input held once the peers are gone");

      peakRssKb.accumulateAndGet(MemoryIT.vmHwmKb(jar.pid()), Math::max);
      sampler.interrupt();
      producer.close();
      consumer.close();
      jar.terminate();
      assertEquals(0, jar.waitForExit(Duration.ofSeconds(60)), jar::describe);
      assertTrue(jar.stdoutLines().stream().noneMatch(l -> l.contains("OutOfMemoryError"))
        && jar.stderrLines().stream().noneMatch(l -> l.contains("OutOfMemoryError")), jar::describe);
      // Logged at most once a minute per reason: 2 000 refusals are a line or two, not 2 000.
      long limitLines = jar.stderrLines().stream().filter(l -> l.contains("reason=\"connection_limit\"")).count();
      assertTrue(limitLines >= 1 && limitLines <= 3, limitLines + " log lines for connection_limit");

      assertEquals(ids.size(), JarProcess.scalar(db, "SELECT coalesce(sum(n), 0) FROM event_counts WHERE session_id = '"
        + session + "'"), "every acknowledged event committed, nothing else of the session");
      assertEquals(ids.size(), batched.size());
      // The flood's events committed each once, in sessions of their own; nothing else (the non-member's event,
      // of no session, would be in the module's own run session).
      long floodCommitted = 0;
      List<String> others = new ArrayList<>();
      for (List<Object> row : JarProcess.rows(db, "SELECT session_id, sum(n) FROM event_counts GROUP BY 1")) {
        String s = String.valueOf(row.get(0));
        long n = ((Number) row.get(1)).longValue();
        if (floodSessions.contains(s)) {
          assertEquals(1, n, "one event per flood session: " + s);
          floodCommitted += n;
        } else if (!s.equals(session)) {
          others.add(s + "=" + n);
        }
      }
      System.out.printf("EdgesIT: flood of fresh sessions: %d sent, %d committed; producer: %d acknowledged%n",
        flooded, floodCommitted, ids.size());
      assertEquals(List.of(), others, "events of no one's session: nothing of the non-member's arrived");
      assertEquals(flooded, floodCommitted, "every flood event committed");
      headerOnly.forEach(EdgesIT::closeQuietly);
      closeQuietly(slowConsumer);
      } catch (Throwable t) {
        // The module's own account (its warnings name each connection it closed and why).
        jar.stderrLines().stream().filter(l -> !l.startsWith("status") && !l.contains("Discarding message"))
          .limit(200).forEach(System.out::println);
        System.out.println("EdgesIT: the consumer's connection: " + consumerEnding.get().get());
        jar.stdoutLines().forEach(System.out::println);
        if (jar.isAlive()) {
          System.out.println("EdgesIT: at the failure " + Scrape.of(httpPort));
        }
        throw t;
      }
    } finally {
      System.out.printf("EdgesIT: peak RSS of the module (VmHWM) %d kB (%.1f MB)%n", peakRssKb.get(), peakRssKb.get() / 1024.0);
      pool.shutdownNow();
      clients.close().await();
    }
    assertTrue(peakRssKb.get() < (HEAP_MB + run.rssMarginMb()) * 1024, "peak RSS " + peakRssKb.get() + " kB within "
      + HEAP_MB + " MB of heap + " + run.rssMarginMb() + " MB");
  }

  /** Requests at 1000 events/s for {@code seconds}; the ids acknowledged as committed. */
  private static Set<String> produce(TcpBridgeClient producer, String session, int seconds) throws Exception {
    Map<String, String> byReply = new ConcurrentHashMap<>();
    Set<String> acked = ConcurrentHashMap.newKeySet();
    AtomicInteger answered = new AtomicInteger();
    producer.onFrame = f -> {
      String id = byReply.get(String.valueOf(f.getString("address")));
      if (id != null) {
        answered.incrementAndGet();
        if ("message".equals(f.getString("type")) && f.getJsonObject("body").getBoolean("committed", false)) {
          acked.add(id);
        }
      }
    };
    long start = System.nanoTime();
    int n = 0;
    for (long tick = 0; tick < seconds * 100L; tick++) {
      long wait = start + tick * 10_000_000L - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait);
      }
      for (int i = 0; i < EVENTS_PER_TICK; i++, n++) {
        // Window titles of a few hundred characters: batches large enough to fill a consumer that does not read.
        JsonObject e = BridgesIT.event(session, n % 7, null);
        if (n % 7 == 3) {
          e.getJsonObject("data").put("window_title", "Editor – " + "x".repeat(2_000));
        }
        String reply = "ack-" + n;
        byReply.put(reply, e.getString("id"));
        producer.write(producer.frame("send", Addresses.RAW_EVENT, e).put("replyAddress", reply).encode());
      }
      producer.flush();
    }
    int requests = n;
    await("every request answered").atMost(Duration.ofSeconds(60)).until(() -> answered.get() >= requests);
    return Set.copyOf(acked);
  }

  /** A ping every second while {@code running}. */
  private static Void keepPinging(java.util.function.BooleanSupplier running,
    java.util.function.Consumer<JsonObject> send) throws InterruptedException {
    while (running.getAsBoolean()) {
      send.accept(new JsonObject().put("type", "ping"));
      TimeUnit.SECONDS.sleep(1);
    }
    return null;
  }

  /** Pings as fast as it can and never reads; true once the module closed the connection. */
  private static boolean pingWithoutReading(int tcpPort) throws IOException {
    byte[] ping = new JsonObject().put("type", "ping").encode().getBytes(StandardCharsets.UTF_8);
    ByteBuffer many = ByteBuffer.allocate(1_000 * (4 + ping.length));
    for (int i = 0; i < 1_000; i++) {
      many.putInt(ping.length).put(ping);
    }
    try (Socket s = quietSocket(tcpPort)) {
      OutputStream out = s.getOutputStream();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < end) {
        out.write(many.array());
      }
      return false;
    } catch (IOException closedByModule) {
      return true;
    }
  }

  /** One frame of TCP_ATTACK_BYTES, a 20 MB string in its body; with {@code token} or none. What came back. */
  private static String bigTcpFrame(int tcpPort, String token) throws IOException {
    JsonObject f = new JsonObject().put("type", "publish").put("address", Addresses.RAW_EVENT);
    if (token != null) {
      f.put("headers", new JsonObject().put("token", token));
    }
    String head = f.encode();
    byte[] prefix = (head.substring(0, head.length() - 1) + ",\"body\":{\"pad\":\"").getBytes(StandardCharsets.UTF_8);
    byte[] suffix = "\"}}".getBytes(StandardCharsets.UTF_8);
    byte[] chunk = "x".repeat(1 << 20).getBytes(StandardCharsets.US_ASCII);
    int padding = TCP_ATTACK_BYTES - prefix.length - suffix.length;
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), tcpPort)) {
      s.setSoTimeout(60_000);
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      try {
        out.writeInt(TCP_ATTACK_BYTES);
        out.write(prefix);
        for (int left = padding; left > 0; left -= chunk.length) {
          out.write(chunk, 0, Math.min(left, chunk.length));
        }
        out.write(suffix);
        out.flush();
      } catch (IOException closed) {
        return "closed";
      }
      InputStream in = s.getInputStream();
      JsonObject reply;
      try {
        byte[] length = in.readNBytes(4);
        if (length.length < 4) {
          return "closed";
        }
        reply = new JsonObject(new String(in.readNBytes(ByteBuffer.wrap(length).getInt()), StandardCharsets.UTF_8));
      } catch (SocketException reset) {
        // The module closed the connection with the frame's rest unread in its socket, so the system answered with
        // a reset, which can overtake its error frame.
        return "closed";
      }
      return reply.getString("type") + " " + reply.getString("message");
    }
  }

  /** A WebSocket handshake to the SockJS bridge with {@code origin} (none: null), then one 21 MB message. */
  private static CompletableFuture<String> bigWebSocketMessage(Vertx vertx, int httpPort, String origin, String message) {
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
      .setMaxFrameSize(WS_ATTACK_BYTES + 1024).setMaxMessageSize(WS_ATTACK_BYTES + 1024));
    WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(httpPort)
      .setURI("/eventbus/websocket").setAllowOriginHeader(origin != null);
    if (origin != null) {
      options.addHeader("Origin", origin);
    }
    CompletableFuture<String> outcome = new CompletableFuture<>();
    client.connect(options).onComplete(connected -> {
      if (connected.failed()) {
        outcome.complete(connected.cause() instanceof UpgradeRejectedException r ? Integer.toString(r.getStatus())
          : "closed");
        return;
      }
      WebSocket ws = connected.result();
      ws.closeHandler(v -> outcome.complete("closed"));
      ws.writeTextMessage(message);
    });
    return outcome;
  }

  /** A socket that takes almost nothing off the wire unless read: a 4 KB receive buffer. */
  private static Socket quietSocket(int tcpPort) throws IOException {
    Socket s = new Socket();
    s.setReceiveBufferSize(4096);
    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), tcpPort), 5_000);
    return s;
  }

  private static void frame(Socket s, String json) throws IOException {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    DataOutputStream out = new DataOutputStream(s.getOutputStream());
    out.writeInt(b.length);
    out.write(b);
    out.flush();
  }

  /** Reads what is left until the end of the stream: true when the module closed the connection. */
  private static boolean closedByServer(Socket s, int waitMs) {
    try {
      s.setSoTimeout(waitMs);
      InputStream in = s.getInputStream();
      byte[] buffer = new byte[1 << 16];
      while (in.read(buffer) >= 0) {
        // Whatever the module had written before closing.
      }
      return true;
    } catch (java.net.SocketTimeoutException stillOpen) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // Closing a test's own socket.
    }
  }
}
