package dev.skellyjelly.storage.app.net;

import dev.skellyjelly.storage.ConfigKeys;
import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.StorageMetrics;
import dev.skellyjelly.storage.app.OldGenerationRoom;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.impl.Messages.RawEventGroup;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A large TCP frame (a screenshot) is read on the bridge's worker for large frames, not on the event loop: while
 * that worker is busy, other connections are answered at once, and the frames its own connection sent after it wait
 * and follow it in order.
 */
class TcpLargeFrameTest {

  private static final String TOKEN = "t".repeat(40);

  @TempDir
  Path dir;
  Vertx vertx;
  BridgeBudget input;
  int port;
  final List<RawEventGroup> received = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    StorageConfig config = StorageConfig.from(List.of(Map.of(ConfigKeys.DATABASE_PATH, dir.resolve("events.db").toString(),
      ConfigKeys.BRIDGE_TOKEN, TOKEN, ConfigKeys.TCP_BRIDGE_PORT, 0)), dir.toString());
    input = BridgeBudget.forConfig(config);
    port = TcpBridge.start(vertx, config, BridgeToken.of(TOKEN), new BridgePressure(input, new OutputBudget(1L << 20)),
      BridgeDrops.of(new StorageMetrics(new SimpleMeterRegistry()), InstantSource.system()), InstantSource.system(),
      received::add).await().actualPort();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  @Test
  void otherConnectionsAreAnsweredWhileALargeFrameIsReadAndItsOwnNextFramesFollowIt() throws Exception {
    // The worker for large frames (one thread) is kept busy until the test lets it go.
    CountDownLatch busy = new CountDownLatch(1);
    WorkerExecutor worker = vertx.createSharedWorkerExecutor(TcpBridge.LARGE_FRAMES, 1);
    worker.executeBlocking(() -> {
      busy.await();
      return null;
    });
    byte[] image = new byte[30_000];
    new Random(3).nextBytes(image);
    String shotId = "3b241101-e2bb-4255-8caf-4136c566a962";
    byte[] screenshot = TcpTestFrames.bytes(new JsonObject().put("type", "publish").put("address", Addresses.RAW_EVENT)
      .put("headers", new JsonObject().put("token", TOKEN)).put("body", new JsonObject()
        .put("timestamp", "2026-12-03T10:00:00.000Z").put("event_type", "screenshot")
        .put("data", new JsonObject().put("screenshot_id", shotId).put("format", "png")
          .put("image", Base64.getEncoder().encodeToString(image)))));
    byte[] ping = TcpTestFrames.bytes(new JsonObject().put("type", "ping"));
    try (Socket a = connect(); Socket b = connect()) {
      OutputStream out = a.getOutputStream();
      out.write(screenshot);
      out.write(ping);
      out.flush();
      int length = screenshot.length - TcpFraming.HEADER_BYTES;
      await("the large frame read and waiting for the worker").atMost(Duration.ofSeconds(10))
        .until(() -> input.used() == length);

      b.getOutputStream().write(ping);
      b.getOutputStream().flush();
      assertEquals("pong", TcpTestFrames.read(b.getInputStream()).getString("type"), "another connection is answered meanwhile");
      assertEquals(0, a.getInputStream().available(), "the ping sent after the large frame waits for it");
      assertEquals(List.of(), received, "nothing of the large frame reached the receiver yet");
      assertEquals(length, input.used(), "the frame's bytes stay reserved until it is handled");

      busy.countDown();
      assertEquals("pong", TcpTestFrames.read(a.getInputStream()).getString("type"), "then the connection's next frame is answered");
      await("the screenshot handed to the receiver").atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1);
      JsonObject data = ((JsonObject) received.get(0).bodies().get(0)).getJsonObject("data");
      assertEquals(shotId, data.getString("screenshot_id"));
      assertArrayEquals(image, data.getBinary("image"), "the image decoded from its base64");
      await("the reservation given back").atMost(Duration.ofSeconds(10)).until(() -> input.used() == 0);
    }
  }

  @Test
  void onlyAConnectionThatSentTheTokenGetsRoomMadeForItsLargeFrames() throws Exception {
    OldGenerationRoom old = OldGenerationRoom.ofThisJvm();
    byte[] image = new byte[1_000_000];
    new Random(5).nextBytes(image);
    long given = old.framesGivenRoom();
    try (Socket stranger = connect()) {
      // Large frames with a wrong token, the first frames of their connection: refused, and no room made for them.
      for (int i = 0; i < 2; i++) {
        stranger.getOutputStream().write(screenshotFrame("w".repeat(40), image));
        stranger.getOutputStream().flush();
        JsonObject reply = TcpTestFrames.read(stranger.getInputStream());
        assertEquals(TcpBridge.ACCESS_DENIED, reply.getString("message"), reply.encode());
      }
      assertEquals(given, old.framesGivenRoom(), "a peer without the token costs no collection and keeps none waiting");
    }
    try (Socket producer = connect()) {
      // The same screenshot with the token as the connection's first frame, then again once that one was read.
      producer.getOutputStream().write(screenshotFrame(TOKEN, image));
      producer.getOutputStream().flush();
      await("the first screenshot handed to the receiver").atMost(Duration.ofSeconds(10)).until(() -> received.size() == 1);
      assertEquals(given, old.framesGivenRoom(), "nothing yet said the connection has the token");
      producer.getOutputStream().write(screenshotFrame(TOKEN, image));
      producer.getOutputStream().flush();
      await("the second screenshot handed to the receiver").atMost(Duration.ofSeconds(10)).until(() -> received.size() == 2);
      assertEquals(given + 1, old.framesGivenRoom(), "its next large frame is given room first");
      assertArrayEquals(image, ((JsonObject) received.get(1).bodies().get(0)).getJsonObject("data").getBinary("image"));
    }
  }

  private static byte[] screenshotFrame(String token, byte[] image) {
    return TcpTestFrames.bytes(new JsonObject().put("type", "publish").put("address", Addresses.RAW_EVENT)
      .put("headers", new JsonObject().put("token", token)).put("body", new JsonObject()
        .put("timestamp", "2026-12-03T10:00:00.000Z").put("event_type", "screenshot")
        .put("data", new JsonObject().put("screenshot_id", "3b241101-e2bb-4255-8caf-4136c566a963").put("format", "png")
          .put("image", Base64.getEncoder().encodeToString(image)))));
  }

  private Socket connect() throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    s.setSoTimeout(10_000);
    return s;
  }
}
