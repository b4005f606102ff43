package dev.skellyjelly.storage.app.cli;

import dev.skellyjelly.storage.ConfigKeys;
import dev.skellyjelly.storage.SettableClock;
import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.StorageMetrics;
import dev.skellyjelly.storage.StorageModule;
import dev.skellyjelly.storage.app.sim.EventMix;
import dev.skellyjelly.storage.app.sim.PngFactory;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.EventBatch;
import dev.skellyjelly.storage.codecs.EventData;
import dev.skellyjelly.storage.codecs.EventJson;
import dev.skellyjelly.storage.codecs.ImageFormat;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Screenshot;
import dev.skellyjelly.storage.codecs.Uuids;
import dev.skellyjelly.storage.impl.EventRows;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The benchmarks behind {@code bench}: a plain sqlite-jdbc baseline and the module's pipeline, measured
 * in one JVM and one run, so their ratio means something on whatever machine runs it.
 */
final class Bench {

  private static final Logger LOG = LoggerFactory.getLogger(Bench.class);
  /** A window start (2025-11-26T10:00:00Z), aligned to 30 s. */
  private static final long T0 = 1_764_151_200_000L;
  private static final long WINDOW_MS = 30_000;
  private static final long BACKLOG = 20_000;

  private final Path dir;
  private final int events;
  private final int producerIdEvents;
  private final int screenshots;
  private final int windows;

  Bench(Path dir, int events, int producerIdEvents, int screenshots, int windows) {
    this.dir = dir;
    this.events = events;
    this.producerIdEvents = producerIdEvents;
    this.screenshots = screenshots;
    this.windows = windows;
  }

  JsonObject run() throws Exception {
    JsonObject report = new JsonObject().put("events", events);
    double raw = rawSqlite();
    report.put("raw_sqlite_rows_per_s", Math.round(raw));

    Pipeline plain = pipeline("pipeline", events, false);
    report.put("pipeline_events_per_s", Math.round(plain.eventsPerSecond));
    report.put("pipeline_ratio", round(plain.eventsPerSecond / raw, 3));
    report.put("disk_bytes_per_event", round(plain.diskBytesPerEvent, 2));
    // The same measures while the flood goes on: GC pauses and the other stages share the cores.
    report.put("batch_creation_under_load_ms_p50", round(plain.batchP50Ms, 3));
    report.put("batch_creation_under_load_ms_p99", round(plain.batchP99Ms, 3));
    report.put("batch_json_under_load_ms_p50", round(plain.jsonP50Ms, 3));
    report.put("batch_json_under_load_ms_p99", round(plain.jsonP99Ms, 3));
    report.put("batches_under_load", plain.batches);

    if (windows > 0) {
      double[] closing = windows();
      report.put("windows_of_30000_events", windows);
      report.put("batch_creation_ms_p50", round(closing[0], 3));
      report.put("batch_creation_ms_p99", round(closing[1], 3));
      report.put("batch_json_ms_p50", round(closing[2], 3));
      report.put("batch_json_ms_p99", round(closing[3], 3));
      double[] consumer = jsonConsumers(Math.min(windows, 50));
      report.put("batch_json_local_consumer_copy_ms_p50", round(consumer[0], 3));
      report.put("batch_json_local_consumer_copy_ms_p99", round(consumer[1], 3));
      report.put("batch_json_text_ms_p50", round(consumer[2], 3));
      report.put("batch_json_text_ms_p99", round(consumer[3], 3));
    }

    if (producerIdEvents > 0) {
      Pipeline ids = pipeline("pipeline-producer-ids", producerIdEvents, true);
      report.put("producer_id_events", producerIdEvents);
      report.put("pipeline_producer_ids_events_per_s", Math.round(ids.eventsPerSecond));
      report.put("disk_bytes_per_event_producer_ids", round(ids.diskBytesPerEvent, 2));
    }
    if (screenshots > 0) {
      double[] shot = screenshots();
      report.put("screenshots", screenshots);
      report.put("screenshot_5mb_ms_p50", round(shot[0], 3));
      report.put("screenshot_5mb_ms_p99", round(shot[1], 3));
      report.put("screenshot_5mb_stored_ms_p50", round(shot[2], 3));
      report.put("screenshot_5mb_stored_ms_p99", round(shot[3], 3));
    }
    return report;
  }

  // ---------------------------------------------------------------- baseline

