package dev.skellyjelly.storage;

import java.util.List;

/** The configuration keys of section {@code [storage]}, as the contract names them. */
public final class ConfigKeys {

  public static final String BATCH_WINDOW_SECONDS = "batch_window_seconds";
  public static final String WINDOW_GRACE_MS = "window_grace_ms";
  public static final String MAX_EVENTS_PER_BATCH = "max_events_per_batch";
  public static final String MAX_CLOCK_SKEW_MS = "max_clock_skew_ms";
  public static final String SCREENSHOT_MEMORY_THRESHOLD_MB = "screenshot_memory_threshold_mb";
  public static final String SCREENSHOT_MEMORY_BUDGET_MB = "screenshot_memory_budget_mb";
  public static final String SCREENSHOT_MAX_MB = "screenshot_max_mb";
  public static final String SCREENSHOT_RETENTION_SECONDS = "screenshot_retention_seconds";
  public static final String SCREENSHOT_TEMP_DIR = "screenshot_temp_dir";
  public static final String DEV_MODE = "dev_mode";
  public static final String DEV_MODE_SCREENSHOT_COUNT = "dev_mode_screenshot_count";
  public static final String DATABASE_PATH = "database_path";
  public static final String WRITE_FLUSH_INTERVAL_MS = "write_flush_interval_ms";
  public static final String SHUTDOWN_TIMEOUT_MS = "shutdown_timeout_ms";
  public static final String HTTP_PORT = "http_port";
  public static final String HTTP_HOST = "http_host";
  public static final String SOCKJS_BRIDGE = "sockjs_bridge";
  public static final String TCP_BRIDGE_PORT = "tcp_bridge_port";
  public static final String BRIDGE_TOKEN = "bridge_token";
  public static final String CLUSTER_NAME = "cluster_name";
  public static final String CLUSTER_HOST = "cluster_host";
  public static final String CLUSTER_MEMBERS = "cluster_members";
  public static final String CLUSTER_PORT = "cluster_port";
  public static final String ALLOWED_ORIGINS = "allowed_origins";
  public static final String SOCKJS_MAX_MESSAGE_KB = "sockjs_max_message_kb";
  public static final String BRIDGE_MAX_CONNECTIONS = "bridge_max_connections";
  public static final String BRIDGE_IDLE_TIMEOUT_SECONDS = "bridge_idle_timeout_seconds";
  public static final String IDLE_AFTER_SECONDS = "idle_after_seconds";
  public static final String RAW_RETENTION_DAYS = "raw_retention_days";
  public static final String MINUTE_ROLLUP_RETENTION_DAYS = "minute_rollup_retention_days";
  public static final String HOUR_ROLLUP_RETENTION_DAYS = "hour_rollup_retention_days";
  public static final String MAX_DATABASE_MB = "max_database_mb";
  public static final String MIN_FREE_DISK_MB = "min_free_disk_mb";
  public static final String EXCLUDED_APPS = "excluded_apps";
  public static final String EXCLUDED_TITLE_PATTERNS = "excluded_title_patterns";

  /** Every key, in the contract's order. */
  public static final List<String> ALL = List.of(BATCH_WINDOW_SECONDS, WINDOW_GRACE_MS, MAX_EVENTS_PER_BATCH,
    MAX_CLOCK_SKEW_MS, SCREENSHOT_MEMORY_THRESHOLD_MB, SCREENSHOT_MEMORY_BUDGET_MB, SCREENSHOT_MAX_MB,
    SCREENSHOT_RETENTION_SECONDS, SCREENSHOT_TEMP_DIR, DEV_MODE, DEV_MODE_SCREENSHOT_COUNT, DATABASE_PATH,
    WRITE_FLUSH_INTERVAL_MS, SHUTDOWN_TIMEOUT_MS, HTTP_PORT, HTTP_HOST, SOCKJS_BRIDGE, TCP_BRIDGE_PORT, BRIDGE_TOKEN,
    CLUSTER_NAME, CLUSTER_HOST, CLUSTER_MEMBERS, CLUSTER_PORT, ALLOWED_ORIGINS, SOCKJS_MAX_MESSAGE_KB,
    BRIDGE_MAX_CONNECTIONS, BRIDGE_IDLE_TIMEOUT_SECONDS, IDLE_AFTER_SECONDS, RAW_RETENTION_DAYS,
    MINUTE_ROLLUP_RETENTION_DAYS, HOUR_ROLLUP_RETENTION_DAYS, MAX_DATABASE_MB, MIN_FREE_DISK_MB, EXCLUDED_APPS,
    EXCLUDED_TITLE_PATTERNS);

  /** The prefix of environment variables that override keys: {@code SKELLY_STORAGE_<KEY IN UPPER CASE>}. */
  public static final String ENV_PREFIX = "SKELLY_STORAGE_";

  private ConfigKeys() {
  }
}
