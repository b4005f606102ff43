package dev.skellyjelly.storage.app.cli;

import dev.skellyjelly.storage.ConfigKeys;
import dev.skellyjelly.storage.SettableClock;
import dev.skellyjelly.storage.StorageMetrics;
import dev.skellyjelly.storage.StorageModule;
import dev.skellyjelly.storage.app.sim.PngFactory;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.ImageFormat;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Screenshot;
import dev.skellyjelly.storage.codecs.Uuids;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.skellyjelly.storage.app.cli.BenchCorpus.T0;
import static dev.skellyjelly.storage.app.cli.BenchCorpus.WINDOW_MS;

/**
 * The screenshot measure of {@code bench}: 5 MB PNGs sent with {@code request}, received → stored →
 * metadata committed (the reply), and the store's own received → stored. The writer commits every
 * millisecond here, so the commit wait does not hide the work. Each screenshot falls in a window of its own, which
 * is closed after its reply so that the pixels are let go of, as in use once its batch is analysed
 * ({@code screenshot_retention_seconds} 0 here): a store holding every image sent (300 MB of files created in a
 * second) measures the system's write-back of them, not the module (on a virtual machine, 0.7 ms for a 5 MB write
 * became 8.5 ms past about 280 MB held, whatever process wrote them).
 */
final class ScreenshotBench {

  /** The reply's latency, and the store's own time from receiving a screenshot to having stored it. */
  record Latency(BenchFigures request, BenchFigures stored) {
  }

  private static final long GRACE_MS = 50;

  private ScreenshotBench() {}

  static Latency run(Path dir, int screenshots) throws Exception {
    byte[] png = PngFactory.ofExactSize(5 << 20, 5);
    Path sub = Files.createDirectories(dir.resolve("screenshots"));
    JsonObject config = BenchModules.config(sub, sub.resolve("tmp"), Map.of(
      ConfigKeys.WRITE_FLUSH_INTERVAL_MS, 1L,
      ConfigKeys.WINDOW_GRACE_MS, GRACE_MS,
      ConfigKeys.SCREENSHOT_RETENTION_SECONDS, 0L));
    SettableClock clock = new SettableClock(T0);
    Vertx vertx = BenchModules.vertx();
    try {
      StorageModule module = BenchModules.deploy(vertx, clock, config);
      StorageMetrics metrics = module.metrics();
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
      int warmup = Math.min(10, screenshots);
      double[] latencies = new double[screenshots];
      for (int i = -warmup; i < screenshots; i++) {
        long window = T0 + (i + warmup) * WINDOW_MS;
        clock.set(window + 1);
        RawEvent e = new RawEvent(null, null, window + 1, new Screenshot(Uuids.random(), ImageFormat.PNG,
          png, "Bench — a 5 MB capture", "bench", new Screenshot.Region(0, 0, 2560, 1440), false));
        long t = System.nanoTime();
        vertx.eventBus().request(Addresses.RAW_EVENT, e, new DeliveryOptions().setSendTimeout(30_000)).await();
        if (i >= 0) {
          latencies[i] = (System.nanoTime() - t) / 1e6;
        }
        // Its window closes and its batch goes out; the store then lets go of the pixels.
        clock.set(window + WINDOW_MS + GRACE_MS);
        BenchModules.awaitCount(metrics::screenshotsDeleted, i + warmup + 1, deadline, "screenshots let go of");
      }
      return new Latency(BenchFigures.of(latencies), BenchFigures.of(module.metrics().screenshotProcessing()));
    } finally {
      vertx.close().await();
    }
  }
}
