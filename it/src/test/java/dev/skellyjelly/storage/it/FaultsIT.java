package dev.skellyjelly.storage.it;

import dev.skellyjelly.storage.impl.ReceiverVerticle;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.skellyjelly.storage.it.JarProcess.rows;
import static dev.skellyjelly.storage.it.JarProcess.run;
import static dev.skellyjelly.storage.it.JarProcess.scalar;
import static dev.skellyjelly.storage.it.HealthIT.awaitHealth;
import static dev.skellyjelly.storage.it.HealthIT.check;
import static dev.skellyjelly.storage.it.HealthIT.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Database faults on the real jar (CONTRACT §5 shutdown_timeout_ms, DESIGN "No event is lost"): a locked
 * database and a full disk are retried with backoff, logged once, turn /health's database check DOWN (503)
 * and end without a restart; a stop that cannot commit in time exits 1 naming what was not committed; an
 * overloaded receiver refuses input with counted drops and one log line. Events come from {@code --simulate}
 * (fire-and-forget, no duplicates), so every accepted event must be committed exactly once.
 */
class FaultsIT {

  private static final Pattern UNCOMMITTED = Pattern.compile("(\\d+) accepted events were not committed");
  private static final String COMMIT_FAILED = "commit of ";
  private static final String RECOVERED = "database writable again";
  /** What /health's disk check wants free (HttpEndpoints.MIN_FREE_BYTES); the tmpfs holds a little more. */
  private static final long MIN_FREE_BYTES = 64L << 20;

  @TempDir
  Path tmp;

  @Test
  @Timeout(60)
  void lockedDatabaseTurnsHealthDownKeepsAcceptingAndCommitsEverythingOnceReleased() throws Exception {
    Path db = tmp.resolve("db/events.db");
    int port = HealthIT.freePort();
    JsonObject summary;
    try (JarProcess p = JarProcess.start(tmp.resolve("work"), tmp.resolve("home"), args(db, port, 500))) {
      awaitRunning(p, port);
      long recovery;
      try (SqliteLock lock = SqliteLock.take(db)) {
        // busy_timeout is 5 s: the first commit that waits that long fails and the check turns DOWN.
        JsonObject down = awaitHealth(port, h -> "DOWN".equals(status(h, "database")), Duration.ofSeconds(20));
        assertTrue(check(down, "database").getJsonObject("data").getString("error").contains("SQLITE_BUSY"), down.encode());
        assertStallsWhileAccepting(port);
        recovery = lock.releaseAndTime(() -> awaitHealth(port, h -> "UP".equals(h.getString("outcome")),
          Duration.ofSeconds(20)));
      }
      System.out.printf("FaultsIT locked: health UP %d ms after the lock was released%n", recovery);
      summary = stop(p, 0);
      assertLoggedOnce(p, "SQLITE_BUSY");
    }
    assertAllCommittedOnce(summary, db);
  }

