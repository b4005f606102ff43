package dev.skellyjelly.storage.it;

import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.impl.EventRows;
import dev.skellyjelly.storage.impl.WindowRules;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The jar under about 10 000 events/s (half from {@code run --simulate}, half from producers on the TCP bridge),
 * killed with SIGKILL at random moments and restarted on the same database, {@code skelly.crashloop.cycles} times
 * (default 3; 20 for the long run). Half the bridge producers use {@code request} and remember every id the module
 * acknowledged; the other half fire and forget and remember every id with its send time. After every kill: no
 * acknowledged event is missing from the database, {@code PRAGMA integrity_check} says ok, and every window that
 * was due early enough holds no more committed events than its batches (replays included) carried. A last clean
 * run drains everything, after which every window is covered. Measured and printed: how long before the kill the
 * lost fire-and-forget events were sent (max, p99), against {@code write_flush_interval_ms}: DESIGN.md's "one
 * flush interval" bound on what a crash may lose.
 */
class CrashLoopIT {

  static final int CYCLES = Integer.getInteger("skelly.crashloop.cycles", 3);
  /** In-process Data Capture, typed, in 10 ms ticks. */
  static final int SIMULATE_RATE = 5_000;
  /** Per bridge producer; four of them: two with request, two fire-and-forget. */
  static final int PRODUCER_RATE = 1_250;
  static final long WINDOW_MS = 2_000;
  /** The defaults, set explicitly: the loss window is measured against what a user runs. */
  static final long FLUSH_MS = 1_000;
  static final long GRACE_MS = 2_000;
  /** After a window is due: a batcher tick, the flush that commits its batch record, and room for a busy writer. */
  static final long RECORD_SLACK_MS = 3_000;

  @TempDir
  Path dir;
  Path db;
  final HttpClient http = HttpClient.newHttpClient();
  final long seed = Long.getLong("skelly.crashloop.seed", System.nanoTime());
  final Random random = new Random(seed);

  /** Every id the module acknowledged as committed, over all cycles. */
  final Set<String> acked = ConcurrentHashMap.newKeySet();
  /** Fire-and-forget ids with their send time (epoch ms, when handed to the socket), of the current cycle. */
  final Map<String, Long> fired = new ConcurrentHashMap<>();
  /** Across cycles: (kill time − send time) of every lost fire-and-forget event sent before its kill. */
  final List<Long> lossWindows = new ArrayList<>();

