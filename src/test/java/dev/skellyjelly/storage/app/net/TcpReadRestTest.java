package dev.skellyjelly.storage.app.net;

import dev.skellyjelly.storage.ConfigKeys;
import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.StorageMetrics;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.Keystroke;
import dev.skellyjelly.storage.impl.Messages.Predecoded;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * On a Vert.x built with {@link ReadRestTransport}, as the module builds its own: a producer writing a few events
 * every few milliseconds (as Data Capture does) is read in a few large reads, not one per write, and every event
 * still arrives, in order. A frame split across writes is read on without resting, and a client waiting for
 * answers is answered at once each time.
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
    assertNotNull(ReadRestTransport.ofNative(), "this machine has Vert.x's native transport");
    vertx = ReadRestTransport.builder(new VertxOptions().setEventLoopPoolSize(1).setPreferNativeTransport(true)).build();
    StorageConfig config = StorageConfig.from(List.of(Map.of(ConfigKeys.DATABASE_PATH, dir.resolve("events.db").toString(),
      ConfigKeys.BRIDGE_TOKEN, TOKEN, ConfigKeys.TCP_BRIDGE_PORT, 0)), dir.toString());
    server = TcpBridge.start(vertx, config, BridgeToken.of(TOKEN), new BridgePressure(BridgeBudget.forConfig(config),
        new OutputBudget(1 << 20)), BridgeDrops.of(new StorageMetrics(new SimpleMeterRegistry()), InstantSource.system()),
      InstantSource.system(), group -> groups.add(group.bodies().stream()
        .mapToLong(b -> ((Keystroke) ((Predecoded) b).event().data()).keyCode()).toArray()))
      .await();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  private static byte[] keystroke(long keyCode) {
    return TcpTestFrames.bytes(new JsonObject().put("type", "publish").put("address", Addresses.RAW_EVENT)
      .put("headers", new JsonObject().put(BridgeToken.HEADER, TOKEN))
      .put("body", new JsonObject().put("timestamp", System.currentTimeMillis()).put("event_type", "keystroke")
        .put("data", new JsonObject().put("key_code", keyCode).put("inter_key_interval_ms", 80)
          .put("modifiers", new JsonObject().put("shift", false).put("ctrl", false).put("alt", false).put("meta", false)))));
  }

  private long[] received() {
    return groups.stream().flatMapToLong(Arrays::stream).toArray();
  }

  @Test
  void eventsWrittenEveryFewMillisecondsArriveInFewReadsAndInOrder() throws Exception {
    int events = 100;
    long[] sent = new long[events];
    try (Socket s = new Socket("127.0.0.1", server.actualPort())) {
      s.setTcpNoDelay(true);
      OutputStream out = s.getOutputStream();
      long started = System.nanoTime();
      for (int i = 0; i < events; i++) {
        sent[i] = 8 + i;
        out.write(keystroke(sent[i]));
        out.flush();
        // The producer's tick: 3 ms between writes.
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(3));
      }
      long writingMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      await().atMost(Duration.ofSeconds(10)).until(() -> received().length == events);
      assertArrayEquals(sent, received());
      // Without the rests each write is a read of its own: 100 groups. With them, about one read a rest (twice that
      // allowed, for a read that ends inside a frame and is read on at once).
      long readsAtMost = 2 * (writingMs / ReadRests.REST_MS + 2);
      assertTrue(groups.size() <= readsAtMost, groups.size() + " reads in " + writingMs + " ms");
    }
  }

  @Test
  void aFrameSplitAcrossWritesIsReadOnWithoutResting() throws Exception {
    try (Socket s = new Socket("127.0.0.1", server.actualPort())) {
      s.setTcpNoDelay(true);
      OutputStream out = s.getOutputStream();
      out.write(keystroke(9));
      out.flush();
      await().atMost(Duration.ofSeconds(10)).until(() -> received().length == 1);
      byte[] next = keystroke(10);
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
      assertTrue(tookMs < pieces * ReadRests.REST_MS / 4, "a " + pieces + "-piece frame took " + tookMs + " ms");
      assertEquals(2, groups.size());
    }
  }

  @Test
  void aClientWaitingForAnswersIsAnsweredWithoutRests() throws Exception {
    int pings = 30;
    try (Socket s = new Socket("127.0.0.1", server.actualPort())) {
      s.setTcpNoDelay(true);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      long started = System.nanoTime();
      for (int i = 0; i < pings; i++) {
        TcpTestFrames.write(out, new JsonObject().put("type", "ping"));
        assertEquals("pong", TcpTestFrames.read(in).getString("type"));
      }
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      // Resting after each ping, the round trips would take 30 rests.
      assertTrue(tookMs < pings * ReadRests.REST_MS / 3, pings + " round trips took " + tookMs + " ms");
    }
  }

  @Test
  void channelsAreHeldOnlyUntilClaimedOrClosed() throws Exception {
    ReadRests rests = new ReadRests();
    AtomicInteger accepted = new AtomicInteger();
    List<ReadRests.Rest> claimed = new CopyOnWriteArrayList<>();
    NetServer plain = vertx.createNetServer(rests.options().setHost("127.0.0.1").setPort(0))
      .connectHandler((NetSocket socket) -> {
        // Every other connection is closed unclaimed, as the connection limit closes one.
        if (accepted.getAndIncrement() % 2 == 0) {
          socket.close();
        } else {
          claimed.add(rests.claim(socket.remoteAddress()));
        }
      }).listen().await();
    List<Socket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) {
        sockets.add(new Socket("127.0.0.1", plain.actualPort()));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> accepted.get() == 20);
      await().atMost(Duration.ofSeconds(10)).until(() -> rests.unclaimed() == 0);
      assertEquals(10, claimed.size());
      assertTrue(claimed.stream().allMatch(r -> r != null), "every connection kept open found its channel");
      // Each channel is claimed once: a second claim, or one for a connection closed unclaimed, finds nothing.
      for (Socket s : sockets) {
        assertNull(rests.claim(SocketAddress.inetSocketAddress((InetSocketAddress) s.getLocalSocketAddress())));
      }
    } finally {
      for (Socket s : sockets) {
        s.close();
      }
      plain.close().await();
    }
  }
}
