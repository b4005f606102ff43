package dev.skellyjelly.storage.app.cli;

import dev.skellyjelly.storage.ConfigKeys;
import dev.skellyjelly.storage.RetentionMetrics;
import dev.skellyjelly.storage.SettableClock;
import dev.skellyjelly.storage.StorageMetrics;
import dev.skellyjelly.storage.StorageModule;
import dev.skellyjelly.storage.app.sim.EventMix;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.EventData;
import dev.skellyjelly.storage.codecs.RawEvent;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * {@code bench --lifecycle-days N}: simulated days fast-forwarded through the real pipeline on an injected clock,
 * with raw_retention_days = 14 (or {@code --lifecycle-retention-days}). A day is 8 active hours (09:00–17:00 UTC) at the rate that averages 100 events/s
 * over the day (300/s, times {@code scale}) and 16 quiet hours. After each day's events are batched, the clock moves
 * to 00:30 of the next day, so the hourly pass removes the day that left the retention; the file is measured before
 * and after it. Prints one JSON object: per day the file, the bytes of raw data and of hour rollups (dbstat), and
 * the pass's longest step.
 */
final class LifecycleBench {

  private static final Logger LOG = LoggerFactory.getLogger(LifecycleBench.class);
  private static final long DAY_MS = 86_400_000L;
  private static final long HOUR_MS = 3_600_000L;
  /** 2026-01-05T00:00:00Z, a Monday. */
  private static final long DAY0 = 1_767_571_200_000L;
  private static final long ACTIVE_MS = 8 * HOUR_MS;
  /** Events of a full-scale day: 100 events/s averaged over 24 hours. */
  private static final long FULL_DAY_EVENTS = 8_640_000L;
  private static final long BACKLOG = 20_000;
  /** How long the trickle runs before the clock moves to the pass. */
  private static final long TRICKLE_QUIET_MS = 20_000;

  private LifecycleBench() {
  }

  static JsonObject run(Path dir, int days, double scale, int retentionDays) throws Exception {
    Path sub = Files.createDirectories(dir.resolve("lifecycle"));
    Path db = sub.resolve("events.db");
    JsonObject config = BenchModules.config(sub, sub.resolve("screenshots"),
      Map.of(ConfigKeys.MAX_EVENTS_PER_BATCH, 30_000L, ConfigKeys.RAW_RETENTION_DAYS, (long) retentionDays));
    SettableClock clock = new SettableClock(DAY0);
    Vertx vertx = BenchModules.vertx();
    long perDay = Math.max(1, Math.round(FULL_DAY_EVENTS * scale));
    JsonArray perDayFigures = new JsonArray();
    long started = System.nanoTime();
    try {
      StorageModule module = BenchModules.deploy(vertx, clock, config);
      StorageMetrics metrics = module.metrics();
      EventMix mix = new EventMix(2026);
      long sent = 0;
      double longestStepMs = 0;
      for (int d = 0; d < days; d++) {
        long dayStart = DAY0 + d * DAY_MS;
        long t0 = System.nanoTime();
        Promise<Void> done = Promise.promise();
        vertx.deployVerticle(new Producer(mix, clock, metrics, dayStart + 9 * HOUR_MS, perDay, sent, done)).await();
        done.future().await();
        sent += perDay;
        // The quiet hours: the last windows close, the batcher emits them.
        clock.set(dayStart + 17 * HOUR_MS + 60_000);
        awaitBatched(metrics, sent);
        double daySeconds = (System.nanoTime() - t0) / 1e9;
        // A pass the day's hours started ends before the clock moves, so the pass measured is the one that follows.
        long quietDeadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (metrics.retention().running() && System.nanoTime() < quietDeadline) {
          Thread.sleep(20);
        }
        long passes = metrics.retention().passes();
        long before = fileBytes(db);
        Sizes sizes = sizes(db);
        // The persist latency of a trickle of acknowledged events without a pass, then while the pass runs.
        double[] quiet = trickle(vertx, clock, mix, () -> true, TRICKLE_QUIET_MS);
        clock.set(dayStart + DAY_MS + 30 * 60_000);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        double[] during = trickle(vertx, clock, mix,
          () -> metrics.retention().passes() != passes || System.nanoTime() > deadline, 0);
        long after = fileBytes(db);
        RetentionMetrics.LastPass pass = metrics.retention().lastPass();
        double stepMs = metrics.retention().step().max(TimeUnit.MILLISECONDS);
        longestStepMs = Math.max(longestStepMs, stepMs);
        JsonObject day = new JsonObject().put("day", d).put("events", perDay)
          .put("seconds", BenchFigures.round(daySeconds, 1))
          .put("file_bytes_before_pass", before).put("file_bytes_after_pass", after)
          .put("raw_bytes", sizes.raw()).put("hour_rollup_bytes", sizes.hour()).put("minute_rollup_bytes", sizes.minute())
          .put("raw_events_deleted_total", metrics.retention().deleted("raw"))
          .put("longest_step_ms_recent", BenchFigures.round(stepMs, 1))
          .put("pass_steps", pass.steps()).put("pass_seconds", BenchFigures.round(pass.passNanos() / 1e9, 1)).put("pass_longest_step_ms", BenchFigures.round(pass.longestStepNanos() / 1e6, 1))
          .put("pass_longest_step", pass.longestStep()).put("pass_most_vacuum_pages", pass.largestVacuumPages())
          .put("pass_most_window_starts", pass.largestWindowStarts())
          .put("persist_ms_without_pass", latency(quiet)).put("persist_ms_during_pass", latency(during));
        perDayFigures.add(day);
        LOG.info("lifecycle day {}: {}", d, day.encode());
      }
      vertx.undeploy(module.deploymentID()).await();
      return new JsonObject().put("days", days).put("scale", scale).put("raw_retention_days", retentionDays).put("events_per_day", perDay)
        .put("seconds", BenchFigures.round((System.nanoTime() - started) / 1e9, 1))
        .put("longest_step_ms", BenchFigures.round(longestStepMs, 1))
        // Every event, the trickles' included, goes out in exactly one batch: these two are equal.
        .put("events_persisted", metrics.eventsPersisted()).put("events_batched", metrics.eventsBatched())
        .put("per_day", perDayFigures);
    } finally {
      vertx.close().await();
    }
  }

