package dev.skellyjelly.storage.app.cli;

import dev.skellyjelly.storage.ConfigKeys;
import dev.skellyjelly.storage.StorageConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
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

  /** The module's configuration: database and screenshot directory under {@code dir}, plus {@code settings}. */
  static JsonObject config(Path dir, Path screenshots, Map<String, ?> settings) {
    Map<String, Object> all = new HashMap<>(settings);
    all.put(ConfigKeys.DATABASE_PATH, dir.resolve("events.db").toString());
    all.put(ConfigKeys.SCREENSHOT_TEMP_DIR, screenshots.toString());
    return StorageConfig.from(List.<Map<String, ?>>of(all), System.getProperty("user.home")).toJson();
  }
}
