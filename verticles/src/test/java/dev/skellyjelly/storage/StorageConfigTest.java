package dev.skellyjelly.storage;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.skellyjelly.storage.ConfigKeys.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The configuration as an operator meets it (CONTRACT §5): the defaults of the table, text values from
 * the environment or {@code --set} parsed by type, and every mistake stopping start-up with a message that
 * names the key.
 */
class StorageConfigTest {

  private static final String HOME = "/home/tester";

  /** CONTRACT §5's table, typed as the JSON form carries it, with {@code ~} expanded to {@link #HOME}. */
  private static JsonObject contractDefaults() {
    return new JsonObject()
      .put("batch_window_seconds", 30)
      .put("window_grace_ms", 2000)
      .put("max_events_per_batch", 10000)
      .put("max_clock_skew_ms", 5000)
      .put("screenshot_memory_threshold_mb", 5)
      .put("screenshot_memory_budget_mb", 16)
      .put("screenshot_max_mb", 16)
      .put("screenshot_retention_seconds", 30)
      .put("screenshot_temp_dir", HOME + "/.skelly-jelly/screenshots")
      .put("dev_mode", false)
      .put("dev_mode_screenshot_count", 5)
      .put("database_path", HOME + "/.skelly-jelly/events.db")
      .put("write_flush_interval_ms", 1000)
      .put("shutdown_timeout_ms", 10000)
      .put("http_port", 0)
      .put("http_host", "127.0.0.1")
      .put("sockjs_bridge", false)
      .put("tcp_bridge_port", 0)
      .put("bridge_token", "")
      .put("cluster_name", "")
      .put("cluster_host", "127.0.0.1")
      .put("cluster_members", new JsonArray().add("127.0.0.1"))
      .put("cluster_port", 5701)
      .put("allowed_origins", new JsonArray())
      .put("sockjs_max_message_kb", 1024)
      .put("bridge_max_connections", 16)
      .put("bridge_idle_timeout_seconds", 120)
      .put("idle_after_seconds", 300)
      .put("raw_retention_days", 14)
      .put("minute_rollup_retention_days", 90)
      .put("hour_rollup_retention_days", 0)
      .put("max_database_mb", 2048)
      .put("min_free_disk_mb", 512)
      .put("excluded_apps", new JsonArray().add("1Password").add("Bitwarden").add("KeePassXC").add("Keychain Access"))
      .put("excluded_title_patterns", new JsonArray().add("(?i)\\b(private browsing|incognito|inprivate)\\b"));
  }

  @Test
  void anInvalidTitlePatternStopsStartUpNamingTheKey() {
    ConfigException e = refused("excluded_title_patterns", "excluded_title_patterns", List.of("(?i)incognito", "[unclosed"));
    assertTrue(e.getMessage().contains("[unclosed"), e.getMessage());
  }

  @Test
  void retentionAndBudgetKeysAreBounded() {
    refused("raw_retention_days", "raw_retention_days", -1L);
    refused("idle_after_seconds", "idle_after_seconds", 0L);
    refused("max_database_mb", "max_database_mb", "lots");
    assertEquals(0, with("raw_retention_days", "0").rawRetentionDays());
    assertEquals(List.of("Vault", "Safe"), with("excluded_apps", "Vault, Safe").excludedApps());
  }

