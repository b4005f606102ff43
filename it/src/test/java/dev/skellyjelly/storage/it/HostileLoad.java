package dev.skellyjelly.storage.it;

import dev.skellyjelly.storage.codecs.Addresses;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real jar under conf/jvm.options with its TCP bridge and /metrics, its blocked-thread checker tightened
 * ({@link Checker}: a warning names any event-loop task that ran longer), and a producer holding the bridge
 * token that sends valid events at a fixed rate: the hostile loads the module must live through, for seconds
 * in the default suite and for minutes with {@code -Pendurance}. Samples the child's resident set while it lives.
 */
final class HostileLoad implements AutoCloseable {

  /** Vert.x's warning for an event-loop task over the limit. */
  static final String BLOCKED = "has been blocked";

  final JarProcess jar;
  final Path db;
  final int httpPort;
  final int tcpPort;
  final String token;
  final AtomicLong peakRssKb = new AtomicLong();
  private final Thread sampler;

  private HostileLoad(JarProcess jar, Path db, int httpPort, int tcpPort, String token) {
    this.jar = jar;
    this.db = db;
    this.httpPort = httpPort;
    this.tcpPort = tcpPort;
    this.token = token;
    sampler = new Thread(() -> {
      try {
        while (jar.isAlive()) {
          peakRssKb.accumulateAndGet(rssKb(jar.pid()), Math::max);
          Thread.sleep(200);
        }
      } catch (IOException | InterruptedException | RuntimeException gone) {
        // The child exited, or sampling is over.
      }
    }, "rss-sampler");
    sampler.setDaemon(true);
    sampler.start();
  }

  /**
   * The longest event-loop task a run in the default suite tolerates: it catches blocking of the kind these loads
   * once caused (seconds), not a scheduler's or a collection's pause on a busy build machine.
   */
  static final Checker SUITE = new Checker(50, 500);
  /** What the 5-minute runs hold the module to: Vert.x's checker every 5 ms, no task over 100 ms. */
  static final Checker STRICT = new Checker(5, 100);

  /** Vert.x's blocked-thread checker for a run: how often it looks, and the longest task it lets pass. */
  record Checker(int intervalMs, int maxTaskMs) {
    String javaOptions() {
      return "-Dskelly.blockedThreadCheckMs=" + intervalMs + " -Dskelly.maxEventLoopExecuteMs=" + maxTaskMs;
    }
  }

  static HostileLoad start(Path dir, Checker checker, String... sets) throws Exception {
    int httpPort = ClusterIT.freePort();
    int tcpPort = ClusterIT.freePort();
    Path db = dir.resolve("db").resolve("events.db");
    List<String> args = new ArrayList<>(JarProcess.run(db, dir.resolve("shots"), "--set", "http_port=" + httpPort,
      "--set", "tcp_bridge_port=" + tcpPort));
    for (String s : sets) {
      args.add("--set");
      args.add(s);
    }
    JarProcess jar = JarProcess.start(dir.resolve("work"), dir.resolve("home"),
      Map.of("JAVA_TOOL_OPTIONS", checker.javaOptions()), args);
    CrashLoopIT.awaitHealthy(HttpClient.newHttpClient(), jar, httpPort);
    String token = Files.readString(db.resolveSibling("bridge.token")).strip();
    return new HostileLoad(jar, db, httpPort, tcpPort, token);
  }

  /**
   * Sends {@code perSecond} events a second for {@code duration} through the TCP bridge, fire-and-forget, in
   * 10 ms steps; returns how many were sent.
   */
  long send(int perSecond, Duration duration, Supplier<JsonObject> events) throws Exception {
    return send(jar, tcpPort, token, perSecond, duration, events);
  }

  /** {@link #send} into any running {@code jar}'s TCP bridge on {@code tcpPort}, holding {@code token}. */
  static long send(JarProcess jar, int tcpPort, String token, int perSecond, Duration duration,
    Supplier<JsonObject> events) throws Exception {
    long sent = 0;
    try (TcpBridgeClient c = TcpBridgeClient.connect(tcpPort, token)) {
      long start = System.nanoTime();
      long end = start + duration.toNanos();
      for (long now = start; now < end; now = System.nanoTime()) {
        long due = (now - start) * perSecond / 1_000_000_000L;
        for (; sent < due; sent++) {
          c.write(c.frame("send", Addresses.RAW_EVENT, events.get()).encode());
        }
        c.flush();
        assertTrue(jar.isAlive(), jar::describe);
        TimeUnit.MILLISECONDS.sleep(10);
      }
    }
    return sent;
  }

  /** A valid keystroke of a session no event had before: a buggy producer's. */
  static JsonObject freshSessionKeystroke() {
    return BridgesIT.event(UUID.randomUUID().toString(), 0, null);
  }

  /** Stops the module gracefully; its run summary. */
  JsonObject stop(Duration timeout) throws Exception {
    jar.terminate();
    assertEquals(0, jar.waitForExit(timeout), jar::describe);
    return jar.summary();
  }

  /** No event-loop task ran past the limit, and memory never ran out. */
  void assertNeverBlockedNorOutOfMemory() {
    List<String> bad = Stream.concat(jar.stdoutLines().stream(), jar.stderrLines().stream())
      .filter(l -> l.contains(BLOCKED) || l.contains("OutOfMemoryError")).limit(5).toList();
    assertEquals(List.of(), bad, () -> "event loop blocked or out of memory\n" + jar.describe());
  }

  private static long rssKb(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return 0;
  }

  @Override
  public void close() throws InterruptedException {
    sampler.interrupt();
    jar.close();
  }
}
