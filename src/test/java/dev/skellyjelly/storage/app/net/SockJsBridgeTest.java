package dev.skellyjelly.storage.app.net;

import dev.skellyjelly.storage.ConfigKeys;
import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.StorageMetrics;
import dev.skellyjelly.storage.app.http.HttpEndpoints;
import dev.skellyjelly.storage.codecs.Addresses;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SockJS bridge's admission: a handshake from a foreign origin is refused with 403 and counted; and what one
 * SockJS message of N bytes costs the heap before the bridge's hook can refuse it, as a multiple of N:
 * the bytes allocated on the (single) event loop while the message is read, decoded and answered. The SockJS
 * bridge reserves {@link SockJsBridge#COPY_FACTOR} × {@code sockjs_max_message_kb} of the shared budget per
 * connection; this is the measurement that figure rests on, through both WebSocket endpoints (raw, and SockJS
 * framing, whose message is a JSON array of strings: one decoding more).
 */
class SockJsBridgeTest {

  private static final int MESSAGE_BYTES = 1000 * 1024;

  @TempDir
  Path dir;
  Vertx vertx;
  HttpServer server;
  long loopThread;
  StorageMetrics metrics;
  BridgePressure pressure;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      port = free.getLocalPort();
    }
    // The port goes into the configuration: the module's own origin, which Vert.x's client sends, is allowed.
    StorageConfig config = StorageConfig.from(List.of(Map.of(ConfigKeys.HTTP_PORT, port, ConfigKeys.SOCKJS_BRIDGE, true,
      ConfigKeys.DATABASE_PATH, dir.resolve("events.db").toString(),
      ConfigKeys.BRIDGE_TOKEN, "t".repeat(40),
      // A budget (two frames of a 64 MB screenshot) that several SockJS connections fit, one closing as the next opens.
      ConfigKeys.SCREENSHOT_MAX_MB, 64)), dir.toString());
    metrics = new StorageMetrics(new SimpleMeterRegistry());
    Router router = Router.router(vertx);
    router.route("/eventbus/*").subRouter(SockJsBridge.router(vertx, config, BridgeToken.of("t".repeat(40)),
      pressure = new BridgePressure(BridgeBudget.forConfig(config), new OutputBudget(OutputBudget.DEFAULT_BYTES)),
      BridgeDrops.of(metrics, InstantSource.system()), InstantSource.system()));
    server = HttpEndpoints.start(vertx, config, router).await();
    CompletableFuture<Long> id = new CompletableFuture<>();
    vertx.runOnContext(v -> id.complete(Thread.currentThread().getId()));
    loopThread = id.get(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  @Test
  void aHandshakeFromAForeignOriginIsRefusedWith403AndCounted() {
    Vertx clientVertx = Vertx.vertx();
    try {
      WebSocketClient client = clientVertx.createWebSocketClient();
      Throwable refused = assertThrows(Throwable.class, () -> client.connect(handshake("https://evil.example")).await());
      assertTrue(refused instanceof UpgradeRejectedException r && r.getStatus() == 403, String.valueOf(refused));
      assertEquals(1.0, metrics.registry().get(StorageMetrics.PREFIX + "dropped").tag("reason", "origin").counter().count());
      // The module's own origin (as a browser on localhost sends it) opens the bridge.
      client.connect(handshake("http://localhost:" + server.actualPort())).await().close().await();
    } finally {
      clientVertx.close().await();
    }
  }

  private WebSocketConnectOptions handshake(String origin) {
    return new WebSocketConnectOptions().setPort(server.actualPort()).setHost("127.0.0.1").setURI("/eventbus/websocket")
      .addHeader("Origin", origin);
  }

  @Test
  void aMessageCostsAtMostTheCopyFactorTimesItsSize() throws Exception {
    double raw = factor("/eventbus/websocket", false);
    double framed = factor("/eventbus/000/abcdefgh/websocket", true);
    System.out.printf("SockJS copy factor: raw WebSocket %.2f, SockJS-framed %.2f (allocated on the event loop per message byte)%n",
      raw, framed);
    assertTrue(raw <= SockJsBridge.COPY_FACTOR && framed <= SockJsBridge.COPY_FACTOR,
      "raw " + raw + ", framed " + framed + " within " + SockJsBridge.COPY_FACTOR);
  }

  /** Allocation on the event loop for one refused message of MESSAGE_BYTES (median of a few), per message byte. */
  private double factor(String path, boolean sockJsFraming) throws Exception {
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    String padding = "x".repeat(MESSAGE_BYTES - 200);
    String frame = new JsonObject().put("type", "publish").put("address", Addresses.RAW_EVENT)
      .put("headers", new JsonObject().put("token", "wrong")).put("body", new JsonObject().put("pad", padding)).encode();
    String text = sockJsFraming ? new JsonArray().add(frame).encode() : frame;
    // The budget fits one SockJS connection beside a maximum-size frame: a connection opens once the one before
    // (closed just now, by this test or another) has given its reservation back.
    org.awaitility.Awaitility.await("earlier connections' reservations given back").atMost(java.time.Duration.ofSeconds(10))
      .until(() -> pressure.budget().used() == 0);
    // The client runs on a Vert.x of its own, so only the server's work is counted on the server's event loop.
    Vertx clientVertx = Vertx.vertx();
    try {
      WebSocketClient client = clientVertx.createWebSocketClient(new io.vertx.core.http.WebSocketClientOptions()
        .setMaxMessageSize(4 * MESSAGE_BYTES).setMaxFrameSize(4 * MESSAGE_BYTES));
      WebSocketConnectOptions to = new WebSocketConnectOptions().setPort(server.actualPort()).setHost("127.0.0.1")
        .setURI(path);
      WebSocket ws;
      try {
        ws = client.connect(to).await();
      } catch (io.netty.handler.codec.http.websocketx.WebSocketHandshakeException closed) {
        // Seen once in a full build: the connection closed on both sides during the handshake, with no refusal
        // counted. This measures allocation per message, not the handshake: it connects once more.
        System.out.println("SockJsBridgeTest: handshake closed (" + closed.getMessage() + "), connecting again");
        ws = client.connect(to).await();
      }
      java.util.concurrent.LinkedBlockingQueue<String> replies = new java.util.concurrent.LinkedBlockingQueue<>();
      ws.handler(b -> replies.add(b.toString()));
      double[] samples = new double[5];
      for (int i = 0; i < samples.length; i++) {
        long before = threads.getThreadAllocatedBytes(loopThread);
        ws.writeTextMessage(text).await();
        String reply = replies.poll(10, TimeUnit.SECONDS);
        while ("o".equals(reply) || "h".equals(reply)) {
          // SockJS's open and heartbeat frames (the open frame may also come before the handler is set).
          reply = replies.poll(10, TimeUnit.SECONDS);
        }
        assertTrue(reply != null && reply.contains("access_denied"), "refused: " + reply);
        samples[i] = (double) (threads.getThreadAllocatedBytes(loopThread) - before) / text.length();
      }
      ws.close().await();
      java.util.Arrays.sort(samples);
      return samples[samples.length / 2];
    } finally {
      clientVertx.close().await();
    }
  }
}