  /**
   * Sends one acknowledged event every 10 ms of real time, stamped with the clock's time, until {@code stop} says so
   * and at least {@code atLeastMs} passed; the sorted times from send to acknowledgement (the commit), in ms.
   */
  private static double[] trickle(Vertx vertx, SettableClock clock, EventMix mix, BooleanSupplier stop, long atLeastMs)
    throws InterruptedException {
    List<Double> ms = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger pending = new AtomicInteger();
    long timer = vertx.setPeriodic(10, id -> {
      long sent = System.nanoTime();
      pending.incrementAndGet();
      vertx.eventBus().request(Addresses.RAW_EVENT, new RawEvent(null, null, clock.millis(), mix.next()))
        .onComplete(r -> {
          if (r.succeeded()) {
            ms.add((System.nanoTime() - sent) / 1e6);
          }
          pending.decrementAndGet();
        });
    });
    long t0 = System.nanoTime();
    while (!stop.getAsBoolean() || System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(atLeastMs)) {
      Thread.sleep(20);
    }
    vertx.cancelTimer(timer);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (pending.get() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    synchronized (ms) {
      return ms.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    }
  }

  /** Count, median, 99th percentile and maximum of sorted latencies. */
  private static JsonObject latency(double[] sorted) {
    BenchFigures f = BenchFigures.of(sorted);
    return new JsonObject().put("events", sorted.length).put("p50", BenchFigures.round(f.p50Ms(), 1))
      .put("p99", BenchFigures.round(f.p99Ms(), 1))
      .put("max", sorted.length == 0 ? 0 : BenchFigures.round(sorted[sorted.length - 1], 1));
  }

  private static void awaitBatched(StorageMetrics metrics, long n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
    while (metrics.eventsBatched() < n && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    if (metrics.eventsBatched() < n) {
      throw new IllegalStateException("only " + metrics.eventsBatched() + " of " + n + " events batched");
    }
  }

  /** Bytes of the pages of raw data (blocks, counts, batches and their indexes) and of each rollup tier. */
  private record Sizes(long raw, long minute, long hour) {
  }

  private static Sizes sizes(Path db) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT name, sum(pgsize) FROM dbstat GROUP BY name")) {
      long raw = 0;
      long minute = 0;
      long hour = 0;
      while (rs.next()) {
        String name = rs.getString(1);
        if (name.startsWith("event_blocks") || name.startsWith("window_counts") || name.startsWith("batches")) {
          raw += rs.getLong(2);
        } else if (name.startsWith("minute_")) {
          minute += rs.getLong(2);
        } else if (name.startsWith("hour_")) {
          hour += rs.getLong(2);
        }
      }
      return new Sizes(raw, minute, hour);
    }
  }

  private static long fileBytes(Path db) {
    long size = 0;
    for (Path p : new Path[]{db, db.resolveSibling(db.getFileName() + "-wal")}) {
      try {
        size += Files.size(p);
      } catch (java.io.IOException missing) {
        // No WAL.
      }
    }
    return size;
  }

  /** Publishes one day's active hours, its events evenly spread, as fast as the module takes them. */
  private static final class Producer extends VerticleBase {
    private final EventMix mix;
    private final SettableClock clock;
    private final StorageMetrics metrics;
    private final long startMs;
    private final long n;
    private final long persistedBefore;
    private final Promise<Void> done;
    private long published;

    Producer(EventMix mix, SettableClock clock, StorageMetrics metrics, long startMs, long n, long persistedBefore,
             Promise<Void> done) {
      this.mix = mix;
      this.clock = clock;
      this.metrics = metrics;
      this.startMs = startMs;
      this.n = n;
      this.persistedBefore = persistedBefore;
      this.done = done;
    }

    @Override
    public Future<?> start() {
      vertx.setPeriodic(1, id -> {
        long backlog = published - (metrics.eventsPersisted() - persistedBefore);
        int room = (int) Math.min(5_000, BACKLOG - backlog);
        for (int i = 0; i < room && published < n; i++) {
          long ts = startMs + published * ACTIVE_MS / n;
          EventData data = published % 1000 == 0 ? mix.resource() : mix.next();
          clock.set(ts);
          vertx.eventBus().send(Addresses.RAW_EVENT, new RawEvent(null, null, ts, data));
          published++;
        }
        if (published == n) {
          vertx.cancelTimer(id);
          vertx.undeploy(deploymentID()).onComplete(v -> done.complete());
        }
      });
      return Future.succeededFuture();
    }
  }
}