  @Test
  @Timeout(60)
  void fullDiskTurnsHealthDownAndCommitsEverythingOnceSpaceIsFreed() throws Exception {
    Path dir = tmp.resolve("db");
    Path db = dir.resolve("events.db");
    Path copy = tmp.resolve("copy/events.db");
    int port = HealthIT.freePort();
    JsonObject summary;
    // The whole file system is 80 MB, below min_free_disk_mb's default: the disk budget stays out of this test.
    try (Namespace ns = Namespace.withTmpfs(dir, "80m");
         JarProcess p = startInside(ns, args(db, port, 500, "--set", "min_free_disk_mb=0"))) {
      awaitRunning(p, port);
      // Fill the tmpfs the database lives on: dd stops at ENOSPC, which is the point.
      ns.run("dd", "if=/dev/zero", "of=" + dir.resolve("filler"), "bs=64k");
      JsonObject down = awaitHealth(port, h -> "DOWN".equals(status(h, "database")), Duration.ofSeconds(20));
      assertTrue(check(down, "database").getJsonObject("data").getString("error").contains("SQLITE_FULL"), down.encode());
      JsonObject disk = check(awaitHealth(port, h -> "DOWN".equals(status(h, "disk")), Duration.ofSeconds(5)), "disk");
      assertTrue(disk.getJsonObject("data").getLong("usable_bytes") < MIN_FREE_BYTES, disk.encode());
      assertStallsWhileAccepting(port);

      assertEquals(0, ns.run("rm", dir.resolve("filler").toString()), "rm filler");
      long freed = System.nanoTime();
      awaitHealth(port, h -> "UP".equals(h.getString("outcome")), Duration.ofSeconds(20));
      System.out.printf("FaultsIT disk full: health UP %d ms after the space was freed%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - freed));
      summary = stop(p, 0);
      assertLoggedOnce(p, "SQLITE_FULL");
      // The tmpfs exists only in the namespace: copy the database out while the namespace lives.
      Files.createDirectories(copy.getParent());
      assertEquals(0, ns.run("sh", "-c", "cp \"$0\"/events.db* \"$1\"/", dir.toString(), copy.getParent().toString()));
    }
    assertAllCommittedOnce(summary, copy);
  }

  /**
   * Screenshot temp files on a full file system: every write that fails removes what it created, so no part of
   * an image is left behind, neither while the module runs nor after its stop; the captures are refused, counted.
   */
  @Test
  @Timeout(90)
  void screenshotWritesThatFailLeaveNoFile() throws Exception {
    Path shots = tmp.resolve("shots");
    Path db = tmp.resolve("db/events.db");
    int port = HealthIT.freePort();
    try (Namespace ns = Namespace.withTmpfs(shots, "4m");
         JarProcess p = startInside(ns, args(db, port, 50, "--screenshot-every", "100ms",
           "--set", "screenshot_memory_threshold_mb=0", "--set", "screenshot_retention_seconds=600"))) {
      awaitRunning(p, port);
      // Leave less room than one capture: each write runs out of space part of the way through.
      // (the smallest simulated capture is 350 KB).
      assertEquals(1, ns.run("dd", "if=/dev/zero", "of=" + shots.resolve("filler"), "bs=4k"), "dd stops at ENOSPC");
      assertEquals(0, ns.run("truncate", "-s", "-300K", shots.resolve("filler").toString()));
      long before = metric(port, "skelly_storage_dropped_total{reason=\"screenshot_store\"}");
      awaitMetric(port, "skelly_storage_dropped_total{reason=\"screenshot_store\"}", v -> v >= before + 3,
        Duration.ofSeconds(30));
      JsonObject summary = stop(p, 0);
      assertTrue(summary.getLong("dropped") >= 3, summary.encode());
      // Whole captures go at the stop; a failed write's remains would be held by nothing and stay.
      assertEquals(0, ns.run("sh", "-c", "[ \"$(ls -A \"$0\")\" = filler ]", shots.toString()),
        "files left in the screenshot directory after the stop");
    }
  }

  @Test
  @Timeout(60)
  void readOnlyDatabaseTurnsHealthDownAndCommitsEverythingOnceWritableAgain() throws Exception {
    Path db = tmp.resolve("db/events.db");
    Path wal = db.resolveSibling("events.db-wal");
    int port = HealthIT.freePort();
    JsonObject summary;
    try (JarProcess p = JarProcess.start(tmp.resolve("work"), tmp.resolve("home"), args(db, port, 500))) {
      awaitRunning(p, port);
      // Immutable: even the writer's open descriptors are refused (EPERM), as on a file system turned read-only.
      try (Immutable frozen = Immutable.of(db, wal)) {
        JsonObject down = awaitHealth(port, h -> "DOWN".equals(status(h, "database")), Duration.ofSeconds(20));
        assertTrue(down.encode().contains("SQLITE_IOERR") || down.encode().contains("SQLITE_READONLY"), down.encode());
        assertStallsWhileAccepting(port);
      }
      long writable = System.nanoTime();
      awaitHealth(port, h -> "UP".equals(h.getString("outcome")), Duration.ofSeconds(20));
      System.out.printf("FaultsIT read-only: health UP %d ms after the files were writable again%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - writable));
      summary = stop(p, 0);
      List<String> errors = p.stderrLines().stream().filter(l -> l.contains(" ERROR ")).toList();
      assertEquals(1, errors.size(), p.describe());
      assertTrue(errors.get(0).contains(COMMIT_FAILED), errors.get(0));
      assertEquals(1, count(p, l -> l.contains(RECOVERED)), p.describe());
    }
    assertAllCommittedOnce(summary, db);
  }

  @Test
  @Timeout(60)
  void stopThatCannotCommitInTimeExitsOneAndSaysHowManyEventsWereNotCommitted() throws Exception {
    Path db = tmp.resolve("db/events.db");
    int port = HealthIT.freePort();
    JsonObject summary;
    String reason;
    try (JarProcess p = JarProcess.start(tmp.resolve("work"), tmp.resolve("home"),
      args(db, port, 500, "--set", "shutdown_timeout_ms=3000", "--screenshot-every", "300ms"))) {
      awaitRunning(p, port);
      try (SqliteLock lock = SqliteLock.take(db)) {
        awaitHealth(port, h -> "DOWN".equals(status(h, "database")), Duration.ofSeconds(20));
        // Captures of 5 MB and more are held as files; some are on disk when the stop begins.
        awaitMetric(port, "skelly_storage_screenshots_on_disk", v -> v > 0, Duration.ofSeconds(20));
        long stopAt = System.nanoTime();
        summary = stop(p, 1);
        long stopMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopAt);
        // The deadline ends the stop, not the retries (each waits out busy_timeout, 5 s, then backs off).
        assertTrue(stopMs >= 3000 && stopMs < 10_000, "stopped after " + stopMs + " ms\n" + p.describe());
        lock.release();
      }
      // The run's one-line reason is its last "skelly-storage:" line (the first names the inspector page's address).
      reason = p.stderrLines().stream().filter(l -> l.startsWith("skelly-storage: ")).reduce((first, last) -> last)
        .orElseThrow(() -> new AssertionError("no skelly-storage: line\n" + p.describe()));
      // Retried all along, logged once.
      List<String> errors = p.stderrLines().stream().filter(l -> l.contains(" ERROR ")).toList();
      assertEquals(1, errors.size(), p.describe());
      assertTrue(errors.get(0).contains(COMMIT_FAILED) && errors.get(0).contains("SQLITE_BUSY"), errors.get(0));
    }
    // A stop that ran out of time still took the pixels with it.
    try (var left = Files.list(tmp.resolve("shots"))) {
      assertEquals(List.of(), left.filter(Files::isRegularFile).toList(), "screenshot files left after the stop");
    }
    assertTrue(summary.getLong("screenshots_deleted") > 0, summary.encode());
    Matcher m = UNCOMMITTED.matcher(reason);
    assertTrue(m.find() && reason.contains("3000 ms"), reason);
    long uncommitted = Long.parseLong(m.group(1));
    assertTrue(uncommitted > 0, reason);
    assertEquals(summary.getLong("events_received") - summary.getLong("events_persisted"), uncommitted,
      reason + " vs " + summary.encode());
    // What was committed before the lock is intact and exactly what the summary says; nothing half-written.
    assertEquals("ok", rows(db, "PRAGMA integrity_check").get(0).get(0));
    assertEquals(summary.getLong("events_persisted"), scalar(db, "SELECT coalesce(sum(n), 0) FROM event_counts"),
      summary.encode());
  }

  @Test
  @Timeout(60)
  void overloadWhileLockedRefusesInputWithCountedDropsAndRecovers() throws Exception {
    Path db = tmp.resolve("db/events.db");
    int port = HealthIT.freePort();
    JsonObject summary;
    long dropped;
    try (JarProcess p = JarProcess.start(tmp.resolve("work"), tmp.resolve("home"), args(db, port, 20_000))) {
      awaitRunning(p, port);
      try (SqliteLock lock = SqliteLock.take(db)) {
        // 10 MiB of pending events (ReceiverVerticle.MAX_PENDING_BYTES) at 20 000 ev/s: soon after the lock bites.
        // The queue may fill before the first commit has waited out busy_timeout: both turn DOWN, in either order.
        JsonObject full = awaitHealth(port, h -> "DOWN".equals(status(h, "queues")) && "DOWN".equals(status(h, "database")),
          Duration.ofSeconds(30));
        // In bytes: refused once at the bound, so past it by less than one event (HeldCost: well under 2 KB).
        long held = check(full, "queues").getJsonObject("data").getLong("receiver");
        assertTrue(held >= ReceiverVerticle.MAX_PENDING_BYTES && held < ReceiverVerticle.MAX_PENDING_BYTES + 2048,
          full.encode());
        awaitMetric(port, "skelly_storage_dropped_total{reason=\"overload\"}", v -> v > 20_000, Duration.ofSeconds(10));
        // Tens of thousands refused, one line about it.
        assertEquals(1, count(p, l -> l.contains("refusing input (overload)")), p.describe());
        lock.release();
      }
      awaitHealth(port, h -> "UP".equals(h.getString("outcome")), Duration.ofSeconds(20));
      p.awaitStderr(l -> l.contains(RECOVERED), Duration.ofSeconds(5));
      dropped = metric(port, "skelly_storage_dropped_total{reason=\"overload\"}");
      long persisted = metric(port, "skelly_storage_events_persisted_total");
      // Another 40 000 committed (two seconds at the full rate) without a single new drop.
      awaitMetric(port, "skelly_storage_events_persisted_total", v -> v >= persisted + 40_000, Duration.ofSeconds(15));
      assertEquals(dropped, metric(port, "skelly_storage_dropped_total{reason=\"overload\"}"));
      summary = stop(p, 0);
      assertLoggedOnce(p, "SQLITE_BUSY");
    }
    assertTrue(dropped > 0);
    assertEquals(dropped, summary.getLong("dropped"), summary.encode());
    assertAllCommittedOnce(summary, db);
  }

  // ---------------------------------------------------------------- the module

  private static List<String> args(Path db, int port, int rate, String... more) {
    List<String> args = new ArrayList<>(run(db, db.getParent().resolveSibling("shots"), "--simulate", String.valueOf(rate),
      "--set", "http_port=" + port, "--set", "write_flush_interval_ms=200", "--set", "window_grace_ms=400",
      "--set", "batch_window_seconds=2"));
    args.addAll(List.of(more));
    return args;
  }

  /** Until /health is UP and something was committed: a fault before the first commit proves less. */
  private void awaitRunning(JarProcess p, int port) throws Exception {
    p.awaitStderr(line -> line.contains("/health"), Duration.ofSeconds(30));
    awaitHealth(port, h -> "UP".equals(h.getString("outcome")), Duration.ofSeconds(10));
    awaitMetric(port, "skelly_storage_events_persisted_total", v -> v > 0, Duration.ofSeconds(10));
  }

  /** While the fault lasts: input is still accepted (received grows) but nothing more is committed. */
  private void assertStallsWhileAccepting(int port) throws Exception {
    long persisted = metric(port, "skelly_storage_events_persisted_total");
    long received = metric(port, "skelly_storage_events_received_total");
    awaitMetric(port, "skelly_storage_events_received_total", v -> v >= received + 1000, Duration.ofSeconds(10));
    assertEquals(persisted, metric(port, "skelly_storage_events_persisted_total"), "committed during the fault");
  }

  /** SIGTERM, the expected exit code, and the run summary. */
  private static JsonObject stop(JarProcess p, int exitCode) throws InterruptedException {
    p.terminate();
    assertEquals(exitCode, p.waitForExit(Duration.ofSeconds(30)), p.describe());
    return p.summary();
  }

  /** Exactly one ERROR line, for the fault's start, naming it; and the recovery line. */
  private static void assertLoggedOnce(JarProcess p, String fault) {
    List<String> errors = p.stderrLines().stream().filter(l -> l.contains(" ERROR ")).toList();
    assertEquals(1, errors.size(), p.describe());
    assertTrue(errors.get(0).contains(COMMIT_FAILED) && errors.get(0).contains(fault), errors.get(0));
    assertEquals(1, count(p, l -> l.contains(RECOVERED)), p.describe());
  }

  /** Every accepted event committed, exactly once, in a sound database. */
  private static void assertAllCommittedOnce(JsonObject summary, Path db) throws Exception {
    assertTrue(summary.getLong("events_received") > 0, summary.encode());
    assertEquals(summary.getLong("events_received"), summary.getLong("events_persisted"), summary.encode());
    assertEquals(summary.getLong("events_persisted"), scalar(db, "SELECT sum(n) FROM event_counts"), summary.encode());
    assertEquals("ok", rows(db, "PRAGMA integrity_check").get(0).get(0));
  }

  private static long count(JarProcess p, Predicate<String> line) {
    return p.stderrLines().stream().filter(line).count();
  }

  // ---------------------------------------------------------------- HTTP

  /** A series of /metrics, summed over its label sets when {@code series} names none. */
  private static long metric(int port, String series) throws Exception {
    return value(Scrape.of(port), series);
  }

  private static long value(Scrape s, String series) {
    if (!series.contains("{") && !s.has(series)) {
      throw new AssertionError("no series " + series + " on /metrics");
    }
    return (long) (series.contains("{") ? s.get(series) : s.sum(series));
  }

  private static void awaitMetric(int port, String series, java.util.function.LongPredicate wanted, Duration timeout)
    throws Exception {
    Scrape.await(port, s -> wanted.test(value(s, series)), timeout);
  }


  // ---------------------------------------------------------------- faults

  /** A real sqlite3 process holding {@code BEGIN EXCLUSIVE} on the database until released. */
  static final class SqliteLock implements AutoCloseable {
    private final Process process;
    private final OutputStream stdin;

    private SqliteLock(Process process) {
      this.process = process;
      this.stdin = process.getOutputStream();
    }

    static SqliteLock take(Path db) throws Exception {
      Process process = new ProcessBuilder("sqlite3", db.toString()).redirectErrorStream(true).start();
      SqliteLock lock = new SqliteLock(process);
      // The module may be committing: wait for its write lock rather than fail at once.
      lock.write(".timeout 5000\nBEGIN EXCLUSIVE;\nSELECT 'locked';\n");
      BlockingQueue<String> lines = new LinkedBlockingQueue<>();
      Thread reader = new Thread(() -> {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line; (line = r.readLine()) != null; ) {
            lines.add(line);
          }
        } catch (IOException gone) {
          // sqlite3 ended.
        }
      }, "sqlite3-lock");
      reader.setDaemon(true);
      reader.start();
      String line = lines.poll(10, TimeUnit.SECONDS);
      if (!"locked".equals(line)) {
        lock.close();
        throw new AssertionError("sqlite3 could not lock " + db + ": " + line);
      }
      return lock;
    }