  @Test
  @Timeout(value = 15, unit = TimeUnit.MINUTES)
  void noAcknowledgedEventIsLostAcrossRepeatedSigkills() throws Exception {
    db = dir.resolve("db/events.db");
    long started = System.nanoTime();
    System.out.printf("CrashLoopIT: %d cycles, seed %d (-Dskelly.crashloop.seed to repeat)%n", CYCLES, seed);
    String token = null;
    long firedTotal = 0;
    long lostTotal = 0;
    for (int cycle = 1; cycle <= CYCLES; cycle++) {
      int httpPort = ClusterIT.freePort();
      int tcpPort = ClusterIT.freePort();
      fired.clear();
      long killedAt;
      long persistMax;
      int ackedBefore = acked.size();
      long loadMs = 2_500 + random.nextInt(3_500);
      List<Producer> producers = new ArrayList<>();
      try (JarProcess child = JarProcess.start(dir.resolve("work"), dir.resolve("home"), JarProcess.run(db, dir.resolve("shots"),
        "--simulate", Integer.toString(SIMULATE_RATE), "--duration", "10m", "--screenshot-every", "1h",
        "--set", "batch_window_seconds=" + WINDOW_MS / 1000, "--set", "write_flush_interval_ms=" + FLUSH_MS,
        "--set", "window_grace_ms=" + GRACE_MS, "--set", "tcp_bridge_port=" + tcpPort, "--set", "http_port=" + httpPort))) {
        awaitHealthy(http, child, httpPort);
        if (token == null) {
          token = Files.readString(db.resolveSibling("bridge.token")).strip();
        }
        for (int p = 0; p < 4; p++) {
          producers.add(new Producer(tcpPort, token, p % 2 == 0));
        }
        producers.forEach(Producer::start);
        // The random moment is counted from the first acknowledgement, so a slow start on a loaded machine
        // cannot leave a cycle without any.
        await("a first acknowledgement").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(5))
          .failFast(() -> assertTrue(child.isAlive(), child::describe))
          .until(() -> acked.size() != ackedBefore);
        // The load itself: a random stretch of it before the kill.
        Thread.sleep(loadMs);
        assertTrue(child.isAlive(), child::describe);
        persistMax = persistLatencyMaxMs(httpPort);
        killedAt = System.currentTimeMillis();
        child.kill();
      } finally {
        producers.forEach(Producer::halt);
      }
      for (Producer p : producers) {
        assertTrue(p.failedAt >= killedAt, () -> "a producer failed before the kill: " + p.failure);
      }

      // The database as the crash left it.
      assertEquals(List.of(List.of("ok")), JarProcess.rows(db, "PRAGMA integrity_check"), "cycle " + cycle);
      Stored stored = readStored();
      List<String> missing = acked.stream().filter(id -> !stored.ids.contains(id)).limit(10).toList();
      assertEquals(List.of(), missing, "cycle " + cycle + ": acknowledged events missing from the database");

      List<Long> lost = new ArrayList<>();
      long firedBeforeKill = 0;
      for (Map.Entry<String, Long> f : fired.entrySet()) {
        if (f.getValue() <= killedAt) {
          firedBeforeKill++;
          if (!stored.ids.contains(f.getKey())) {
            lost.add(killedAt - f.getValue());
          }
        }
      }
      lossWindows.addAll(lost);
      firedTotal += firedBeforeKill;
      lostTotal += lost.size();
      long dueBy = killedAt - WINDOW_MS - GRACE_MS - RECORD_SLACK_MS;
      List<String> uncovered = stored.uncovered(dueBy);
      assertEquals(List.of(), uncovered, "cycle " + cycle + ": windows due in time whose batches carried fewer events than committed");
      // Not vacuous: this cycle's producers were heard, and fire-and-forget events did reach the database.
      assertTrue(acked.size() > ackedBefore, "cycle " + cycle + ": acknowledgements arrived");
      assertTrue(firedBeforeKill > 0 && lost.size() < firedBeforeKill, "cycle " + cycle + ": fire-and-forget events were stored");
      long rate = Math.round((double) producers.stream().mapToLong(p -> p.sent.get()).sum() / loadMs * 1000);
      System.out.printf("CrashLoopIT cycle %d: killed after %d ms of load (bridge %d ev/s + simulate %d ev/s); %d events in the"
          + " database, %d acknowledged so far (+%d), fire-and-forget %d sent / %d lost (%s); module's received-to-committed"
          + " latency max %d ms; %d windows checked%n",
        cycle, loadMs, rate, SIMULATE_RATE, stored.ids.size(), acked.size(), acked.size() - ackedBefore, firedBeforeKill,
        lost.size(), describe(lost), persistMax, stored.windows.keySet().stream()
          .filter(k -> Long.parseLong(k.substring(k.indexOf('|') + 1)) <= dueBy).count());
    }

    // A last clean run: replays what the last crash left, closes every window, stops gracefully.
    try (JarProcess last = JarProcess.start(dir.resolve("work"), dir.resolve("home"), JarProcess.run(db, dir.resolve("shots"),
      "--duration", (WINDOW_MS + GRACE_MS + 2 * FLUSH_MS) / 1000 + "s", "--set", "batch_window_seconds=" + WINDOW_MS / 1000,
      "--set", "write_flush_interval_ms=" + FLUSH_MS, "--set", "window_grace_ms=" + GRACE_MS))) {
      assertEquals(0, last.waitForExit(Duration.ofSeconds(60)), last::describe);
      JsonObject summary = last.summary();
      assertEquals(0, summary.getLong("events_received"), summary::encode);
      assertTrue(summary.getLong("batches_emitted") > 0, () -> "the last crash's windows replayed: " + summary.encode());
    }
    assertEquals(List.of(List.of("ok")), JarProcess.rows(db, "PRAGMA integrity_check"));
    Stored stored = readStored();
    assertEquals(List.of(), acked.stream().filter(id -> !stored.ids.contains(id)).limit(10).toList(), "acknowledged events missing");
    assertEquals(List.of(), stored.uncovered(Long.MAX_VALUE), "windows whose batches carried fewer events than committed");