  /** The same events as plain rows: prepared statement, 1000 per transaction, WAL, synchronous=NORMAL. */
  private double rawSqlite() throws SQLException {
    Corpus corpus = new Corpus(events, false);
    Path db = dir.resolve("raw.db");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db + "?journal_mode=WAL&synchronous=NORMAL")) {
      try (Statement s = c.createStatement()) {
        s.execute("CREATE TABLE events (seq INTEGER PRIMARY KEY, id BLOB NOT NULL, session BLOB NOT NULL, "
          + "ts_ms INTEGER NOT NULL, event_type INTEGER NOT NULL, data BLOB NOT NULL)");
      }
      c.setAutoCommit(false);
      byte[] session = Uuids.toBytes(Uuids.random());
      long started = System.nanoTime();
      try (PreparedStatement insert = c.prepareStatement(
        "INSERT INTO events (id, session, ts_ms, event_type, data) VALUES (?, ?, ?, ?, ?)")) {
        for (int i = 0; corpus.hasNext(); i++) {
          RawEvent e = corpus.next();
          insert.setBytes(1, Uuids.toBytes(Uuids.random()));
          insert.setBytes(2, session);
          insert.setLong(3, e.timestampMs());
          insert.setInt(4, e.eventType().code());
          insert.setBytes(5, EventRows.data(e));
          insert.executeUpdate();
          if (i % 1000 == 999) {
            c.commit();
          }
        }
        c.commit();
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      LOG.info("baseline: {} rows in {} s", events, round(seconds, 2));
      return events / seconds;
    }
  }

  /**
   * The realistic mix, one event per millisecond of event time, a resource sample per second; generated
   * as it is consumed (a million events held at once would not fit the heap the module runs in).
   */
  static final class Corpus {
    private final EventMix mix = new EventMix(2026);
    private final boolean producerIds;
    private final int size;
    private int next;

    Corpus(int size, boolean producerIds) {
      this.size = size;
      this.producerIds = producerIds;
    }

    boolean hasNext() {
      return next < size;
    }

    RawEvent next() {
      int i = next++;
      EventData data = i % 1000 == 0 ? mix.resource() : mix.next();
      return new RawEvent(producerIds ? Uuids.random() : null, null, T0 + i, data);
    }
  }

  // ---------------------------------------------------------------- pipeline

  private record Pipeline(double eventsPerSecond, double batchP50Ms, double batchP99Ms, double jsonP50Ms,
                          double jsonP99Ms, long batches, double diskBytesPerEvent) {
  }

  /**
   * Typed events published on the local bus → committed → emitted in batches, timed from the first publish
   * until the last event was emitted; then the module stops (compacting) and the file is measured.
   */
  private Pipeline pipeline(String name, int n, boolean producerIds) throws Exception {
    Corpus corpus = new Corpus(n, producerIds);
    Path sub = Files.createDirectories(dir.resolve(name));
    Path db = sub.resolve("events.db");
    JsonObject config = StorageConfig.from(List.of(Map.of(
      ConfigKeys.DATABASE_PATH, db.toString(),
      ConfigKeys.SCREENSHOT_TEMP_DIR, sub.resolve("screenshots").toString(),
      ConfigKeys.MAX_EVENTS_PER_BATCH, 30_000L)), System.getProperty("user.home")).toJson();
    SettableClock clock = new SettableClock(T0);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    try {
      StorageModule module = new StorageModule(clock, registry);
      String id = vertx.deployVerticle(module, new DeploymentOptions().setConfig(config)).await();
      StorageMetrics metrics = module.metrics();
      long started = System.nanoTime();
      vertx.deployVerticle(new Producer(corpus, clock, metrics)).await();
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      while (metrics.eventsBatched() < n && System.nanoTime() < deadline) {
        if (metrics.eventsPersisted() == n) {
          // Everything is in: let the last windows close.
          clock.set(T0 + n + WINDOW_MS + 2_001);
        }
        Thread.sleep(2);
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      if (metrics.eventsBatched() < n) {
        throw new IllegalStateException(name + ": only " + metrics.eventsBatched() + " of " + n + " events batched");
      }
      double[] batch = percentilesMs(metrics.batchCreation());
      double[] json = percentilesMs(metrics.batchJson());
      long batches = metrics.batchesEmitted();
      vertx.undeploy(id).await();
      double perEvent = usedBytes(db) / (double) n;
      LOG.info("{}: {} events in {} s, {} bytes/event", name, n, round(seconds, 2), round(perEvent, 2));
      return new Pipeline(n / seconds, batch[0], batch[1], json[0], json[1], batches, perEvent);
    } finally {
      vertx.close().await();
    }
  }

  // ---------------------------------------------------------------- closing windows

  /**
   * One 30 s window of 30 000 committed events at a time: filled, then closed by moving the clock past its
   * grace; the module's own timers give the time from closing it until its typed batch, and then its JSON
   * form, is published.
   */
  private double[] windows() throws Exception {
    Corpus corpus = new Corpus(windows * (int) WINDOW_MS, false);
    Path sub = Files.createDirectories(dir.resolve("windows"));
    long graceMs = 50;
    JsonObject config = StorageConfig.from(List.of(Map.of(
      ConfigKeys.DATABASE_PATH, sub.resolve("events.db").toString(),
      ConfigKeys.SCREENSHOT_TEMP_DIR, sub.resolve("screenshots").toString(),
      ConfigKeys.WRITE_FLUSH_INTERVAL_MS, 20L,
      ConfigKeys.WINDOW_GRACE_MS, graceMs,
      ConfigKeys.MAX_EVENTS_PER_BATCH, WINDOW_MS)), System.getProperty("user.home")).toJson();
    SettableClock clock = new SettableClock(T0);
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    try {
      StorageModule module = new StorageModule(clock, new SimpleMeterRegistry());
      vertx.deployVerticle(module, new DeploymentOptions().setConfig(config)).await();
      StorageMetrics metrics = module.metrics();
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      for (int w = 0; w < windows; w++) {
        long start = T0 + w * WINDOW_MS;
        clock.set(start + WINDOW_MS - 1);
        long sent = (w + 1) * WINDOW_MS;
        vertx.runOnContext(v -> {
          for (int i = 0; i < WINDOW_MS; i++) {
            vertx.eventBus().send(Addresses.RAW_EVENT, corpus.next());
          }
        });
        awaitCount(metrics::eventsPersisted, sent, deadline, "events committed");
        clock.set(start + WINDOW_MS + graceMs);
        awaitCount(metrics::batchesEmitted, w + 1, deadline, "windows emitted");
      }
      double[] typed = percentilesMs(metrics.batchCreation());
      double[] json = percentilesMs(metrics.batchJson());
      return new double[]{typed[0], typed[1], json[0], json[1]};
    } finally {
      vertx.close().await();
    }
  }

  /**
   * What each consumer of the JSON form costs beyond its creation, for a batch of 30 000 events: Vert.x hands
   * every local consumer (a bridge registration too) its own {@code copy()}, made on the publishing event loop,
   * and a bridge or a clustered peer then gets the text.
   */
  private double[] jsonConsumers(int batches) {
    Corpus corpus = new Corpus(batches * (int) WINDOW_MS, false);
    String session = Uuids.random();
    double[] copies = new double[batches];
    double[] texts = new double[batches];
    for (int b = 0; b < batches; b++) {
      List<RawEvent> events = new ArrayList<>((int) WINDOW_MS);
      for (int i = 0; i < WINDOW_MS; i++) {
        RawEvent e = corpus.next();
        events.add(e.withIds(Uuids.random(), session));
      }
      long start = T0 + b * WINDOW_MS;
      JsonObject published = EventJson.encode(new EventBatch(Uuids.random(), session, start, start + WINDOW_MS, 0, 1,
        false, false, events, List.of()));
      long t = System.nanoTime();
      JsonObject copy = published.copy();
      copies[b] = (System.nanoTime() - t) / 1e6;
      t = System.nanoTime();
      String text = copy.encode();
      texts[b] = (System.nanoTime() - t) / 1e6;
      if (text.isEmpty()) {
        throw new IllegalStateException("empty JSON text");
      }
    }
    Arrays.sort(copies);
    Arrays.sort(texts);
    return new double[]{percentile(copies, 0.5), percentile(copies, 0.99), percentile(texts, 0.5), percentile(texts, 0.99)};
  }

  private static void awaitCount(java.util.function.LongSupplier count, long wanted, long deadline, String what)
    throws InterruptedException {
    while (count.getAsLong() < wanted) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("windows: only " + count.getAsLong() + " of " + wanted + " " + what);
      }
      Thread.sleep(1);
    }
  }

  /** Publishes the corpus as fast as the module takes it, keeping the backlog bounded. */
  private static final class Producer extends VerticleBase {
    private final Corpus corpus;
    private final SettableClock clock;
    private final StorageMetrics metrics;
    private long published;

    Producer(Corpus corpus, SettableClock clock, StorageMetrics metrics) {
      this.corpus = corpus;
      this.clock = clock;
      this.metrics = metrics;
    }

    @Override
    public Future<?> start() {
      vertx.setPeriodic(1, id -> {
        if (!corpus.hasNext()) {
          vertx.cancelTimer(id);
          return;
        }
        long backlog = published - metrics.eventsPersisted();
        int room = (int) Math.min(5_000, BACKLOG - backlog);
        for (int i = 0; i < room && corpus.hasNext(); i++) {
          RawEvent e = corpus.next();
          clock.set(e.timestampMs());
          vertx.eventBus().send(Addresses.RAW_EVENT, e);
          published++;
        }
      });
      return Future.succeededFuture();
    }
  }

  /** (page_count − freelist_count) × page_size after a TRUNCATE checkpoint. */
  static long usedBytes(Path db) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
      s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
      return pragma(s, "page_count") - pragma(s, "freelist_count") == 0 ? 0
        : (pragma(s, "page_count") - pragma(s, "freelist_count")) * pragma(s, "page_size");
    }
  }

  private static long pragma(Statement s, String name) throws SQLException {
    try (ResultSet rs = s.executeQuery("PRAGMA " + name)) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }

  // ---------------------------------------------------------------- screenshots

  /**
   * 5 MB PNGs sent with {@code request}: received → stored → metadata committed (the reply), and the
   * store's own received → stored. The writer commits every millisecond here, so the commit wait does not
   * hide the work.
   */
  private double[] screenshots() throws Exception {
    byte[] png = PngFactory.ofExactSize(5 << 20, 5);
    Path sub = Files.createDirectories(dir.resolve("screenshots"));
    JsonObject config = StorageConfig.from(List.of(Map.of(
      ConfigKeys.DATABASE_PATH, sub.resolve("events.db").toString(),
      ConfigKeys.SCREENSHOT_TEMP_DIR, sub.resolve("tmp").toString(),
      ConfigKeys.WRITE_FLUSH_INTERVAL_MS, 1L,
      ConfigKeys.SCREENSHOT_RETENTION_SECONDS, 0L)), System.getProperty("user.home")).toJson();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    try {
      StorageModule module = new StorageModule(InstantSource.system(), new SimpleMeterRegistry());
      vertx.deployVerticle(module, new DeploymentOptions().setConfig(config)).await();
      int warmup = Math.min(10, screenshots);
      double[] latencies = new double[screenshots];
      for (int i = -warmup; i < screenshots; i++) {
        RawEvent e = new RawEvent(null, null, System.currentTimeMillis(), new Screenshot(Uuids.random(), ImageFormat.PNG,
          png, "Bench — a 5 MB capture", "bench", new Screenshot.Region(0, 0, 2560, 1440), false));
        long t = System.nanoTime();
        vertx.eventBus().request(Addresses.RAW_EVENT, e, new DeliveryOptions().setSendTimeout(30_000)).await();
        if (i >= 0) {
          latencies[i] = (System.nanoTime() - t) / 1e6;
        }
      }
      Arrays.sort(latencies);
      double[] stored = percentilesMs(module.metrics().screenshotProcessing());
      return new double[]{percentile(latencies, 0.5), percentile(latencies, 0.99), stored[0], stored[1]};
    } finally {
      vertx.close().await();
    }
  }

  // ---------------------------------------------------------------- helpers

  private static double[] percentilesMs(Timer timer) {
    double p50 = 0;
    double p99 = 0;
    for (ValueAtPercentile v : timer.takeSnapshot().percentileValues()) {
      if (v.percentile() == 0.5) {
        p50 = v.value(TimeUnit.MILLISECONDS);
      } else if (v.percentile() == 0.99) {
        p99 = v.value(TimeUnit.MILLISECONDS);
      }
    }
    return new double[]{p50, p99};
  }

  private static double percentile(double[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
  }

  private static double round(double v, int digits) {
    double f = Math.pow(10, digits);
    return Math.round(v * f) / f;
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