    private void write(String sql) throws IOException {
      stdin.write(sql.getBytes(StandardCharsets.UTF_8));
      stdin.flush();
    }

    void release() throws Exception {
      if (process.isAlive()) {
        write("COMMIT;\n");
        stdin.close();
        assertTrue(process.waitFor(10, TimeUnit.SECONDS), "sqlite3 did not end");
      }
    }

    /** Releases the lock and returns how long {@code recovery} took from then, in ms. */
    long releaseAndTime(ThrowingRunnable recovery) throws Exception {
      release();
      long released = System.nanoTime();
      recovery.run();
      return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - released);
    }

    @Override
    public void close() {
      process.destroyForcibly();
    }
  }

  @FunctionalInterface
  interface ThrowingRunnable {
    void run() throws Exception;
  }

  /** Files made immutable ({@code chattr +i}) until closed; needs CAP_LINUX_IMMUTABLE and a file system with the flag. */
  private static final class Immutable implements AutoCloseable {
    private final List<Path> files;

    private Immutable(List<Path> files) {
      this.files = files;
    }

    static Immutable of(Path... files) throws Exception {
      List<Path> list = List.of(files);
      int code = chattr("+i", list);
      if (code != 0) {
        chattr("-i", list);
        // Not a failure of the module: this machine does not let the test freeze a file.
        Assumptions.abort("chattr +i is not permitted here (exit " + code + ")");
      }
      return new Immutable(list);
    }

    private static int chattr(String flag, List<Path> files) throws Exception {
      List<String> command = new ArrayList<>(List.of("chattr", flag));
      files.forEach(f -> command.add(f.toString()));
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      assertTrue(p.waitFor(10, TimeUnit.SECONDS), String.join(" ", command));
      return p.exitValue();
    }

    @Override
    public void close() throws Exception {
      assertEquals(0, chattr("-i", files), "chattr -i");
    }
  }

  /**
   * A private user and mount namespace (unprivileged: {@code unshare -Urm}) in which a small tmpfs covers one
   * directory; a process holds it open so the test can enter it ({@code nsenter}) before and after the jar runs.
   */
  private static final class Namespace implements AutoCloseable {
    private final Process holder;

    private Namespace(Process holder) {
      this.holder = holder;
    }

    static Namespace withTmpfs(Path dir, String size) throws Exception {
      Files.createDirectories(dir);
      Process holder = new ProcessBuilder("unshare", "-Urm", "sh", "-c",
        "mount -t tmpfs -o size=" + size + " tmpfs \"$0\" && echo ready && exec sleep 600", dir.toString())
        .redirectErrorStream(true).start();
      String first = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8)).readLine();
      if (!"ready".equals(first)) {
        holder.destroyForcibly();
        // Not a failure of the module: this machine gives no unprivileged user namespaces.
        Assumptions.abort("cannot mount a tmpfs in a user namespace here: " + first);
      }
      return new Namespace(holder);
    }

    List<String> enter() {
      return List.of("nsenter", "-t", String.valueOf(holder.pid()), "-U", "-m", "--preserve-credentials");
    }

    /** Runs a command inside the namespace; returns its exit code. */
    int run(String... command) throws Exception {
      List<String> full = new ArrayList<>(enter());
      full.addAll(List.of(command));
      Process p = new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", full));
      return p.exitValue();
    }

    @Override
    public void close() {
      holder.destroyForcibly();
    }
  }

  /** Starts the jar inside {@code ns} (nsenter execs java, so the child's pid is the JVM's). */
  private JarProcess startInside(Namespace ns, List<String> args) throws IOException {
    return JarProcess.start(ns.enter(), tmp.resolve("work"), tmp.resolve("home"), Map.of(), args);
  }
}
