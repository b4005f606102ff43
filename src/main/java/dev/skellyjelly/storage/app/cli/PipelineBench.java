package dev.skellyjelly.storage.app.cli;

import dev.skellyjelly.storage.ConfigKeys;
import dev.skellyjelly.storage.SettableClock;
import dev.skellyjelly.storage.StorageMetrics;
import dev.skellyjelly.storage.StorageModule;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.RawEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
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
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The pipeline measure of {@code bench}: typed events published on the local bus → committed → emitted in
 * batches, timed from the first publish until the last event was emitted; then the module stops
 * (compacting) and the database file is measured.
 */
final class PipelineBench {

  private static final Logger LOG = LoggerFactory.getLogger(PipelineBench.class);
  /** Events published but not yet committed, at most. */
  private static final long BACKLOG = 20_000;

  /**
   * What one pipeline run gave: throughput, batch creation and its JSON form while the flood went on (GC
   * pauses and the other stages share the cores), and the database's bytes per event.
   */
  record Result(double eventsPerSecond, BenchFigures batchCreation, BenchFigures batchJson, long batches,
                double diskBytesPerEvent) {
  }

  private PipelineBench() {}

  /** {@code n} events through the module in a scratch directory {@code dir/name}. */
  static Result run(Path dir, String name, int n, boolean producerIds) throws Exception {
    BenchCorpus corpus = new BenchCorpus(n, producerIds);
    Path sub = Files.createDirectories(dir.resolve(name));
    JsonObject config = BenchModules.config(sub, sub.resolve("screenshots"),
      Map.of(ConfigKeys.MAX_EVENTS_PER_BATCH, 30_000L));
    SettableClock clock = new SettableClock(BenchCorpus.T0);
    Vertx vertx = BenchModules.vertx();
    try {
      StorageModule module = new StorageModule(clock, new SimpleMeterRegistry());
      String id = vertx.deployVerticle(module, new DeploymentOptions().setConfig(config)).await();
      StorageMetrics metrics = module.metrics();
      long started = System.nanoTime();
      vertx.deployVerticle(new Producer(corpus, clock, metrics)).await();
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      while (metrics.eventsBatched() < n && System.nanoTime() < deadline) {
        if (metrics.eventsPersisted() == n) {
          // Everything is in: let the last windows close.
          clock.set(BenchCorpus.T0 + n + BenchCorpus.WINDOW_MS + 2_001);
        }
        Thread.sleep(2);
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      if (metrics.eventsBatched() < n) {
        throw new IllegalStateException(name + ": only " + metrics.eventsBatched() + " of " + n + " events batched");
      }
      BenchFigures batch = BenchFigures.of(metrics.batchCreation());
      BenchFigures json = BenchFigures.of(metrics.batchJson());
      long batches = metrics.batchesEmitted();
      vertx.undeploy(id).await();
      double perEvent = usedBytes(sub.resolve("events.db")) / (double) n;
      LOG.info("{}: {} events in {} s, {} bytes/event", name, n, BenchFigures.round(seconds, 2),
        BenchFigures.round(perEvent, 2));
      return new Result(n / seconds, batch, json, batches, perEvent);
    } finally {
      vertx.close().await();
    }
  }

  /** Publishes the corpus as fast as the module takes it, keeping the backlog bounded. */
  private static final class Producer extends VerticleBase {
    private final BenchCorpus corpus;
    private final SettableClock clock;
    private final StorageMetrics metrics;
    private long published;

    Producer(BenchCorpus corpus, SettableClock clock, StorageMetrics metrics) {
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
  private static long usedBytes(Path db) throws SQLException {
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
}
