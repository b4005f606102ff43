package dev.skellyjelly.storage;

import dev.skellyjelly.storage.impl.EventRows;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Uuids;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/** Shared pieces of the module's tests: a clock they control, configuration, deployment, reading the database. */
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

  /**
   * A PNG of exactly {@code totalBytes} (at least 57) whose header says {@code width}×{@code height}: signature,
   * IHDR, a private chunk holding {@code marker} and padding, IEND. Enough for header-only readers; the
   * marker lets a test prove the bytes never reached a file they must not reach.
   */
  public static byte[] png(int totalBytes, int width, int height, byte[] marker) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(totalBytes);
    out.writeBytes(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
    byte[] ihdr = Buffer.buffer().appendInt(width).appendInt(height).appendByte((byte) 8).appendByte((byte) 2)
      .appendByte((byte) 0).appendByte((byte) 0).appendByte((byte) 0).getBytes();
    chunk(out, "IHDR", ihdr);
    int padding = totalBytes - 8 - 25 - 12 - 12;
    if (padding < marker.length) {
      throw new IllegalArgumentException("too small for the marker");
    }
    byte[] body = new byte[padding];
    System.arraycopy(marker, 0, body, 0, marker.length);
    chunk(out, "skMk", body);
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    out.writeBytes(Buffer.buffer().appendInt(data.length).getBytes());
    out.writeBytes(t);
    out.writeBytes(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    out.writeBytes(Buffer.buffer().appendInt((int) crc.getValue()).getBytes());
  }
}
