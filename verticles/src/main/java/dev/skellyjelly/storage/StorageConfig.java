package dev.skellyjelly.storage;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.skellyjelly.storage.ConfigKeys.*;

/**
 * The validated configuration of the storage module. Built from layered key/value maps (file, then
 * environment, then command line) by {@link #from}; handed to verticles as JSON through
 * {@link #toJson()} / {@link #fromJson(JsonObject)}.
 */
public record StorageConfig(
  int batchWindowSeconds,
  long windowGraceMs,
  int maxEventsPerBatch,
  long maxClockSkewMs,
  long screenshotMemoryThresholdMb,
  long screenshotMemoryBudgetMb,
  long screenshotMaxMb,
  long screenshotRetentionSeconds,
  String screenshotTempDir,
  boolean devMode,
  int devModeScreenshotCount,
  String databasePath,
  long writeFlushIntervalMs,
  long shutdownTimeoutMs,
  int httpPort,
  String httpHost,
  boolean sockjsBridge,
  int tcpBridgePort,
  String bridgeToken,
  String clusterName,
  String clusterHost,
  List<String> clusterMembers,
  int clusterPort,
  List<String> allowedOrigins,
  int sockjsMaxMessageKb,
  int bridgeMaxConnections,
  int bridgeIdleTimeoutSeconds,
  int idleAfterSeconds,
  int rawRetentionDays,
  int minuteRollupRetentionDays,
  int hourRollupRetentionDays,
  long maxDatabaseMb,
  long minFreeDiskMb,
  List<String> excludedApps,
  List<String> excludedTitlePatterns) {

  public static final long MB = 1L << 20;
  /** The cluster name this module once shipped as its default: public, so refused. */
  public static final String PUBLIC_CLUSTER_NAME = "skelly-jelly";
  /** A set {@code bridge_token} is at least this long: a short secret can be guessed one frame at a time. */
  public static final int MIN_BRIDGE_TOKEN_CHARS = 32;
  /** A browser origin as browsers send it: scheme, host, optional port; no path, no trailing slash. */
  private static final java.util.regex.Pattern ORIGIN = java.util.regex.Pattern.compile("https?://[^/?#@\\s]+");

  /** The built-in defaults, as the contract lists them ({@code ~} not yet expanded). */
  public static Map<String, Object> defaults() {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put(BATCH_WINDOW_SECONDS, 30L);
    d.put(WINDOW_GRACE_MS, 2000L);
    d.put(MAX_EVENTS_PER_BATCH, 10000L);
    d.put(MAX_CLOCK_SKEW_MS, 5000L);
    d.put(SCREENSHOT_MEMORY_THRESHOLD_MB, 5L);
    d.put(SCREENSHOT_MEMORY_BUDGET_MB, 16L);
    d.put(SCREENSHOT_MAX_MB, 16L);
    d.put(SCREENSHOT_RETENTION_SECONDS, 30L);
    d.put(SCREENSHOT_TEMP_DIR, "~/.skelly-jelly/screenshots");
    d.put(DEV_MODE, false);
    d.put(DEV_MODE_SCREENSHOT_COUNT, 5L);
    d.put(DATABASE_PATH, "~/.skelly-jelly/events.db");
    d.put(WRITE_FLUSH_INTERVAL_MS, 1000L);
    d.put(SHUTDOWN_TIMEOUT_MS, 10000L);
    d.put(HTTP_PORT, 0L);
    d.put(HTTP_HOST, "127.0.0.1");
    d.put(SOCKJS_BRIDGE, false);
    d.put(TCP_BRIDGE_PORT, 0L);
    d.put(BRIDGE_TOKEN, "");
    d.put(CLUSTER_NAME, "");
    d.put(CLUSTER_HOST, "127.0.0.1");
    d.put(CLUSTER_MEMBERS, List.of("127.0.0.1"));
    d.put(CLUSTER_PORT, 5701L);
    d.put(ALLOWED_ORIGINS, List.of());
    d.put(SOCKJS_MAX_MESSAGE_KB, 1024L);
    d.put(BRIDGE_MAX_CONNECTIONS, 16L);
    d.put(BRIDGE_IDLE_TIMEOUT_SECONDS, 120L);
    d.put(IDLE_AFTER_SECONDS, 300L);
    d.put(RAW_RETENTION_DAYS, 14L);
    d.put(MINUTE_ROLLUP_RETENTION_DAYS, 90L);
    d.put(HOUR_ROLLUP_RETENTION_DAYS, 0L);
    d.put(MAX_DATABASE_MB, 2048L);
    d.put(MIN_FREE_DISK_MB, 512L);
    d.put(EXCLUDED_APPS, List.of("1Password", "Bitwarden", "KeePassXC", "Keychain Access"));
    d.put(EXCLUDED_TITLE_PATTERNS, List.of("(?i)\\b(private browsing|incognito|inprivate)\\b"));
    return d;
  }

  /** The defaults, validated, with {@code ~} expanded to {@code home}. */
  public static StorageConfig defaults(String home) {
    return from(List.of(), home);
  }

  /**
   * Applies layers of overrides to the defaults, later layers winning, and validates the result. Values
   * may be typed (from a TOML file or JSON) or text (from the environment or {@code --set}): text is
   * parsed by the key's type (lists comma-separated, booleans {@code true}/{@code false}).
   *
   * @param home what {@code ~} stands for at the start of a path
   * @throws ConfigException naming the first unknown key or bad value
   */
  public static StorageConfig from(List<Map<String, ?>> layers, String home) {
    Map<String, Object> merged = defaults();
    for (Map<String, ?> layer : layers) {
      for (Map.Entry<String, ?> e : layer.entrySet()) {
        if (!merged.containsKey(e.getKey())) {
          throw new ConfigException(e.getKey(), "unknown configuration key '" + e.getKey() + "'");
        }
        merged.put(e.getKey(), e.getValue());
      }
    }
    Reader r = new Reader(merged, home);
    StorageConfig c = new StorageConfig(
      (int) r.integer(BATCH_WINDOW_SECONDS, 1, 86_400),
      r.integer(WINDOW_GRACE_MS, 0, 3_600_000),
      (int) r.integer(MAX_EVENTS_PER_BATCH, 1, 10_000_000),
      r.integer(MAX_CLOCK_SKEW_MS, 0, 86_400_000L * 365),
      r.integer(SCREENSHOT_MEMORY_THRESHOLD_MB, 0, 1024),
      r.integer(SCREENSHOT_MEMORY_BUDGET_MB, 0, 4096),
      r.integer(SCREENSHOT_MAX_MB, 1, 1024),
      r.integer(SCREENSHOT_RETENTION_SECONDS, 0, 86_400 * 7),
      r.path(SCREENSHOT_TEMP_DIR),
      r.bool(DEV_MODE),
      (int) r.integer(DEV_MODE_SCREENSHOT_COUNT, 0, 1000),
      r.path(DATABASE_PATH),
      r.integer(WRITE_FLUSH_INTERVAL_MS, 1, 600_000),
      r.integer(SHUTDOWN_TIMEOUT_MS, 1, 3_600_000),
      (int) r.integer(HTTP_PORT, 0, 65535),
      r.text(HTTP_HOST, false),
      r.bool(SOCKJS_BRIDGE),
      (int) r.integer(TCP_BRIDGE_PORT, 0, 65535),
      r.text(BRIDGE_TOKEN, true),
      r.text(CLUSTER_NAME, true),
      r.text(CLUSTER_HOST, false),
      r.list(CLUSTER_MEMBERS, false),
      (int) r.integer(CLUSTER_PORT, 1, 65535),
      r.origins(ALLOWED_ORIGINS),
      (int) r.integer(SOCKJS_MAX_MESSAGE_KB, 1, 64 * 1024),
      (int) r.integer(BRIDGE_MAX_CONNECTIONS, 1, 10_000),
      (int) r.integer(BRIDGE_IDLE_TIMEOUT_SECONDS, 1, 86_400),
      (int) r.integer(IDLE_AFTER_SECONDS, 1, 86_400),
      (int) r.integer(RAW_RETENTION_DAYS, 0, 36_500),
      (int) r.integer(MINUTE_ROLLUP_RETENTION_DAYS, 0, 36_500),
      (int) r.integer(HOUR_ROLLUP_RETENTION_DAYS, 0, 36_500),
      r.integer(MAX_DATABASE_MB, 1, 1L << 30),
      r.integer(MIN_FREE_DISK_MB, 0, 1L << 30),
      r.list(EXCLUDED_APPS, true),
      r.patterns(EXCLUDED_TITLE_PATTERNS));
    if (!c.bridgeToken.isEmpty() && c.bridgeToken.length() < MIN_BRIDGE_TOKEN_CHARS) {
      throw new ConfigException(BRIDGE_TOKEN, "bridge_token must have at least " + MIN_BRIDGE_TOKEN_CHARS
        + " characters, got " + c.bridgeToken.length());
    }
    if (c.windowGraceMs <= c.writeFlushIntervalMs) {
      throw new ConfigException(WINDOW_GRACE_MS, "window_grace_ms (" + c.windowGraceMs
        + ") must exceed write_flush_interval_ms (" + c.writeFlushIntervalMs + ")");
    }
    if (c.clusterName.equals(PUBLIC_CLUSTER_NAME)) {
      throw new ConfigException(CLUSTER_NAME, "cluster_name \"" + PUBLIC_CLUSTER_NAME + "\" is the old public default"
        + " that any local process could join: leave cluster_name empty (\"\") for a private generated name");
    }
    if (c.screenshotMemoryThresholdMb > c.screenshotMaxMb) {
      throw new ConfigException(SCREENSHOT_MEMORY_THRESHOLD_MB, "screenshot_memory_threshold_mb ("
        + c.screenshotMemoryThresholdMb + ") must not exceed screenshot_max_mb (" + c.screenshotMaxMb + ")");
    }
    checkTempDir(c.screenshotTempDir, c.databasePath, home);
    return c;
  }

  /**
   * The screenshot directory is the module's alone: its start-up sweep deletes files there. One that is, or
   * contains, the database's directory or the home directory would put the person's data in its way.
   */
  private static void checkTempDir(String tempDir, String databasePath, String home) {
    Path temp = Path.of(tempDir).toAbsolutePath().normalize();
    Path dbDir = Path.of(databasePath).toAbsolutePath().normalize().getParent();
    if (dbDir != null && dbDir.startsWith(temp)) {
      throw new ConfigException(SCREENSHOT_TEMP_DIR, "screenshot_temp_dir (" + temp + ") must not be or contain "
        + "the database's directory (" + dbDir + "): the module deletes its own files there");
    }
    if (home != null && Path.of(home).toAbsolutePath().normalize().startsWith(temp)) {
      throw new ConfigException(SCREENSHOT_TEMP_DIR, "screenshot_temp_dir (" + temp + ") must not be or contain "
        + "the home directory (" + home + "): the module deletes its own files there");
    }
  }

  public long batchWindowMs() {
    return batchWindowSeconds * 1000L;
  }

  public long screenshotMemoryThresholdBytes() {
    return screenshotMemoryThresholdMb * MB;
  }

  public long screenshotMemoryBudgetBytes() {
    return screenshotMemoryBudgetMb * MB;
  }

  public long screenshotMaxBytes() {
    return screenshotMaxMb * MB;
  }

  /** The largest bridge message: ⌈screenshot_max_mb × 4/3⌉ MB + 64 KB (a maximum-size image as base64 in JSON). */
  public long bridgeMaxMessageBytes() {
    return (screenshotMaxMb * 4 + 2) / 3 * MB + 64 * 1024;
  }

  /** The largest SockJS bridge message, in bytes. */
  public long sockjsMaxMessageBytes() {
    return sockjsMaxMessageKb * 1024L;
  }

  public long idleAfterMs() {
    return idleAfterSeconds * 1000L;
  }

  public long maxDatabaseBytes() {
    return maxDatabaseMb * MB;
  }

  public long minFreeDiskBytes() {
    return minFreeDiskMb * MB;
  }

  public long bridgeIdleTimeoutMs() {
    return bridgeIdleTimeoutSeconds * 1000L;
  }

  /** As JSON, keyed by the contract's names: what verticles receive through their deployment options. */
  public JsonObject toJson() {
    JsonObject j = new JsonObject();
    j.put(BATCH_WINDOW_SECONDS, batchWindowSeconds).put(WINDOW_GRACE_MS, windowGraceMs)
      .put(MAX_EVENTS_PER_BATCH, maxEventsPerBatch).put(MAX_CLOCK_SKEW_MS, maxClockSkewMs)
      .put(SCREENSHOT_MEMORY_THRESHOLD_MB, screenshotMemoryThresholdMb)
      .put(SCREENSHOT_MEMORY_BUDGET_MB, screenshotMemoryBudgetMb).put(SCREENSHOT_MAX_MB, screenshotMaxMb)
      .put(SCREENSHOT_RETENTION_SECONDS, screenshotRetentionSeconds).put(SCREENSHOT_TEMP_DIR, screenshotTempDir)
      .put(DEV_MODE, devMode).put(DEV_MODE_SCREENSHOT_COUNT, devModeScreenshotCount).put(DATABASE_PATH, databasePath)
      .put(WRITE_FLUSH_INTERVAL_MS, writeFlushIntervalMs).put(SHUTDOWN_TIMEOUT_MS, shutdownTimeoutMs)
      .put(HTTP_PORT, httpPort).put(HTTP_HOST, httpHost).put(SOCKJS_BRIDGE, sockjsBridge)
      .put(TCP_BRIDGE_PORT, tcpBridgePort).put(BRIDGE_TOKEN, bridgeToken).put(CLUSTER_NAME, clusterName)
      .put(CLUSTER_HOST, clusterHost).put(CLUSTER_MEMBERS, new JsonArray(clusterMembers)).put(CLUSTER_PORT, clusterPort)
      .put(ALLOWED_ORIGINS, new JsonArray(allowedOrigins)).put(SOCKJS_MAX_MESSAGE_KB, sockjsMaxMessageKb)
      .put(BRIDGE_MAX_CONNECTIONS, bridgeMaxConnections).put(BRIDGE_IDLE_TIMEOUT_SECONDS, bridgeIdleTimeoutSeconds)
      .put(IDLE_AFTER_SECONDS, idleAfterSeconds).put(RAW_RETENTION_DAYS, rawRetentionDays)
      .put(MINUTE_ROLLUP_RETENTION_DAYS, minuteRollupRetentionDays)
      .put(HOUR_ROLLUP_RETENTION_DAYS, hourRollupRetentionDays).put(MAX_DATABASE_MB, maxDatabaseMb)
      .put(MIN_FREE_DISK_MB, minFreeDiskMb).put(EXCLUDED_APPS, new JsonArray(excludedApps))
      .put(EXCLUDED_TITLE_PATTERNS, new JsonArray(excludedTitlePatterns));
    return j;
  }

  /** Reads (and validates) a configuration from its JSON form; absent keys take their defaults. */
  public static StorageConfig fromJson(JsonObject json, String home) {
    Map<String, Object> layer = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : json) {
      Object v = e.getValue();
      layer.put(e.getKey(), v instanceof JsonArray a ? a.getList() : v);
    }
    return from(List.of(layer), home);
  }

  /** Reads a configuration that {@link #toJson()} wrote (already expanded and validated once). */
  public static StorageConfig fromJson(JsonObject json) {
    return fromJson(json, System.getProperty("user.home"));
  }

  private static final class Reader {
    private final Map<String, Object> values;
    private final String home;

    Reader(Map<String, Object> values, String home) {
      this.values = values;
      this.home = home;
    }

    long integer(String key, long min, long max) {
      Object v = values.get(key);
      long n;
      if (v instanceof Integer || v instanceof Long || v instanceof Short) {
        n = ((Number) v).longValue();
      } else if (v instanceof String s) {
        try {
          n = Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
          throw bad(key, v, "an integer");
        }
      } else {
        throw bad(key, v, "an integer");
      }
      if (n < min || n > max) {
        throw new ConfigException(key, key + " must be between " + min + " and " + max + ", got " + n);
      }
      return n;
    }

    boolean bool(String key) {
      Object v = values.get(key);
      if (v instanceof Boolean b) {
        return b;
      }
      if ("true".equals(v)) {
        return true;
      }
      if ("false".equals(v)) {
        return false;
      }
      throw bad(key, v, "true or false");
    }

    String text(String key, boolean mayBeEmpty) {
      Object v = values.get(key);
      if (!(v instanceof String s)) {
        throw bad(key, v, "a string");
      }
      if (!mayBeEmpty && s.isBlank()) {
        throw new ConfigException(key, key + " must not be empty");
      }
      return s;
    }

    String path(String key) {
      String s = text(key, false);
      if (s.equals("~")) {
        return home;
      }
      if (s.startsWith("~/")) {
        return home + s.substring(1);
      }
      return s;
    }

    /** Browser origins, lower-cased as browsers send them; may be empty. */
    List<String> origins(String key) {
      List<String> out = new ArrayList<>();
      for (String origin : list(key, true)) {
        if (!ORIGIN.matcher(origin).matches()) {
          throw new ConfigException(key, key + " must list origins as scheme://host:port, got \"" + origin + "\"");
        }
        out.add(origin.toLowerCase(java.util.Locale.ROOT));
      }
      return List.copyOf(out);
    }

    /** Java regular expressions, each compiled once here so that a bad one stops start-up naming the key. */
    List<String> patterns(String key) {
      List<String> out = list(key, true);
      for (String p : out) {
        try {
          java.util.regex.Pattern.compile(p);
        } catch (java.util.regex.PatternSyntaxException e) {
          throw new ConfigException(key, key + " holds an invalid regular expression \"" + p + "\": "
            + e.getDescription());
        }
      }
      return out;
    }

    List<String> list(String key, boolean mayBeEmpty) {
      Object v = values.get(key);
      List<String> out = new ArrayList<>();
      if (v instanceof String s) {
        for (String part : s.split(",")) {
          if (!part.isBlank()) {
            out.add(part.trim());
          }
        }
      } else if (v instanceof List<?> l) {
        for (Object o : l) {
          if (!(o instanceof String s) || s.isBlank()) {
            throw bad(key, v, "a list of non-empty strings");
          }
          out.add(s.trim());
        }
      } else {
        throw bad(key, v, "a list of strings");
      }
      if (out.isEmpty() && !mayBeEmpty) {
        throw new ConfigException(key, key + " must name at least one member");
      }
      return List.copyOf(out);
    }

    private static ConfigException bad(String key, Object v, String expected) {
      String shown = v instanceof String s ? "\"" + s + "\"" : String.valueOf(v);
      return new ConfigException(key, key + " must be " + expected + ", got " + shown);
    }
  }
}
