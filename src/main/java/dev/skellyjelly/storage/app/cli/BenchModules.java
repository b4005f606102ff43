package dev.skellyjelly.storage.app.cli;

import dev.skellyjelly.storage.ConfigKeys;
import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.StorageModule;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/** What every measure of {@code bench} deploys the module with: its own Vert.x and scratch directory. */
final class BenchModules {

  private BenchModules() {}

  /** A Vert.x of two event loops, so the measure and the module do not queue behind each other. */
  static Vertx vertx() {
    return Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
  }

  /** Waits (polling each millisecond) until {@code count} reaches {@code wanted}; fails past {@code deadline}. */
  static void awaitCount(LongSupplier count, long wanted, long deadline, String what) throws InterruptedException {
    while (count.getAsLong() < wanted) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("only " + count.getAsLong() + " of " + wanted + " " + what);
      }
      Thread.sleep(1);
    }
  }

  /** A module on the bench's clock and a registry of its own, deployed on {@code vertx} with {@code config}. */
  static StorageModule deploy(Vertx vertx, InstantSource clock, JsonObject config) {
    StorageModule module = new StorageModule(clock, new SimpleMeterRegistry());
    vertx.deployVerticle(module, new DeploymentOptions().setConfig(config)).await();
    return module;
  }

  /** The module's configuration: database and screenshot directory under {@code dir}, plus {@code settings}. */
  static JsonObject config(Path dir, Path screenshots, Map<String, ?> settings) {
    Map<String, Object> all = new HashMap<>(settings);
    all.put(ConfigKeys.DATABASE_PATH, dir.resolve("events.db").toString());
    all.put(ConfigKeys.SCREENSHOT_TEMP_DIR, screenshots.toString());
    return StorageConfig.from(List.<Map<String, ?>>of(all), System.getProperty("user.home")).toJson();
  }
}