  private static StorageConfig with(Object... kv) {
    Map<String, Object> layer = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      layer.put((String) kv[i], kv[i + 1]);
    }
    return StorageConfig.from(List.of(layer), HOME);
  }

  /** The configuration must be refused, naming {@code key} both in {@link ConfigException#key()} and its message. */
  private static ConfigException refused(String key, Object... kv) {
    ConfigException e = assertThrows(ConfigException.class, () -> with(kv));
    assertEquals(key, e.key());
    assertTrue(e.getMessage().contains(key), "the message names " + key + ": " + e.getMessage());
    return e;
  }

  // ---------------------------------------------------------------- defaults

  @Test
  void defaultsAreTheContractsTable() {
    JsonObject expected = contractDefaults();
    JsonObject actual = StorageConfig.defaults(HOME).toJson();
    // Compared by key and value as text, so an int/long difference in the JSON form does not matter.
    assertEquals(expected.fieldNames(), actual.fieldNames());
    for (String key : expected.fieldNames()) {
      assertEquals(String.valueOf(expected.getValue(key)), String.valueOf(actual.getValue(key)), key);
    }
    // The keys are the contract's, in its order, and nothing else.
    assertEquals(new ArrayList<>(expected.fieldNames()), ConfigKeys.ALL);
    assertEquals(ConfigKeys.ALL, new ArrayList<>(StorageConfig.defaults().keySet()));

    StorageConfig d = StorageConfig.defaults(HOME);
    assertEquals(30_000, d.batchWindowMs());
    assertEquals(5L << 20, d.screenshotMemoryThresholdBytes());
    assertEquals(16L << 20, d.screenshotMemoryBudgetBytes());
    assertEquals(16L << 20, d.screenshotMaxBytes());
    assertEquals(List.of("127.0.0.1"), d.clusterMembers());
    assertFalse(d.devMode());
    assertFalse(d.sockjsBridge());
  }

  @Test
  void noLayersAndEmptyLayersGiveTheDefaults() {
    StorageConfig d = StorageConfig.defaults(HOME);
    assertEquals(d, StorageConfig.from(List.of(Map.of(), Map.of()), HOME));
    assertEquals(d, StorageConfig.fromJson(new JsonObject(), HOME));
  }

  // ---------------------------------------------------------------- refusals

  @Test
  void anUnknownKeyIsRefusedByName() {
    refused("batch_window_secs", "batch_window_secs", 30);
    refused("Database_Path", "Database_Path", "/tmp/x.db");
    refused("storage.dev_mode", "storage.dev_mode", true);
    ConfigException viaJson = assertThrows(ConfigException.class,
      () -> StorageConfig.fromJson(new JsonObject().put("http_prot", 8080), HOME));
    assertEquals("http_prot", viaJson.key());
    assertTrue(viaJson.getMessage().contains("http_prot"));
  }

  @Test
  void aNegativeWindowIsRefusedByName() {
    refused(BATCH_WINDOW_SECONDS, BATCH_WINDOW_SECONDS, -3);
    refused(BATCH_WINDOW_SECONDS, BATCH_WINDOW_SECONDS, -3L);
    refused(BATCH_WINDOW_SECONDS, BATCH_WINDOW_SECONDS, "-3");
    refused(BATCH_WINDOW_SECONDS, BATCH_WINDOW_SECONDS, 0);
    assertEquals(1, with(BATCH_WINDOW_SECONDS, 1).batchWindowSeconds());
  }

  @Test
  void theOldPublicClusterNameIsRefusedByName() {
    ConfigException e = refused(CLUSTER_NAME, CLUSTER_NAME, "skelly-jelly");
    assertTrue(e.getMessage().contains("public"), e.getMessage());
    // Empty means "generate a private one"; any other name is the operator's own secret.
    assertEquals("", with(CLUSTER_NAME, "").clusterName());
    assertEquals("skelly-jelly-2", with(CLUSTER_NAME, "skelly-jelly-2").clusterName());
  }

  @Test
  void graceMustExceedTheFlushInterval() {
    ConfigException e = refused(WINDOW_GRACE_MS, WINDOW_GRACE_MS, 500);
    assertTrue(e.getMessage().contains(WRITE_FLUSH_INTERVAL_MS), e.getMessage());
    // Equal is not enough either.
    refused(WINDOW_GRACE_MS, WINDOW_GRACE_MS, 1000);
    // Lowering the flush interval instead makes the same grace valid.
    assertEquals(500, with(WINDOW_GRACE_MS, 500, WRITE_FLUSH_INTERVAL_MS, 499).windowGraceMs());
    assertEquals(1001, with(WINDOW_GRACE_MS, 1001).windowGraceMs());
    // The check is on the merged result, whichever layer set which value.
    ConfigException layered = assertThrows(ConfigException.class, () -> StorageConfig.from(
      List.of(Map.of(WINDOW_GRACE_MS, 3000), Map.of(WRITE_FLUSH_INTERVAL_MS, 3000)), HOME));
    assertEquals(WINDOW_GRACE_MS, layered.key());
  }

  @Test
  void bridgeKeysAreValidatedByName() {
    refused(BRIDGE_TOKEN, BRIDGE_TOKEN, "x".repeat(31));
    assertEquals(32, with(BRIDGE_TOKEN, "x".repeat(32)).bridgeToken().length());
    refused(BRIDGE_MAX_CONNECTIONS, BRIDGE_MAX_CONNECTIONS, "0");
    refused(BRIDGE_IDLE_TIMEOUT_SECONDS, BRIDGE_IDLE_TIMEOUT_SECONDS, "-1");
    refused(SOCKJS_MAX_MESSAGE_KB, SOCKJS_MAX_MESSAGE_KB, "lots");
    refused(ALLOWED_ORIGINS, ALLOWED_ORIGINS, "https://app.example/path");
    refused(ALLOWED_ORIGINS, ALLOWED_ORIGINS, "app.example:8080");
    StorageConfig c = with(ALLOWED_ORIGINS, "https://App.Example:8443, http://localhost:3000",
      SOCKJS_MAX_MESSAGE_KB, "64", BRIDGE_MAX_CONNECTIONS, "3", BRIDGE_IDLE_TIMEOUT_SECONDS, "2");
    assertEquals(List.of("https://app.example:8443", "http://localhost:3000"), c.allowedOrigins());
    assertEquals(64 * 1024, c.sockjsMaxMessageBytes());
    assertEquals(3, c.bridgeMaxConnections());
    assertEquals(2000, c.bridgeIdleTimeoutMs());
    assertEquals(List.of(), with(ALLOWED_ORIGINS, "").allowedOrigins());
  }

  @Test
  void booleansAreOnlyTrueOrFalse() {
    assertTrue(with(DEV_MODE, true).devMode());
    assertTrue(with(DEV_MODE, "true").devMode());
    assertFalse(with(DEV_MODE, "false").devMode());
    assertTrue(with(SOCKJS_BRIDGE, "true").sockjsBridge());
    for (Object notABoolean : List.of("yes", "no", "1", "0", "on", "TRUE", "True", "", 1, 0)) {
      refused(DEV_MODE, DEV_MODE, notABoolean);
      refused(SOCKJS_BRIDGE, SOCKJS_BRIDGE, notABoolean);
    }
  }

  @Test
  void listsAreCommaSeparated() {
    assertEquals(List.of("10.0.0.1", "10.0.0.2:5702", "node-3"),
      with(CLUSTER_MEMBERS, "10.0.0.1,10.0.0.2:5702, node-3").clusterMembers());
    assertEquals(List.of("127.0.0.1"), with(CLUSTER_MEMBERS, "127.0.0.1").clusterMembers());
    // A list as TOML or JSON gives it.
    assertEquals(List.of("a", "b:1"), with(CLUSTER_MEMBERS, List.of("a", "b:1")).clusterMembers());
    refused(CLUSTER_MEMBERS, CLUSTER_MEMBERS, "");
    refused(CLUSTER_MEMBERS, CLUSTER_MEMBERS, 5);
  }

  @Test
  void aScreenshotDirectoryHoldingTheDatabaseOrHomeIsRefused() {
    // The typo of the issue: the module's own parent directory, which holds the database.
    assertTrue(refused(SCREENSHOT_TEMP_DIR, SCREENSHOT_TEMP_DIR, "~/.skelly-jelly").getMessage()
      .contains("database's directory"));
    refused(SCREENSHOT_TEMP_DIR, SCREENSHOT_TEMP_DIR, "/data", DATABASE_PATH, "/data/events.db");
    refused(SCREENSHOT_TEMP_DIR, SCREENSHOT_TEMP_DIR, "/data/./x/..", DATABASE_PATH, "/data/db/events.db");
    assertTrue(refused(SCREENSHOT_TEMP_DIR, SCREENSHOT_TEMP_DIR, "~", DATABASE_PATH, "/var/db/events.db").getMessage()
      .contains("home directory"));
    refused(SCREENSHOT_TEMP_DIR, SCREENSHOT_TEMP_DIR, "/", DATABASE_PATH, "/var/db/events.db");
    // Beside the database, or below home, is the module's own.
    assertEquals("/data/shots", with(SCREENSHOT_TEMP_DIR, "/data/shots", DATABASE_PATH, "/data/events.db")
      .screenshotTempDir());
    assertEquals("/data/db/shots", with(SCREENSHOT_TEMP_DIR, "/data/db/shots", DATABASE_PATH, "/data/db/events.db")
      .screenshotTempDir());
  }

  @Test
  void aLeadingTildeExpandsToHome() {
    StorageConfig c = with(DATABASE_PATH, "~/x", SCREENSHOT_TEMP_DIR, "~/shots/tmp");
    assertEquals(HOME + "/x", c.databasePath());
    assertEquals(HOME + "/shots/tmp", c.screenshotTempDir());
    assertEquals(HOME, with(DATABASE_PATH, "~").databasePath());
    // Only at the start: anywhere else it is part of the name.
    assertEquals("/data/~/x", with(DATABASE_PATH, "/data/~/x").databasePath());
    assertEquals("/abs/events.db", with(DATABASE_PATH, "/abs/events.db").databasePath());
    refused(DATABASE_PATH, DATABASE_PATH, "");
  }

  @Test
  void textValuesAreParsedByTheKeysType() {
    // What the environment and --set deliver: every value as text.
    StorageConfig c = with(BATCH_WINDOW_SECONDS, "45", WINDOW_GRACE_MS, "2500", MAX_EVENTS_PER_BATCH, "500",
      MAX_CLOCK_SKEW_MS, "100", SCREENSHOT_MEMORY_THRESHOLD_MB, "2", SCREENSHOT_MEMORY_BUDGET_MB, "8",
      SCREENSHOT_MAX_MB, "4", SCREENSHOT_RETENTION_SECONDS, "60", DEV_MODE, "true", DEV_MODE_SCREENSHOT_COUNT, "3",
      WRITE_FLUSH_INTERVAL_MS, "250", SHUTDOWN_TIMEOUT_MS, "3000", HTTP_PORT, "8080", HTTP_HOST, "0.0.0.0",
      SOCKJS_BRIDGE, "true", TCP_BRIDGE_PORT, "7000", BRIDGE_TOKEN, "s3cret-s3cret-s3cret-s3cret-s3cret", CLUSTER_NAME, "lab",
      CLUSTER_HOST, "10.1.1.1", CLUSTER_MEMBERS, "10.1.1.1,10.1.1.2", CLUSTER_PORT, "5801");
    assertEquals(45, c.batchWindowSeconds());
    assertEquals(2500, c.windowGraceMs());
    assertEquals(500, c.maxEventsPerBatch());
    assertEquals(100, c.maxClockSkewMs());
    assertEquals(2, c.screenshotMemoryThresholdMb());
    assertEquals(8, c.screenshotMemoryBudgetMb());
    assertEquals(4, c.screenshotMaxMb());
    assertEquals(60, c.screenshotRetentionSeconds());
    assertTrue(c.devMode());
    assertEquals(3, c.devModeScreenshotCount());
    assertEquals(250, c.writeFlushIntervalMs());
    assertEquals(3000, c.shutdownTimeoutMs());
    assertEquals(8080, c.httpPort());
    assertEquals("0.0.0.0", c.httpHost());
    assertTrue(c.sockjsBridge());
    assertEquals(7000, c.tcpBridgePort());
    assertEquals("s3cret-s3cret-s3cret-s3cret-s3cret", c.bridgeToken());
    assertEquals("lab", c.clusterName());
    assertEquals("10.1.1.1", c.clusterHost());
    assertEquals(List.of("10.1.1.1", "10.1.1.2"), c.clusterMembers());
    assertEquals(5801, c.clusterPort());
    // Text that is not a number of the key's kind, or out of its range, is refused by name.
    refused(HTTP_PORT, HTTP_PORT, "eighty");
    refused(HTTP_PORT, HTTP_PORT, "80.5");
    refused(HTTP_PORT, HTTP_PORT, "70000");
    refused(WRITE_FLUSH_INTERVAL_MS, WRITE_FLUSH_INTERVAL_MS, "");
    refused(MAX_EVENTS_PER_BATCH, MAX_EVENTS_PER_BATCH, "1e4");
    refused(SCREENSHOT_MAX_MB, SCREENSHOT_MAX_MB, 2.5);
    refused(CLUSTER_PORT, CLUSTER_PORT, "0");
    refused(HTTP_HOST, HTTP_HOST, 127);
    // A threshold above the largest screenshot accepted makes no sense.
    refused(SCREENSHOT_MEMORY_THRESHOLD_MB, SCREENSHOT_MEMORY_THRESHOLD_MB, "17");
  }

  @Test
  void laterLayersWin() {
    StorageConfig c = StorageConfig.from(List.of(Map.of(HTTP_PORT, 8080, CLUSTER_NAME, "file"),
      Map.of(HTTP_PORT, "9090"), Map.of(CLUSTER_NAME, "set")), HOME);
    assertEquals(9090, c.httpPort());
    assertEquals("set", c.clusterName());
  }

  @Test
  void toJsonAndFromJsonRoundTrip() {
    StorageConfig c = with(BATCH_WINDOW_SECONDS, 10, WINDOW_GRACE_MS, 700, MAX_EVENTS_PER_BATCH, 123,
      MAX_CLOCK_SKEW_MS, 0, SCREENSHOT_MEMORY_THRESHOLD_MB, 0, SCREENSHOT_MEMORY_BUDGET_MB, 0, SCREENSHOT_MAX_MB, 1,
      SCREENSHOT_RETENTION_SECONDS, 0, SCREENSHOT_TEMP_DIR, "~/t", DEV_MODE, true, DEV_MODE_SCREENSHOT_COUNT, 0,
      DATABASE_PATH, "/var/lib/skelly/e v e n t s.db", WRITE_FLUSH_INTERVAL_MS, 50, SHUTDOWN_TIMEOUT_MS, 1,
      HTTP_PORT, 65535, HTTP_HOST, "::1", SOCKJS_BRIDGE, true, TCP_BRIDGE_PORT, 1, BRIDGE_TOKEN, "tök=n,with;odd\"chars and long enough to pass",
      CLUSTER_NAME, "ünïcode", CLUSTER_HOST, "localhost", CLUSTER_MEMBERS, "a,b,c", CLUSTER_PORT, 65535);
    assertNotEquals(StorageConfig.defaults(HOME), c);
    JsonObject json = c.toJson();
    assertEquals(ConfigKeys.ALL, new ArrayList<>(json.fieldNames()));
    assertEquals(c, StorageConfig.fromJson(json, HOME));
    // Also through text, as a deployment's configuration may travel; and the home no longer matters.
    assertEquals(c, StorageConfig.fromJson(new JsonObject(json.encode()), "/elsewhere"));
    assertEquals(StorageConfig.defaults(HOME), StorageConfig.fromJson(StorageConfig.defaults(HOME).toJson(), "/elsewhere"));
  }
}
