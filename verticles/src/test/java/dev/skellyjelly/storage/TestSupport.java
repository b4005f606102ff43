package dev.skellyjelly.storage;

import dev.skellyjelly.storage.impl.EventRows;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Uuids;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Shared pieces of the module's tests: a clock they control, configuration, deployment, committing a group, reading
 * the database.
 */
public final class TestSupport {

  private TestSupport() {
  }

  /** A clock the test moves by hand. */
  public static final class ManualClock extends SettableClock {
    public ManualClock(long startMs) {
      super(startMs);
    }
  }

  /** The module's configuration with its files under {@code dir}, plus overrides (keys from {@link ConfigKeys}). */
  public static JsonObject config(Path dir, Object... overrides) {
    Map<String, Object> layer = new LinkedHashMap<>();
    layer.put(ConfigKeys.DATABASE_PATH, dir.resolve("events.db").toString());
    layer.put(ConfigKeys.SCREENSHOT_TEMP_DIR, dir.resolve("screenshots").toString());
    for (int i = 0; i < overrides.length; i += 2) {
      layer.put((String) overrides[i], overrides[i + 1]);
    }
    return StorageConfig.from(List.of(layer), System.getProperty("user.home")).toJson();
  }

  /** Deploys a module with its own clock and registry; returns it once started. */
  public static StorageModule deploy(Vertx vertx, InstantSource clock, JsonObject config) {
    StorageModule module = new StorageModule(clock, new SimpleMeterRegistry());
    vertx.deployVerticle(module, new DeploymentOptions().setConfig(config)).await();
    return module;
  }

  /**
   * Sends {@code group} on the raw-event address (the last as a request, which must be answered as committed) and
   * waits until the module has persisted all of it, running {@code sample} at every poll and once more at the end.
   */
  public static void commit(Vertx vertx, StorageModule module, List<RawEvent> group, Runnable sample) {
    long before = module.metrics().eventsPersisted();
    for (int i = 0; i < group.size() - 1; i++) {
      vertx.eventBus().send(Addresses.RAW_EVENT, group.get(i));
    }
    JsonObject ack = vertx.eventBus().<JsonObject>request(Addresses.RAW_EVENT, group.get(group.size() - 1))
      .await().body();
    assertEquals(true, ack.getBoolean("committed"), ack.encode());
    await("the group committed").atMost(Duration.ofSeconds(60))
      .pollInterval(Duration.ofMillis(2))
      .until(() -> {
        sample.run();
        return module.metrics().eventsPersisted() - before == group.size();
      });
    sample.run();
  }

  public static Connection open(Path database) throws SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + database);
  }

  /** Every committed event, in commit order, as the database holds it (blocks and rows). */
  public static List<RawEvent> readEvents(Path database) throws SQLException {
    try (Connection c = open(database)) {
      return EventRows.readAll(c);
    }
  }

  /** A single number from a query. */
  public static long scalar(Path database, String sql) throws SQLException {
    try (Connection c = open(database); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }
}
