package dev.skellyjelly.storage.app.cli;

import dev.skellyjelly.storage.ConfigKeys;
import dev.skellyjelly.storage.StorageModule;
import dev.skellyjelly.storage.app.sim.PngFactory;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.ImageFormat;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Screenshot;
import dev.skellyjelly.storage.codecs.Uuids;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Map;

/**
 * The screenshot measure of {@code bench}: 5 MB PNGs sent with {@code request}, received → stored →
 * metadata committed (the reply), and the store's own received → stored. The writer commits every
 * millisecond here, so the commit wait does not hide the work.
 */
final class ScreenshotBench {

  /** The reply's latency, and the store's own time from receiving a screenshot to having stored it. */
  record Latency(BenchFigures request, BenchFigures stored) {
  }

  private ScreenshotBench() {}

  static Latency run(Path dir, int screenshots) throws Exception {
    byte[] png = PngFactory.ofExactSize(5 << 20, 5);
    Path sub = Files.createDirectories(dir.resolve("screenshots"));
    JsonObject config = BenchModules.config(sub, sub.resolve("tmp"), Map.of(
      ConfigKeys.WRITE_FLUSH_INTERVAL_MS, 1L,
      ConfigKeys.SCREENSHOT_RETENTION_SECONDS, 0L));
    Vertx vertx = BenchModules.vertx();
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
      return new Latency(BenchFigures.of(latencies), BenchFigures.of(module.metrics().screenshotProcessing()));
    } finally {
      vertx.close().await();
    }
  }
}
