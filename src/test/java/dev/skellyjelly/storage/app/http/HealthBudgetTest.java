package dev.skellyjelly.storage.app.http;

import dev.skellyjelly.storage.BudgetState;
import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.StorageMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code /health}'s budget check shows what the writer last measured, DOWN only when nothing more may go. */
@ExtendWith(VertxExtension.class)
class HealthBudgetTest {

  @TempDir
  Path dir;

  @Test
  void theBudgetCheckShowsSizeBudgetFreeDiskAndState(Vertx vertx) {
    StorageConfig config = StorageConfig.from(List.of(Map.of("database_path", dir.resolve("events.db").toString(),
      "screenshot_temp_dir", dir.resolve("shots").toString())), System.getProperty("user.home"));
    StorageMetrics metrics = new StorageMetrics(new SimpleMeterRegistry());
    HealthChecks checks = HttpEndpoints.healthChecks(vertx, config, metrics);

    metrics.retention().budget(new BudgetState(3_000_000, 2L << 20, 9_000_000_000L, 512L << 20, "trimming"));
    CheckResult trimming = checks.checkStatus("budget").await();
    assertEquals(true, trimming.getUp());
    assertEquals(new JsonObject().put("database_bytes", 3_000_000L).put("budget_bytes", 2L << 20)
      .put("free_disk_bytes", 9_000_000_000L).put("min_free_disk_bytes", 512L << 20).put("state", "trimming"),
      trimming.getData());

    metrics.retention().budget(new BudgetState(3_000_000, 2L << 20, 9_000_000_000L, 512L << 20, "over"));
    CheckResult over = checks.checkStatus("budget").await();
    assertEquals(false, over.getUp());
    assertEquals("over", over.getData().getString("state"));
  }
}
