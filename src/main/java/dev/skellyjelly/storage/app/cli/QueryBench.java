package dev.skellyjelly.storage.app.cli;

import dev.skellyjelly.storage.SettableClock;
import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.StorageMetrics;
import dev.skellyjelly.storage.StorageModule;
import dev.skellyjelly.storage.app.sim.EventMix;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Timestamps;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code bench --queries}: the query side on a database of a year. The module, in this JVM, ingests one hour of
 * raw events at {@code rawRate} events/s (its own clock moved through that hour, so blocks, compaction, batches
 * and rollups are its own); {@link QueryBenchHistory} writes the rollups of {@code historyDays} days. Then each
 * query is asked {@code runs} times on {@code skelly.storage.query} (after a tenth as many for warm-up): today's
 * appUsage and MINUTE timeline, appUsage by DAY over the year, and pages of 10 000 events through the raw hour.
 * Last, 1000 events/s are sent in real time for {@code loadSeconds} each without queries and with two query loops,
 * each event timed from send until its commit acknowledgement.
 */
final class QueryBench {

  private static final Logger LOG = LoggerFactory.getLogger(QueryBench.class);
  private static final DeliveryOptions ASK = new DeliveryOptions().setSendTimeout(120_000);
  private static final long BACKLOG = 20_000;

  record Plan(int runs, int rawRate, int historyDays, int rawDays, int loadSeconds) {
  }

  private final Path dir;
  private final Plan plan;
  private Vertx vertx;
  private volatile String eventsCursor;

  QueryBench(Path dir, Plan plan) {
    this.dir = dir;
    this.plan = plan;
  }

  JsonObject run() throws Exception {
    long rawHour = Math.floorDiv(System.currentTimeMillis(), QueryBenchHistory.HOUR_MS) * QueryBenchHistory.HOUR_MS
      - 2 * QueryBenchHistory.HOUR_MS;
    long today = Math.floorDiv(rawHour, QueryBenchHistory.DAY_MS) * QueryBenchHistory.DAY_MS;
    Path sub = Files.createDirectories(dir.resolve("queries"));
    Path db = sub.resolve("events.db");
    JsonObject config = BenchModules.config(sub, sub.resolve("screenshots"), Map.of());
    SettableClock clock = new SettableClock(rawHour);
    vertx = BenchModules.vertx();
    JsonObject out = new JsonObject();
    try {
      long started = System.nanoTime();
      // The module makes the schema; the raw days go in while it is stopped, so its sequence numbers follow theirs.
      if (plan.rawDays() > 0) {
        String first = vertx.deployVerticle(new StorageModule(clock, new SimpleMeterRegistry()),
          new DeploymentOptions().setConfig(config)).await();
        vertx.undeploy(first).await();
        out.put("history_raw_events", QueryBenchHistory.writeRaw(db, today, plan.rawDays()));
        out.put("history_raw_seconds", seconds(started));
      }
      StorageModule module = BenchModules.deploy(vertx, clock, config);
      started = System.nanoTime();
      long rows = QueryBenchHistory.write(db, today, plan.historyDays(),
        StorageConfig.fromJson(config).minuteRollupRetentionDays(), rawHour);
      out.put("history_rollup_rows", rows).put("history_seconds", seconds(started));
      started = System.nanoTime();
      long n = ingest(clock, module.metrics(), rawHour);
      out.put("raw_events", n).put("raw_ingest_seconds", seconds(started));
      out.put("raw_hour_rollups_by_module", QueryBenchHistory.fillHourIfEmpty(db, rawHour));
      out.put("database_mb", Math.round(Files.size(db) / 1e5) / 10.0);
      LOG.info("database written: {}", out.encode());
      // From here on the module's clock is the real one.
      long follow = vertx.setPeriodic(1, id -> clock.set(System.currentTimeMillis()));
      String day = "\"" + Timestamps.format(today) + "\"";
      String dayEnd = "\"" + Timestamps.format(today + QueryBenchHistory.DAY_MS) + "\"";
      String yearStart = "\"" + Timestamps.format(today - plan.historyDays() * QueryBenchHistory.DAY_MS) + "\"";
      JsonObject todayQuery = new JsonObject().put("query", "{ appUsage(from: " + day + ", to: " + dayEnd
        + ") { app focusedMs switches keystrokes clicks } timeline(from: " + day + ", to: " + dayEnd
        + ", bucket: MINUTE) { start type count } }");
      JsonObject yearQuery = new JsonObject().put("query", "{ appUsage(from: " + yearStart + ", to: " + dayEnd
        + ", bucket: DAY, timeZone: \"UTC\") { app start focusedMs switches keystrokes clicks } }");
      String eventsDoc = "query($after: String) { events(from: \"" + Timestamps.format(rawHour) + "\", to: \""
        + Timestamps.format(rawHour + QueryBenchHistory.HOUR_MS) + "\", first: 10000, after: $after) "
        + "{ events { id sessionId timestamp type app data } nextCursor } }";
      Supplier<JsonObject> eventsQuery = () -> new JsonObject().put("query", eventsDoc)
        .put("variables", new JsonObject().put("after", eventsCursor));
      // Each query is timed while the module ingests 1000 events/s, as it does in use.
      EventMix live = new EventMix(11);
      long ingesting = vertx.setPeriodic(10, id -> send(live, null));
      out.put("today_ms", time(() -> todayQuery, "today"));
      out.put("year_by_day_ms", time(() -> yearQuery, "year"));
      out.put("events_page_10000_ms", time(eventsQuery, "events"));
      vertx.cancelTimer(ingesting);
      List<Supplier<JsonObject>> all = List.of(() -> todayQuery, () -> yearQuery, eventsQuery);
      double[] idle = load(null);
      double[] busy = load(all);
      out.put("persist_p99_ms_idle", p(idle, 0.99)).put("persist_p99_ms_with_queries", p(busy, 0.99))
        .put("persist_p50_ms_idle", p(idle, 0.5)).put("persist_p50_ms_with_queries", p(busy, 0.5))
        .put("persist_events_idle", idle.length).put("persist_events_with_queries", busy.length);
      vertx.cancelTimer(follow);
      return out;
    } finally {
      vertx.close().await();
    }
  }

