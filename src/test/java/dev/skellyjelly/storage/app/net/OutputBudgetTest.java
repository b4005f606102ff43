package dev.skellyjelly.storage.app.net;

import dev.skellyjelly.storage.ConfigKeys;
import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.StorageMetrics;
import dev.skellyjelly.storage.app.http.HttpEndpoints;
import dev.skellyjelly.storage.codecs.Addresses;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.ext.healthchecks.CheckResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bridges' output budget, shared by all connections: peers that register for batches and never read cost at
 * most the budget (plus the frames being made when it was reached), the messages past it are dropped and counted
 * as {@code slow_consumer}, /health shows the pressure, and what was counted is given back when they go.
 */
class OutputBudgetTest {

  private static final String TOKEN = "t".repeat(40);
  private static final long CAPACITY = 1L << 20;
  /** A consumer message's body: a frame is a little more. */
  private static final int MESSAGE_CHARS = 200_000;

  @TempDir
  Path dir;
  Vertx vertx;
  StorageConfig config;
  StorageMetrics metrics;
  BridgeBudget input;
  OutputBudget output;
  NetServer server;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    config = StorageConfig.from(List.of(Map.of(ConfigKeys.DATABASE_PATH, dir.resolve("events.db").toString(),
      ConfigKeys.BRIDGE_TOKEN, TOKEN, ConfigKeys.TCP_BRIDGE_PORT, 0)), dir.toString());
    metrics = new StorageMetrics(new SimpleMeterRegistry());
    input = BridgeBudget.forConfig(config);
    output = new OutputBudget(CAPACITY);
    server = TcpBridge.start(vertx, config, BridgeToken.of(TOKEN), new BridgePressure(input, output),
      BridgeDrops.of(metrics, InstantSource.system()), InstantSource.system(), group -> { }).await();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  @Test
  void aShareIsAQuarterOfTheBudgetAndNothingIsAdmittedOnceItIsSpent() {
    OutputBudget b = new OutputBudget(1_000);
    assertEquals(250, b.share());
    assertTrue(b.admits(249));
    assertFalse(b.admits(250), "a connection at its share");
    b.add(999);
    assertTrue(b.admits(0));
    b.add(1);
    assertTrue(b.spent());
    assertFalse(b.admits(0), "every connection, once all together spent the budget");
    b.release(1_000);
    assertEquals(0, b.used());
    assertTrue(b.admits(0));
  }

  @Test
  void peersThatNeverReadCostAtMostTheBudgetAndGetItBackWhenTheyGo() throws Exception {
    List<Socket> silent = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      silent.add(register(new Socket()));
    }
    long frame = MESSAGE_CHARS + 200;
    JsonObject body = new JsonObject().put("text", "x".repeat(MESSAGE_CHARS));
    AtomicLong published = new AtomicLong();
    AtomicLong peak = new AtomicLong();
    // The kernel's buffers take what they can first; then the budget fills and messages are dropped.
    await("the output budget spent").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
      .until(() -> {
        vertx.eventBus().publish(Addresses.EVENT_BATCH_JSON, body);
        published.incrementAndGet();
        peak.accumulateAndGet(output.used(), Math::max);
        return slowConsumerDrops() >= 10 && output.spent();
      });
    assertTrue(peak.get() <= CAPACITY + silent.size() * frame, "unread bytes " + peak.get());
    assertTrue(slowConsumerDrops() < published.get() * silent.size());

    CheckResult health = HttpEndpoints.healthChecks(vertx, config, metrics, new BridgePressure(input, output))
      .checkStatus("bridges").await();
    assertFalse(health.getUp(), "/health's bridges check while the output budget is spent");
    JsonObject data = health.getData();
    assertEquals(CAPACITY, data.getLong("output_budget_bytes"));
    assertTrue(data.getLong("output_bytes") >= CAPACITY, data.encode());

    for (Socket s : silent) {
      s.setSoLinger(true, 0);
      s.close();
    }
    await("the unread bytes given back").atMost(Duration.ofSeconds(30)).until(() -> output.used() == 0);
    assertTrue(HttpEndpoints.healthChecks(vertx, config, metrics, new BridgePressure(input, output))
      .checkStatus("bridges").await().getUp());
  }

  @Test
  void aReaderKeepsGettingMessagesBesideAPeerThatFilledItsShare() throws Exception {
    Socket silent = register(new Socket());
    Socket reader = register(new Socket());
    JsonObject body = new JsonObject().put("text", "x".repeat(MESSAGE_CHARS));
    InputStream in = reader.getInputStream();
    // Each message is read by the reader before the next goes: the silent peer's unread bytes grow to its share.
    await("the silent peer at its share").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(1))
      .until(() -> {
        vertx.eventBus().publish(Addresses.EVENT_BATCH_JSON, body);
        TcpTestFrames.read(in);
        return slowConsumerDrops() >= 3;
      });
    assertTrue(output.used() < CAPACITY, "one peer took " + output.used() + " bytes: its share, not the budget");
    for (int i = 0; i < 5; i++) {
      vertx.eventBus().publish(Addresses.EVENT_BATCH_JSON, body.copy().put("n", i));
      assertEquals(i, TcpTestFrames.read(in).getJsonObject("body").getInteger("n"));
    }
    silent.close();
    reader.close();
  }

  private double slowConsumerDrops() {
    return metrics.registry().counter(StorageMetrics.PREFIX + "dropped", "reason", "slow_consumer").count();
  }

  /** Connects with a small receive window, registers for batches and waits until the bridge confirms (a pong). */
  private Socket register(Socket s) throws IOException {
    s.setReceiveBufferSize(4096);
    s.connect(new InetSocketAddress("127.0.0.1", server.actualPort()));
    OutputStream out = s.getOutputStream();
    JsonObject headers = new JsonObject().put(BridgeToken.HEADER, TOKEN);
    TcpTestFrames.write(out, new JsonObject().put("type", "register").put("address", Addresses.EVENT_BATCH_JSON).put("headers", headers));
    TcpTestFrames.write(out, new JsonObject().put("type", "ping").put("headers", headers));
    InputStream in = s.getInputStream();
    assertEquals("pong", TcpTestFrames.read(in).getString("type"));
    return s;
  }

}
