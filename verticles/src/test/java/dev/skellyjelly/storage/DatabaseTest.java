package dev.skellyjelly.storage;

import dev.skellyjelly.storage.TestSupport.ManualClock;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.ImageFormat;
import dev.skellyjelly.storage.codecs.Keystroke;
import dev.skellyjelly.storage.codecs.MouseMove;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Screenshot;
import dev.skellyjelly.storage.codecs.TestPng;
import dev.skellyjelly.storage.codecs.Uuids;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SQLite database as CONTRACT §4 promises it to operators and to the modules that read it: private
 * file modes, WAL, the schema level, the exact view and the contract's columns, and one module per file.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DatabaseTest {

  private static final long NOW = Instant.parse("2026-11-26T10:00:00Z").toEpochMilli();
  private static final String SESSION = "dbdbdbdb-0000-4000-8000-000000000001";
  private static final String PRIVATE = "rw-------";

  @TempDir
  Path dir;

  private Vertx vertx;
  private ManualClock clock;
  private Path db;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    this.clock = new ManualClock(NOW);
    this.db = dir.resolve("events.db");
  }

  private StorageModule start(Vertx on) {
    return TestSupport.deploy(on, clock, config());
  }

  private JsonObject config() {
    return TestSupport.config(dir, ConfigKeys.WRITE_FLUSH_INTERVAL_MS, 50, ConfigKeys.WINDOW_GRACE_MS, 200);
  }

  @Test
  void theDatabaseIsPrivateInWalModeAtSchemaLevelOne() throws Exception {
    StorageModule module = start(vertx);
    commit(module, 20);

    assertEquals(PRIVATE, PosixFilePermissions.toString(Files.getPosixFilePermissions(db)));
    // The WAL and its index hold the same events as the database, so they are as private.
    for (String side : new String[]{"-wal", "-shm"}) {
      Path p = db.resolveSibling(db.getFileName() + side);
      if (Files.exists(p)) {
        assertEquals(PRIVATE, PosixFilePermissions.toString(Files.getPosixFilePermissions(p)), p.toString());
      }
    }
    assertEquals("wal", text("PRAGMA journal_mode"));
    assertEquals(7, TestSupport.scalar(db, "SELECT count(*) FROM schema_version"));
    assertEquals(7, TestSupport.scalar(db, "SELECT max(version) FROM schema_version"));
    assertEquals("ok", text("PRAGMA integrity_check"));
  }

  @Test
  void aDatabaseFileThatAlreadyExistsIsMadePrivate() throws Exception {
    Files.createFile(db, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-rw-rw-")));
    StorageModule module = start(vertx);
    commit(module, 1);
    assertEquals(PRIVATE, PosixFilePermissions.toString(Files.getPosixFilePermissions(db)));
  }

  @Test
  void theViewAndTablesHaveTheContractsColumns() throws Exception {
    StorageModule module = start(vertx);
    commit(module, 5);

    Map<String, String> view = columns("event_counts");
    assertEquals(List.of("session_id", "window_start_ms", "event_type", "n"), new ArrayList<>(view.keySet()));
    assertEquals(List.of("TEXT", "INTEGER", "TEXT", "INTEGER"), new ArrayList<>(view.values()));
    // And the values are of those types.
    assertEquals("text|integer|text|integer",
      text("SELECT typeof(session_id) || '|' || typeof(window_start_ms) || '|' || typeof(event_type) || '|' || typeof(n) FROM event_counts LIMIT 1"));

    Map<String, String> batches = columns("batches");
    Map<String, String> batchesContract = new LinkedHashMap<>();
    batchesContract.put("window_id", "TEXT");
    batchesContract.put("session_id", "TEXT");
    for (String c : List.of("window_start_ms", "window_end_ms", "part", "event_count", "screenshot_count", "late",
      "replayed", "emitted_at_ms")) {
      batchesContract.put(c, "INTEGER");
    }
    batchesContract.forEach((name, type) -> assertEquals(type, batches.get(name), "batches." + name));

    Map<String, String> shots = columns("screenshots");
    for (String c : List.of("screenshot_id", "session_id", "ts_ms", "window_start_ms", "format", "size_bytes", "width",
      "height", "storage", "app_name", "window_title", "privacy_masked", "deleted_at_ms", "deleted_reason")) {
      assertTrue(shots.containsKey(c), "screenshots." + c + " in " + shots.keySet());
    }
    assertTrue(columns("schema_version").size() >= 1);
  }

  @Test
  void rowsInTheContractsTablesMeanWhatTheContractSays() throws Exception {
    StorageModule module = start(vertx);
    String shown = UUID.randomUUID().toString();
    String masked = UUID.randomUUID().toString();
    byte[] png = TestPng.png(400, 1280, 720, "db-test".getBytes(StandardCharsets.US_ASCII));
    List<Future<Message<Object>>> acks = new ArrayList<>();
    acks.add(vertx.eventBus().request(Addresses.RAW_EVENT, new RawEvent(UUID.randomUUID().toString(), SESSION, NOW - 25_000,
      new Screenshot(shown, ImageFormat.PNG, png, "Report", "editor", new Screenshot.Region(0, 0, 1280, 720), false))));
    acks.add(vertx.eventBus().request(Addresses.RAW_EVENT, new RawEvent(UUID.randomUUID().toString(), SESSION, NOW - 24_000,
      new Screenshot(masked, ImageFormat.WEBP, null, "Bank", "browser", new Screenshot.Region(0, 0, 10, 10), true))));
    acks.add(vertx.eventBus().request(Addresses.RAW_EVENT, new RawEvent(UUID.randomUUID().toString(), SESSION, NOW - 23_000,
      new MouseMove(1, 2, 3))));
    Future.all(acks).await();

    long windowStart = NOW - 30_000;
    assertEquals("png|400|1280|720|memory|editor|Report|0|" + windowStart + "|" + (NOW - 25_000) + "|" + SESSION,
      text("SELECT format || '|' || size_bytes || '|' || width || '|' || height || '|' || storage || '|' || app_name"
        + " || '|' || window_title || '|' || privacy_masked || '|' || window_start_ms || '|' || ts_ms || '|' || session_id"
        + " FROM screenshots WHERE screenshot_id = '" + shown + "'"));
    assertEquals("none|0|1", text("SELECT storage || '|' || size_bytes || '|' || privacy_masked FROM screenshots"
      + " WHERE screenshot_id = '" + masked + "'"));

    // Close the window [NOW-30s, NOW): its batch is recorded once emitted.
    clock.set(NOW + 200);
    await("the window's batch").atMost(Duration.ofSeconds(20)).until(() -> module.metrics().batchesEmitted() >= 1);
    await("the batch recorded").atMost(Duration.ofSeconds(20)).until(() -> count("SELECT count(*) FROM batches") >= 1);
    assertEquals(SESSION + "|" + windowStart + "|" + NOW + "|0|3|1|0|0",
      text("SELECT session_id || '|' || window_start_ms || '|' || window_end_ms || '|' || part || '|' || event_count"
        + " || '|' || screenshot_count || '|' || late || '|' || replayed FROM batches"));
    long emittedAt = count("SELECT emitted_at_ms FROM batches");
    assertTrue(emittedAt >= NOW + 200, "emitted by the module's clock: " + emittedAt);
    assertTrue(Uuids.isCanonical(text("SELECT window_id FROM batches")));
  }

  @Test
  void aSecondModuleOnTheSameVertxIsRefusedAndTheFirstKeepsWorking() throws Exception {
    StorageModule first = start(vertx);
    commit(first, 3);
    Throwable refused = assertThrows(Throwable.class, () -> start(vertx));
    assertNamesTheHolder(refused);
    commit(first, 4);
    assertEquals(7, TestSupport.readEvents(db).size());
    assertEquals(7, TestSupport.scalar(db, "SELECT sum(n) FROM event_counts"));
  }

  @Test
  void aSecondModuleOnAnotherVertxIsRefusedAndTheFirstKeepsWorking() throws Exception {
    StorageModule first = start(vertx);
    commit(first, 3);
    Vertx other = Vertx.vertx();
    try {
      Throwable refused = assertThrows(Throwable.class, () -> start(other));
      assertNamesTheHolder(refused);
    } finally {
      other.close().await();
    }
    commit(first, 4);
    assertEquals(7, TestSupport.readEvents(db).size());
    assertEquals("ok", text("PRAGMA integrity_check"));
  }

  @Test
  void onceTheFirstStopsTheDatabaseOpensAgainAtTheSameLevel() throws Exception {
    StorageModule first = start(vertx);
    commit(first, 3);
    vertx.undeploy(first.deploymentID()).await();
    StorageModule second = start(vertx);
    commit(second, 2);
    assertEquals(5, TestSupport.readEvents(db).size());
    assertEquals(7, TestSupport.scalar(db, "SELECT count(*) FROM schema_version"));
    assertEquals(7, TestSupport.scalar(db, "SELECT max(version) FROM schema_version"));
    assertEquals(PRIVATE, PosixFilePermissions.toString(Files.getPosixFilePermissions(db)));
  }

  // ---------------------------------------------------------------- helpers

  private static void assertNamesTheHolder(Throwable refused) {
    String message = String.valueOf(refused.getMessage());
    assertTrue(message.contains("in use by"), message);
    assertTrue(message.contains("pid " + ProcessHandle.current().pid()), "names the holder's pid: " + message);
  }

  /** Sends {@code n} events by request and returns once all are committed. */
  private void commit(StorageModule module, int n) {
    List<Future<Message<JsonObject>>> acks = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      RawEvent e = new RawEvent(UUID.randomUUID().toString(), SESSION, NOW - 20_000 + i,
        new Keystroke(40 + i, new Keystroke.Modifiers(false, false, false, false), null));
      acks.add(vertx.eventBus().request(Addresses.RAW_EVENT, e));
    }
    Future.all(acks).await();
    for (Future<Message<JsonObject>> a : acks) {
      assertEquals(Boolean.TRUE, a.result().body().getBoolean("committed"));
    }
  }

  /** Name → declared type of a table's or view's columns, in order. */
  private Map<String, String> columns(String table) throws SQLException {
    Map<String, String> out = new LinkedHashMap<>();
    try (Connection c = TestSupport.open(db); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("PRAGMA table_info(" + table + ")")) {
      while (rs.next()) {
        out.put(rs.getString("name"), rs.getString("type").toUpperCase());
      }
    }
    assertTrue(!out.isEmpty(), table + " exists");
    return out;
  }

  private String text(String sql) throws SQLException {
    try (Connection c = TestSupport.open(db); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      assertTrue(rs.next(), "a row from " + sql);
      String v = rs.getString(1);
      assertNotNull(v, sql);
      return v;
    }
  }

  private long count(String sql) {
    try {
      return TestSupport.scalar(db, sql);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