  /** Sends the raw hour as fast as the module commits it; returns the events sent. */
  private long ingest(SettableClock clock, StorageMetrics metrics, long rawHour) throws InterruptedException {
    long n = (long) plan.rawRate() * 3600;
    vertx.deployVerticle(new VerticleBase() {
      private final EventMix mix = new EventMix(2026);
      private long sent;

      @Override
      public Future<?> start() {
        vertx.setPeriodic(1, id -> {
          long room = Math.min(5_000, BACKLOG - (sent - metrics.eventsPersisted()));
          for (long i = 0; i < room && sent < n; i++, sent++) {
            long ts = rawHour + sent * QueryBenchHistory.HOUR_MS / n;
            clock.set(ts);
            vertx.eventBus().send(Addresses.RAW_EVENT, new RawEvent(null, null, ts,
              sent % plan.rawRate() == 0 ? mix.resource() : mix.next()));
          }
          if (sent == n) {
            vertx.cancelTimer(id);
          }
        });
        return Future.succeededFuture();
      }
    }).await();
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(60);
    while (metrics.eventsPersisted() < n && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    // Every window of the hour closes, is emitted and compacted.
    clock.set(rawHour + QueryBenchHistory.HOUR_MS + 120_000);
    while (metrics.eventsBatched() < n && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    if (metrics.eventsBatched() < n) {
      throw new IllegalStateException("only " + metrics.eventsBatched() + " of " + n + " raw events batched");
    }
    return n;
  }

  /** p50, p95 and max of {@code runs} answers, after a tenth as many for warm-up; fails on an error. */
  private JsonObject time(Supplier<JsonObject> request, String name) {
    int warm = Math.max(1, plan.runs() / 10);
    double[] ms = new double[plan.runs()];
    for (int i = -warm; i < plan.runs(); i++) {
      long t0 = System.nanoTime();
      ask(request.get());
      if (i >= 0) {
        ms[i] = (System.nanoTime() - t0) / 1e6;
      }
    }
    JsonObject f = new JsonObject().put("p50", p(ms, 0.5)).put("p95", p(ms, 0.95)).put("max", p(ms, 1.0));
    LOG.info("{}: {}", name, f.encode());
    return f;
  }

  private JsonObject ask(JsonObject request) {
    JsonObject r = vertx.eventBus().<JsonObject>request(Addresses.QUERY, request, ASK).await().body();
    JsonArray errors = r.getJsonArray("errors");
    if (errors != null && !errors.isEmpty()) {
      throw new IllegalStateException("query failed: " + errors.encode());
    }
    JsonObject events = r.getJsonObject("data").getJsonObject("events");
    if (events != null) {
      eventsCursor = events.getString("nextCursor");
    }
    return r;
  }

  /**
   * 1000 events/s in real time (10 every 10 ms) for {@code loadSeconds}, each timed until its commit
   * acknowledgement; meanwhile two threads ask {@code queries} in turn, or none.
   */
  private double[] load(List<Supplier<JsonObject>> queries) throws Exception {
    List<Double> latencies = java.util.Collections.synchronizedList(new ArrayList<>());
    EventMix mix = new EventMix(7);
    long timer = vertx.setPeriodic(10, id -> send(mix, latencies));
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(plan.loadSeconds());
    List<Thread> askers = new ArrayList<>();
    if (queries != null) {
      for (int k = 0; k < 2; k++) {
        int first = k;
        Thread t = new Thread(() -> {
          for (int i = first; System.nanoTime() < end; i++) {
            ask(queries.get(i % queries.size()).get());
          }
        }, "query-load-" + k);
        t.start();
        askers.add(t);
      }
    }
    Thread.sleep(TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime()));
    vertx.cancelTimer(timer);
    for (Thread t : askers) {
      t.join();
    }
    Thread.sleep(2_000);
    synchronized (latencies) {
      return latencies.stream().mapToDouble(Double::doubleValue).toArray();
    }
  }

  /** One 10 ms tick of 1000 events/s; each commit's latency goes to {@code latencies} when given. */
  private void send(EventMix mix, List<Double> latencies) {
    for (int i = 0; i < 10; i++) {
      long t0 = System.nanoTime();
      Future<?> committed = vertx.eventBus().request(Addresses.RAW_EVENT,
        new RawEvent(null, null, System.currentTimeMillis(), mix.next()));
      if (latencies != null) {
        committed.onSuccess(r -> latencies.add((System.nanoTime() - t0) / 1e6));
      }
    }
  }

  private static double p(double[] samples, double q) {
    double[] s = samples.clone();
    Arrays.sort(s);
    return s.length == 0 ? 0 : BenchFigures.round(s[Math.min(s.length - 1, Math.max(0, (int) Math.ceil(q * s.length) - 1))], 2);
  }

  private static double seconds(long startedNanos) {
    return BenchFigures.round((System.nanoTime() - startedNanos) / 1e9, 1);
  }
}