    List<Long> all = new ArrayList<>(lossWindows);
    System.out.printf("CrashLoopIT: %d cycles in %d s; %d acknowledged events, none lost; fire-and-forget: %d sent before"
        + " a kill, %d lost; loss window (kill time - send time of lost events): %s; write_flush_interval_ms = %d%n",
      CYCLES, (System.nanoTime() - started) / 1_000_000_000, acked.size(), firedTotal, lostTotal, describe(all), FLUSH_MS);
  }

  // ---------------------------------------------------------------- the database after a crash

  /** Committed event ids, and per window the committed count next to what its batches carried. */
  record Stored(Set<String> ids, Map<String, long[]> windows) {

    /** Windows starting at or before {@code startedBefore} whose batches carried fewer events than were committed. */
    List<String> uncovered(long startedBefore) {
      List<String> out = new ArrayList<>();
      windows.forEach((key, v) -> {
        long start = Long.parseLong(key.substring(key.indexOf('|') + 1));
        if (start <= startedBefore && v[0] > v[1]) {
          out.add(key + " committed " + v[0] + " batched " + v[1]);
        }
      });
      return out;
    }
  }

  private Stored readStored() throws Exception {
    Set<String> ids = new HashSet<>();
    Map<String, long[]> windows = new HashMap<>();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db)) {
      for (RawEvent e : EventRows.readAll(c)) {
        ids.add(e.id());
        windows.computeIfAbsent(e.sessionId() + "|" + WindowRules.start(e.timestampMs(), WINDOW_MS), k -> new long[2])[0]++;
      }
    }
    for (List<Object> row : JarProcess.rows(db, "SELECT session_id, window_start_ms, sum(event_count) FROM batches GROUP BY 1, 2")) {
      windows.computeIfAbsent(row.get(0) + "|" + row.get(1), k -> new long[2])[1] += ((Number) row.get(2)).longValue();
    }
    return new Stored(ids, windows);
  }

  private static String describe(List<Long> windows) {
    if (windows.isEmpty()) {
      return "none lost";
    }
    List<Long> sorted = new ArrayList<>(windows);
    sorted.sort(null);
    long p99 = sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * 0.99) - 1));
    return "sent " + sorted.get(0) + " to " + sorted.get(sorted.size() - 1) + " ms before the kill, p99 " + p99 + " ms";
  }

  /**
   * The module's own event_persist_latency_seconds max (received → committed) so far, from /metrics; -1 if absent,
   * or if the scrape did not answer in time: the figure only describes a lost event, and under this load on a busy
   * machine the module's one event loop may answer HTTP later than the scrape waits.
   */
  private long persistLatencyMaxMs(int httpPort) throws Exception {
    Scrape s;
    try {
      s = Scrape.of(httpPort);
    } catch (java.net.http.HttpTimeoutException late) {
      return -1;
    }
    String max = "skelly_storage_event_persist_latency_seconds_max";
    return s.has(max) ? Math.round(s.sum(max) * 1000) : -1;
  }


  /** Polls /health until it answers 200; fails early, with the child's output, when the child exits. */
  static void awaitHealthy(HttpClient http, JarProcess child, int httpPort) {
    await("200 from /health").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
      .failFast(() -> assertTrue(child.isAlive(), child::describe))
      .untilAsserted(() -> assertEquals(200, healthStatus(http, httpPort), child::describe));
  }

  /** The status code of {@code GET /health}, or -1 while nothing answers yet. */
  private static int healthStatus(HttpClient http, int httpPort) throws InterruptedException {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/health"))
        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    } catch (IOException notYet) {
      return -1;
    }
  }

  // ---------------------------------------------------------------- producers

  /**
   * One producer on its own bridge connection, at {@link #PRODUCER_RATE} events/s in 10 ms ticks: with
   * {@code request} (reply address = the id; acknowledged ids go to {@link #acked}) or fire-and-forget (each id
   * with its send time in {@link #fired}). Stops on {@link #halt()} or when the connection dies.
   */
  final class Producer {
    final boolean request;
    final TcpBridgeClient bridge;
    final String session = UUID.randomUUID().toString();
    final AtomicLong sent = new AtomicLong();
    volatile boolean halted;
    volatile String failure;
    /** When {@link #failure} happened (epoch ms): after the kill, a dead connection is what we expect. */
    volatile long failedAt = Long.MAX_VALUE;
    private final Thread writer;

    Producer(int port, String token, boolean request) throws IOException {
      this.request = request;
      bridge = TcpBridgeClient.connect(port, token);
      bridge.onFrame = this::onReply;
      writer = new Thread(this::write, "crashloop-producer");
      writer.setDaemon(true);
    }

    void start() {
      writer.start();
    }

    private void write() {
      long tick = TimeUnit.MILLISECONDS.toNanos(10);
      long next = System.nanoTime();
      double carry = 0;
      int i = 0;
      try {
        while (!halted) {
          carry += PRODUCER_RATE / 100.0;
          int n = (int) carry;
          carry -= n;
          for (int k = 0; k < n; k++, i++) {
            String id = UUID.randomUUID().toString();
            long now = System.currentTimeMillis();
            String frame = bridge.frameText("send", Addresses.RAW_EVENT, body(id, now, i), request ? id : null);
            if (!request) {
              // Remembered before it leaves: whatever reaches the socket may reach the module.
              fired.put(id, now);
            }
            bridge.write(frame);
            sent.incrementAndGet();
          }
          bridge.flush();
          next += tick;
          long sleep = next - System.nanoTime();
          if (sleep > 0) {
            TimeUnit.NANOSECONDS.sleep(sleep);
          }
        }
      } catch (IOException | InterruptedException gone) {
        fail("writing: " + gone);
      }
    }

    /** The event's JSON, written by hand: thousands a second, as a Rust producer would. */
    private String body(String id, long now, int i) {
      StringBuilder f = new StringBuilder(256).append("{\"id\":\"").append(id).append("\",\"session_id\":\"").append(session)
        .append("\",\"timestamp\":\"").append(Instant.ofEpochMilli(now)).append("\",");
      switch (i % 3) {
        case 0 -> f.append("\"event_type\":\"keystroke\",\"data\":{\"key_code\":").append(i % 200)
          .append(",\"modifiers\":{\"shift\":false,\"ctrl\":false,\"alt\":false,\"meta\":false},\"inter_key_interval_ms\":")
          .append(i % 300).append('}');
        case 1 -> f.append("\"event_type\":\"mouse_move\",\"data\":{\"x\":").append(i % 1920).append(",\"y\":").append(i % 1080)
          .append(",\"velocity\":").append(i % 977).append(".5}");
        default -> f.append("\"event_type\":\"mouse_click\",\"data\":{\"x\":").append(i % 1920).append(",\"y\":")
          .append(i % 1080).append(",\"button\":\"left\",\"click_type\":\"single\"}");
      }
      return f.append('}').toString();
    }

    /** On the bridge's reading thread. */
    private void onReply(JsonObject f) {
      if ("message".equals(f.getString("type")) && f.getJsonObject("body").getBoolean("committed", false)) {
        acked.add(f.getJsonObject("body").getString("id"));
      } else if (!halted && failure == null) {
        // A refusal (503 under overload) is allowed: that event was never acknowledged. Anything else is not.
        Integer code = f.getInteger("failureCode");
        if (code == null || code != 503) {
          fail("unexpected frame: " + f.encode());
        }
      }
    }

    private void fail(String why) {
      if (!halted && failure == null) {
        failedAt = System.currentTimeMillis();
        failure = why;
      }
    }

    void halt() {
      halted = true;
      try {
        bridge.close();
        writer.join(5_000);
      } catch (IOException | InterruptedException ignored) {
        // Closing anyway.
      }
    }
  }
}
