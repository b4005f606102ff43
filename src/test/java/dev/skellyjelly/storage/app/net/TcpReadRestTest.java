package dev.skellyjelly.storage.app.net;

import dev.skellyjelly.storage.ConfigKeys;
import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.StorageMetrics;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.impl.Messages.Predecoded;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A producer writing a few events every few milliseconds (as Data Capture does) is read in a few large reads, not
 * one per write: the socket rests after each read. Every event still arrives, in order, and a frame split across
 * writes is read on without resting.
 */
class TcpReadRestTest {

  private static final String TOKEN = "t".repeat(40);

  @TempDir
  Path dir;
  Vertx vertx;
  NetServer server;
  /** The keystroke codes of each group the bridge handed to the receiver. */
  final List<long[]> groups = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    StorageConfig config = StorageConfig.from(List.of(Map.of(ConfigKeys.DATABASE_PATH, dir.resolve("events.db").toString(),
      ConfigKeys.BRIDGE_TOKEN, TOKEN, ConfigKeys.TCP_BRIDGE_PORT, 0)), dir.toString());
    StorageMetrics metrics = new StorageMetrics(new SimpleMeterRegistry());
    BridgeBudget input = BridgeBudget.forConfig(config);
    server = TcpBridge.start(vertx, config, BridgeToken.of(TOKEN), new BridgePressure(input, new OutputBudget(1 << 20)),
      BridgeDrops.of(metrics, InstantSource.system()), InstantSource.system(),
      group -> groups.add(group.bodies().stream()
        .mapToLong(b -> ((dev.skellyjelly.storage.codecs.Keystroke) ((Predecoded) b).event().data()).keyCode()).toArray()))
      .await();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  private static byte[] frame(long keyCode) {
    JsonObject frame = new JsonObject().put("type", "publish").put("address", Addresses.RAW_EVENT)
      .put("headers", new JsonObject().put(BridgeToken.HEADER, TOKEN))
      .put("body", new JsonObject().put("timestamp", System.currentTimeMillis()).put("event_type", "keystroke")
        .put("data", new JsonObject().put("key_code", keyCode).put("inter_key_interval_ms", 80)
          .put("modifiers", new JsonObject().put("shift", false).put("ctrl", false).put("alt", false).put("meta", false))));
    byte[] text = frame.encode().getBytes(StandardCharsets.UTF_8);
    return Buffer.buffer().appendInt(text.length).appendBytes(text).getBytes();
  }

  private long[] received() {
    return groups.stream().flatMapToLong(java.util.Arrays::stream).toArray();
  }

  @Test
  void eventsWrittenEveryFewMillisecondsArriveInFewReadsAndInOrder() throws Exception {
    int events = 60;
    long[] sent = new long[events];
    try (Socket s = new Socket("127.0.0.1", server.actualPort())) {
      s.setTcpNoDelay(true);
      OutputStream out = s.getOutputStream();
      long started = System.nanoTime();
      for (int i = 0; i < events; i++) {
        sent[i] = 8 + i;
        out.write(frame(sent[i]));
        out.flush();
        // The producer's tick: 3 ms between writes.
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(3));
      }
      long writingMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      await().atMost(Duration.ofSeconds(10)).until(() -> received().length == events);
      assertArrayEquals(sent, received());
      // Without the rest, each write is a read of its own: 60 groups.
      long restsAtMost = writingMs / TcpBridge.READ_REST_MS + 2;
      assertTrue(groups.size() <= restsAtMost, groups.size() + " reads in " + writingMs + " ms");
    }
  }

  @Test
  void aFrameSplitAcrossWritesIsReadOnWithoutResting() throws Exception {
    try (Socket s = new Socket("127.0.0.1", server.actualPort())) {
      s.setTcpNoDelay(true);
      OutputStream out = s.getOutputStream();
      out.write(frame(9));
      out.flush();
      await().atMost(Duration.ofSeconds(10)).until(() -> received().length == 1);
      byte[] next = frame(10);
      long started = System.nanoTime();
      // Rests only follow reads that end between frames: each piece of this one is read as it comes.
      for (int i = 0; i < next.length; i += 16) {
        out.write(next, i, Math.min(16, next.length - i));
        out.flush();
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> received().length == 2);
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      assertArrayEquals(new long[]{9, 10}, received());
      int pieces = (next.length + 15) / 16;
      assertTrue(tookMs < pieces * TcpBridge.READ_REST_MS / 2, "a " + pieces + "-piece frame took " + tookMs + " ms");
      assertEquals(2, groups.size());
    }
  }
}
