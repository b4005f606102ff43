package dev.skellyjelly.storage;

import dev.skellyjelly.storage.TestSupport.ManualClock;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.Codecs;
import dev.skellyjelly.storage.codecs.EventBatch;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.TestPng;
import dev.skellyjelly.storage.codecs.Timestamps;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Deletion (CONTRACT §8) through GraphQL on {@code skelly.storage.query}: afterwards every answer and
 * {@code event_counts} agree with a computation of their own from the events sent minus those deleted, events
 * outside the range are intact in every field, a marker carried only by deleted window titles is in neither the
 * database file nor its WAL, a dry run changes nothing, an event waiting in an open window is never emitted, a
 * restart replays nothing, and each deletion is published once on {@code skelly.storage.deleted}.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class DeletionTest {

  private static final long T0 = Instant.parse("2026-11-26T10:00:00Z").toEpochMilli();
  private static final long MIN = 60_000;
  private static final long IDLE_MS = 60_000;
  private static final String S1 = "5b1d0c2e-0000-4000-8000-0000000000d1";
  private static final String S2 = "5b1d0c2e-0000-4000-8000-0000000000d2";
  private static final String MARKER = "Forgettable-9c41e7-TITLE";

  @TempDir
  Path dir;
  private Path db;
  private Vertx vertx;
  private final ManualClock clock = new ManualClock(T0);
  private StorageModule module;
  private final List<EventBatch> batches = new CopyOnWriteArrayList<>();
  private final List<JsonObject> deleted = new CopyOnWriteArrayList<>();
  /** Every event sent and stored, still there by this test's account. */
  private final List<JsonObject> stored = new ArrayList<>();
  private int ids;

  @BeforeEach
  void listen(Vertx vertx) {
    this.vertx = vertx;
    db = dir.resolve("events.db");
    Codecs.ensureRegistered(vertx);
    vertx.eventBus().<EventBatch>consumer(Addresses.EVENT_BATCH, m -> batches.add(m.body())).completion().await();
    vertx.eventBus().<JsonObject>consumer(Addresses.DELETED, m -> deleted.add(m.body())).completion().await();
  }

  private void deploy() {
    deploy(20);
  }

  private void deploy(long flushIntervalMs) {
    module = TestSupport.deploy(vertx, clock, TestSupport.config(dir, ConfigKeys.WINDOW_GRACE_MS, Math.max(200, flushIntervalMs + 100),
      ConfigKeys.WRITE_FLUSH_INTERVAL_MS, flushIntervalMs, ConfigKeys.MAX_CLOCK_SKEW_MS, 120_000, ConfigKeys.IDLE_AFTER_SECONDS, (int) (IDLE_MS / 1000)));
  }

  // ---------------------------------------------------------------- the tests

  @Test
  void deleteRangeRemovesItEverywhereAndLeavesTheRestAsItWas() throws Exception {
    deploy();
    long b = T0 - 30 * MIN;
    // Session 1: Editor, then a Browser window whose title carries the marker, a screenshot of it, back to Editor.
    focus(S1, b, "Editor", "notes.txt");
    for (long t = b + 1_000; t < b + 20 * MIN; t += 10_000) {
      key(S1, t);
    }
    focus(S1, b + 8 * MIN, "Browser", MARKER + " - page");
    String gone = screenshot(S1, b + 9 * MIN + 500, "Browser", MARKER + " - shot");
    for (long t = b + 9 * MIN + 3_000; t < b + 11 * MIN; t += 15_000) {
      click(S1, t);
    }
    focus(S1, b + 12 * MIN + 5_000, "Editor", "notes.txt");
    String kept = screenshot(S1, b + 15 * MIN + 700, "Editor", "notes.txt");
    // Session 2: a terminal all along.
    focus(S2, b + 2_000, "Terminal", "bash");
    for (long t = b + 3_000; t < b + 25 * MIN; t += 20_000) {
      key(S2, t);
    }
    awaitBatched(stored.size());
    assertTrue(markerOnDisk(), "the marker is in the database before the deletion");
    assertEquals(200, fetch(gone));

    long from = b + 7 * MIN + 15_000;
    long to = b + 12 * MIN + 10_000;
    Map<String, JsonObject> before = eventsById(b - MIN, T0 + MIN);
    Predicate<JsonObject> doomed = e -> ts(e) >= from && ts(e) < to;
    long expectedBatches = batchRowsOfWindowsEmptiedBy(doomed);
    long expectedEvents = stored.stream().filter(doomed).count();

    JsonObject result = mutation("deleteRange(from: " + from + ", to: " + to + ")");
    stored.removeIf(doomed);
    assertEquals(new JsonObject().put("dryRun", false).put("from", Timestamps.format(from)).put("to", Timestamps.format(to))
      .put("events", (double) expectedEvents).put("screenshots", 1).put("batches", (int) expectedBatches),
      withoutBytes(result));
    assertTrue(result.getDouble("bytesFreed") > 0, result::encode);
    assertEquals(List.of(new JsonObject().put("from", Timestamps.format(from)).put("to", Timestamps.format(to))
      .put("types", null).put("app", null).put("events", expectedEvents)), deleted);

    verifyAgainstStored(b - MIN, T0 + MIN, before);
    assertFalse(markerOnDisk(), "no byte of a deleted title is left in the database file or its WAL");
    assertEquals(404, fetch(gone));
    assertEquals(200, fetch(kept));

    // By app: what the focus rule gives the Editor in the first ten minutes, with its own focus change.
    Map<String, TreeMap<Long, String>> focusBefore = focusBySession();
    Predicate<JsonObject> editors = e -> ts(e) >= b && ts(e) < b + 10 * MIN && "Editor".equals(
      appAt(focusBefore, e.getString("session_id"), ts(e)));
    long editorEvents = stored.stream().filter(editors).count();
    assertTrue(editorEvents > 10);
    JsonObject byApp = mutation("deleteRange(from: " + b + ", to: " + (b + 10 * MIN) + ", app: \"Editor\")");
    stored.removeIf(editors);
    assertEquals((double) editorEvents, byApp.getDouble("events"));
    verifyAgainstStored(b - MIN, T0 + MIN, before);
    assertEquals(2, deleted.size());
    assertEquals("Editor", deleted.get(1).getString("app"));

    // By type: the clicks that are left (none in the first range, so none at all here), then the terminal's keys.
    JsonObject byType = mutation("deleteRange(from: " + b + ", to: " + T0 + ", types: [KEYSTROKE], app: \"Terminal\")");
    long terminalKeys = stored.stream().filter(e -> e.getString("session_id").equals(S2)
      && e.getString("event_type").equals("keystroke")).count();
    stored.removeIf(e -> e.getString("session_id").equals(S2) && e.getString("event_type").equals("keystroke"));
    assertEquals((double) terminalKeys, byType.getDouble("events"));
    assertEquals(new JsonArray().add("keystroke"), deleted.get(2).getJsonArray("types"));
    verifyAgainstStored(b - MIN, T0 + MIN, before);

    restartAndCheckNothingReplayed();
    verifyAgainstStored(b - MIN, T0 + MIN, before);
  }

  @Test
  void aDryRunChangesNothingAndForgetRemovesExactlyWhatItNamed() throws Exception {
    deploy();
    for (long t = T0 - 10 * MIN; t < T0 - 30_000; t += 7_000) {
      key(S1, t);
    }
    focus(S1, T0 - 2 * MIN, "Browser", MARKER);
    screenshot(S1, T0 - MIN, "Browser", MARKER + " shot");
    awaitBatched(stored.size());
    Map<String, JsonObject> before = eventsById(T0 - 20 * MIN, T0 + MIN);
    List<List<Object>> tables = tables();

    JsonObject dry = mutation("forget(lastMinutes: 3, dryRun: true)");
    long doomed = stored.stream().filter(e -> ts(e) >= T0 - 3 * MIN).count();
    assertEquals(new JsonObject().put("dryRun", true).put("from", Timestamps.format(T0 - 3 * MIN))
      .put("to", Timestamps.format(T0)).put("events", (double) doomed).put("screenshots", 1)
      .put("batches", (int) batchRowsOfWindowsEmptiedBy(e -> ts(e) >= T0 - 3 * MIN)), withoutBytes(dry));
    assertTrue(dry.getDouble("bytesFreed") > 0, dry::encode);
    assertEquals(tables, tables(), "a dry run changes no row");
    assertTrue(deleted.isEmpty(), "a dry run is not published");

    // Confirmed on exactly the range it named.
    JsonObject real = mutation("deleteRange(from: \"" + dry.getString("from") + "\", to: \"" + dry.getString("to") + "\")");
    assertEquals(dry.getDouble("events"), real.getDouble("events"));
    assertEquals(dry.getInteger("batches"), real.getInteger("batches"));
    assertEquals(dry.getDouble("bytesFreed"), real.getDouble("bytesFreed"));
    stored.removeIf(e -> ts(e) >= T0 - 3 * MIN);
    verifyAgainstStored(T0 - 20 * MIN, T0 + MIN, before);
    assertFalse(markerOnDisk());
    assertEquals(1, deleted.size());

    // forget itself, a minute on: the last minute of keystrokes.
    clock.set(T0 + MIN);
    JsonObject forget = mutation("forget(lastMinutes: 9)");
    assertEquals(Timestamps.format(T0 - 8 * MIN), forget.getString("from"));
    long last = stored.stream().filter(e -> ts(e) >= T0 - 8 * MIN).count();
    assertEquals((double) last, forget.getDouble("events"));
    stored.removeIf(e -> ts(e) >= T0 - 8 * MIN);
    verifyAgainstStored(T0 - 20 * MIN, T0 + 2 * MIN, before);
    assertEquals(2, deleted.size());
  }

  @Test
  void anEventWaitingInAnOpenWindowIsNeverEmitted() throws Exception {
    deploy();
    // Two windows still open on the module's clock: [T0, T0+30 s) keeps some events, [T0+30 s, T0+60 s) none.
    List<String> first = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      first.add(key(S1, T0 + 1_000 + i * 1_000));
    }
    String marked = focus(S1, T0 + 2_500, "Browser", MARKER);
    List<String> second = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      second.add(key(S1, T0 + 31_000 + i * 1_000));
    }
    JsonObject result = mutation("deleteRange(from: " + (T0 + 2_000) + ", to: " + (T0 + 4_000) + ")");
    assertEquals(3.0, result.getDouble("events"));
    JsonObject all = mutation("deleteRange(from: " + (T0 + 30_000) + ", to: " + (T0 + 60_000) + ")");
    assertEquals(4.0, all.getDouble("events"));
    assertEquals(0, all.getInteger("batches"));

    clock.set(T0 + 120_000);
    List<String> expected = List.of(first.get(0), first.get(3), first.get(4), first.get(5));
    await().atMost(Duration.ofSeconds(20)).until(() -> batches.stream().mapToInt(x -> x.events().size()).sum() >= 4);
    restartAndCheckNothingReplayed();
    List<String> emitted = batches.stream().flatMap(x -> x.events().stream()).map(RawEvent::id).toList();
    assertEquals(expected, emitted);
    assertFalse(emitted.contains(marked));
    assertEquals(1, batches.size(), "the window left empty fires nothing");
    assertFalse(markerOnDisk());
    assertEquals(0, TestSupport.scalar(db, "SELECT count(*) FROM window_counts WHERE window_start_ms = " + (T0 + 30_000)));
  }

  @Test
  void eventsTheReceiverHasNotHandedOverYetAreDeletedToo() throws Exception {
    // A flush interval of a minute: events sent without a request wait in the receiver until the deletion.
    deploy(60_000);
    List<String> sent = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      JsonObject e = new JsonObject().put("id", String.format("00000000-0000-4000-8000-%012d", ++ids))
        .put("session_id", S1).put("timestamp", T0 - 20_000 + i * 1_000).put("event_type", "window_focus")
        .put("data", new JsonObject().put("window_title", MARKER + i).put("app_name", "Browser").put("process_id", 1));
      vertx.eventBus().send(Addresses.RAW_EVENT, e);
      sent.add(e.getString("id"));
    }
    JsonObject dry = mutation("forget(lastMinutes: 1, dryRun: true)");
    assertEquals(5.0, dry.getDouble("events"));
    JsonObject result = mutation("forget(lastMinutes: 1)");
    assertEquals(5.0, result.getDouble("events"));
    assertTrue(TestSupport.readEvents(db).isEmpty());
    assertFalse(markerOnDisk());
    clock.set(T0 + 120_000);
    restartAndCheckNothingReplayed();
    assertTrue(batches.isEmpty(), "nothing deleted is emitted");
    assertEquals(0, TestSupport.scalar(db, "SELECT count(*) FROM window_counts"));
    assertEquals(0, TestSupport.scalar(db, "SELECT count(*) FROM focus_changes"));
  }

  @Test
  void theAnswerWaitsUntilNoReaderHoldsTheDeletedContentInTheLog() throws Exception {
    deploy();
    focus(S1, T0 - 50_000, "Browser", MARKER);
    key(S1, T0 - 49_000);
    awaitBatched(stored.size());
    // Another process reading the database holds a snapshot from before the deletion.
    try (Connection reader = TestSupport.open(db)) {
      reader.setAutoCommit(false);
      try (Statement s = reader.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM event_blocks")) {
        assertTrue(rs.next());
      }
      io.vertx.core.Future<io.vertx.core.eventbus.Message<JsonObject>> answer = vertx.eventBus().request(Addresses.QUERY,
        new JsonObject().put("query", "mutation { deleteRange(from: " + (T0 - MIN) + ", to: " + T0 + ") { events } }"));
      await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(5)).until(() -> !answer.isComplete());
      reader.commit();
      await().atMost(Duration.ofSeconds(10)).until(answer::isComplete);
      assertEquals(2.0, answer.result().body().getJsonObject("data").getJsonObject("deleteRange").getDouble("events"));
    }
    assertFalse(markerOnDisk());
    assertEquals(0, Files.size(dir.resolve("events.db-wal")), "the log is truncated");
  }

  // ---------------------------------------------------------------- checks

  /** Every answer and event_counts against the events this test believes stored; kept events as they were. */
  private void verifyAgainstStored(long from, long to, Map<String, JsonObject> before) throws SQLException {
    Map<String, TreeMap<Long, String>> focus = focusBySession();
    // events: the ids, each with its app, and every field of each as it was before any deletion.
    Map<String, JsonObject> now = eventsById(from, to);
    assertEquals(stored.stream().map(e -> e.getString("id")).collect(java.util.stream.Collectors.toSet()), now.keySet());
    for (JsonObject e : stored) {
      JsonObject got = now.get(e.getString("id"));
      assertEquals(appAt(focus, e.getString("session_id"), ts(e)), got.getString("app"), got::encode);
      JsonObject was = before.get(e.getString("id"));
      assertEquals(was.copy().put("app", null), got.copy().put("app", null), "kept event changed");
    }
    // The events as the database holds them: every field as sent (images aside).
    Set<String> inDb = new HashSet<>();
    for (RawEvent e : TestSupport.readEvents(db)) {
      inDb.add(e.id());
    }
    assertEquals(now.keySet(), inDb);
    // event_counts
    Map<String, Long> counts = new TreeMap<>();
    for (JsonObject e : stored) {
      counts.merge(e.getString("session_id") + "/" + (ts(e) - Math.floorMod(ts(e), 30_000L)) + "/"
        + e.getString("event_type"), 1L, Long::sum);
    }
    Map<String, Long> table = new TreeMap<>();
    try (Connection c = TestSupport.open(db); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT session_id, window_start_ms, event_type, n FROM event_counts")) {
      while (rs.next()) {
        table.put(rs.getString(1) + "/" + rs.getLong(2) + "/" + rs.getString(3), rs.getLong(4));
      }
    }
    assertEquals(counts, table);
    // timeline by minute
    Map<String, Integer> timeline = new TreeMap<>();
    for (JsonObject e : stored) {
      timeline.merge(Timestamps.format(ts(e) - Math.floorMod(ts(e), MIN)) + "/" + e.getString("event_type").toUpperCase(),
        1, Integer::sum);
    }
    Map<String, Integer> gotTimeline = new TreeMap<>();
    for (Object o : data("query($f: DateTime!, $t: DateTime!) { timeline(from: $f, to: $t, bucket: MINUTE) "
      + "{ start type count } }", from, to).getJsonArray("timeline")) {
      JsonObject p = (JsonObject) o;
      gotTimeline.put(p.getString("start") + "/" + p.getString("type"), p.getInteger("count"));
    }
    assertEquals(timeline, gotTimeline);
    // sessions
    Map<String, JsonObject> sessions = new TreeMap<>();
    for (JsonObject e : stored) {
      JsonObject s = sessions.computeIfAbsent(e.getString("session_id"), k -> new JsonObject().put("id", k)
        .put("first", Long.MAX_VALUE).put("last", Long.MIN_VALUE).put("events", 0.0));
      s.put("first", Math.min(s.getLong("first"), ts(e))).put("last", Math.max(s.getLong("last"), ts(e)))
        .put("events", s.getDouble("events") + 1);
    }
    Map<String, JsonObject> gotSessions = new TreeMap<>();
    for (Object o : data("query($f: DateTime!, $t: DateTime!) { sessions(from: $f, to: $t) { id first last events } }",
      from, to).getJsonArray("sessions")) {
      JsonObject s = (JsonObject) o;
      gotSessions.put(s.getString("id"), s.put("first", Timestamps.parse(s.getString("first")))
        .put("last", Timestamps.parse(s.getString("last"))));
    }
    assertEquals(sessions, gotSessions);
    // screenshots
    Set<String> shots = new HashSet<>();
    for (JsonObject e : stored) {
      if (e.getString("event_type").equals("screenshot")) {
        shots.add(e.getJsonObject("data").getString("screenshot_id"));
      }
    }
    Set<String> gotShots = new HashSet<>();
    for (Object o : data("query($f: DateTime!, $t: DateTime!) { screenshots(from: $f, to: $t) { screenshots { id } } }",
      from, to).getJsonObject("screenshots").getJsonArray("screenshots")) {
      gotShots.add(((JsonObject) o).getString("id"));
    }
    assertEquals(shots, gotShots);
    assertEquals(shots.size(), TestSupport.scalar(db, "SELECT count(*) FROM screenshots"));
    // appUsage over the whole range: keystrokes, clicks, switches and focused time by the focus rule.
    assertEquals(appUsage(focus, from, to), gotAppUsage(from, to));
  }

  private Map<String, JsonObject> appUsage(Map<String, TreeMap<Long, String>> focus, long from, long to) {
    Map<String, JsonObject> usage = new TreeMap<>();
    Map<String, List<long[]>> activity = new HashMap<>();
    for (JsonObject e : sorted()) {
      String type = e.getString("event_type");
      String app = appAt(focus, e.getString("session_id"), ts(e));
      JsonObject u = usage.computeIfAbsent(app, DeletionTest::emptyUsage);
      if (type.equals("keystroke")) {
        u.put("keystrokes", u.getInteger("keystrokes") + 1);
      } else if (type.equals("mouse_click")) {
        u.put("clicks", u.getInteger("clicks") + 1);
      } else if (type.equals("window_focus")) {
        JsonObject into = usage.computeIfAbsent(e.getJsonObject("data").getString("app_name"), DeletionTest::emptyUsage);
        into.put("switches", into.getInteger("switches") + 1);
      }
      if (type.equals("keystroke") || type.equals("mouse_click") || type.equals("mouse_move")) {
        List<long[]> spans = activity.computeIfAbsent(e.getString("session_id"), k -> new ArrayList<>());
        long t = ts(e);
        if (!spans.isEmpty() && spans.get(spans.size() - 1)[1] >= t) {
          spans.get(spans.size() - 1)[1] = t + IDLE_MS;
        } else {
          spans.add(new long[]{t, t + IDLE_MS});
        }
      }
    }
    for (Map.Entry<String, List<long[]>> s : activity.entrySet()) {
      TreeMap<Long, String> changes = focus.getOrDefault(s.getKey(), new TreeMap<>());
      for (long[] span : s.getValue()) {
        for (long t = Math.max(span[0], from); t < Math.min(span[1], to); ) {
          Map.Entry<Long, String> at = changes.floorEntry(t);
          Long next = changes.higherKey(t);
          long end = Math.min(Math.min(span[1], to), next == null ? Long.MAX_VALUE : next);
          if (at != null) {
            JsonObject u = usage.computeIfAbsent(at.getValue(), DeletionTest::emptyUsage);
            u.put("focusedMs", u.getDouble("focusedMs") + (end - t));
          }
          t = end;
        }
      }
    }
    usage.values().removeIf(u -> u.getDouble("focusedMs") == 0 && u.getInteger("switches") == 0
      && u.getInteger("keystrokes") == 0 && u.getInteger("clicks") == 0);
    return usage;
  }

  private static JsonObject emptyUsage(String app) {
    return new JsonObject().put("app", app).put("focusedMs", 0.0).put("switches", 0).put("keystrokes", 0).put("clicks", 0);
  }

  private Map<String, JsonObject> gotAppUsage(long from, long to) {
    Map<String, JsonObject> got = new TreeMap<>();
    for (Object o : data("query($f: DateTime!, $t: DateTime!) { appUsage(from: $f, to: $t, top: 100) { app focusedMs "
      + "switches keystrokes clicks } }", from, to).getJsonArray("appUsage")) {
      JsonObject u = (JsonObject) o;
      got.put(u.getString("app"), u);
    }
    got.values().removeIf(u -> u.getDouble("focusedMs") == 0 && u.getInteger("switches") == 0
      && u.getInteger("keystrokes") == 0 && u.getInteger("clicks") == 0);
    return got;
  }

  /** The batches rows of the windows whose every stored event {@code doomed} takes. */
  private long batchRowsOfWindowsEmptiedBy(Predicate<JsonObject> doomed) throws SQLException {
    Map<String, Boolean> emptied = new HashMap<>();
    for (JsonObject e : stored) {
      String key = "'" + e.getString("session_id") + "' AND window_start_ms = " + (ts(e) - Math.floorMod(ts(e), 30_000L));
      emptied.merge(key, doomed.test(e), Boolean::logicalAnd);
    }
    long rows = 0;
    for (Map.Entry<String, Boolean> w : emptied.entrySet()) {
      if (w.getValue()) {
        rows += TestSupport.scalar(db, "SELECT count(*) FROM batches WHERE session_id = " + w.getKey());
      }
    }
    return rows;
  }

  /** The rows of the tables a deletion changes, and every event stored. */
  private List<List<Object>> tables() throws SQLException {
    List<List<Object>> all = new ArrayList<>();
    try (Connection c = TestSupport.open(db); Statement s = c.createStatement()) {
      for (String sql : List.of("SELECT * FROM window_counts ORDER BY 1, 2, 3", "SELECT * FROM batches ORDER BY 1",
        "SELECT * FROM screenshots ORDER BY 1", "SELECT * FROM event_blocks ORDER BY 1",
        "SELECT * FROM minute_rollups ORDER BY 1, 2, 3, 4", "SELECT * FROM hour_focus ORDER BY 1, 2, 3",
        "SELECT * FROM focus_changes ORDER BY 1, 2, 3", "SELECT * FROM recent_ids_0 ORDER BY 1",
        "SELECT * FROM recent_ids_1 ORDER BY 1")) {
        try (ResultSet rs = s.executeQuery(sql)) {
          int n = rs.getMetaData().getColumnCount();
          while (rs.next()) {
            List<Object> row = new ArrayList<>();
            row.add(sql);
            for (int i = 1; i <= n; i++) {
              Object v = rs.getObject(i);
              row.add(v instanceof byte[] bytes ? Base64.getEncoder().encodeToString(bytes) : v);
            }
            all.add(row);
          }
        }
      }
    }
    return all;
  }

  private void restartAndCheckNothingReplayed() throws Exception {
    vertx.undeploy(module.deploymentID()).await();
    int emittedBefore = batches.size();
    // The start-up replay is over once the module has started: nothing was replayed.
    deploy();
    assertEquals(emittedBefore, batches.size(), "no batch after the restart");
    assertTrue(batches.stream().noneMatch(EventBatch::replayed));
    assertEquals(0, TestSupport.scalar(db, "SELECT count(*) FROM batches WHERE replayed = 1"));
  }

  private boolean markerOnDisk() throws Exception {
    byte[] marker = MARKER.getBytes(StandardCharsets.UTF_8);
    for (Path f : List.of(db, dir.resolve("events.db-wal"))) {
      if (Files.exists(f) && ExclusionTest.contains(Files.readAllBytes(f), marker)) {
        return true;
      }
    }
    return false;
  }

  private int fetch(String screenshotId) {
    try {
      vertx.eventBus().request(Addresses.SCREENSHOT, new JsonObject().put("screenshot_id", screenshotId)).await();
      return 200;
    } catch (ReplyException e) {
      return e.failureCode();
    }
  }

  // ---------------------------------------------------------------- GraphQL

  private JsonObject data(String q, long from, long to) {
    JsonObject r = vertx.eventBus().<JsonObject>request(Addresses.QUERY, new JsonObject().put("query", q)
      .put("variables", new JsonObject().put("f", from).put("t", to))).await().body();
    assertEquals(null, r.getValue("errors"), r::encode);
    return r.getJsonObject("data");
  }

  private JsonObject mutation(String call) {
    JsonObject r = vertx.eventBus().<JsonObject>request(Addresses.QUERY, new JsonObject().put("query",
      "mutation { m: " + call + " { dryRun from to events screenshots batches bytesFreed } }")).await().body();
    assertEquals(null, r.getValue("errors"), r::encode);
    return r.getJsonObject("data").getJsonObject("m");
  }

  private Map<String, JsonObject> eventsById(long from, long to) {
    Map<String, JsonObject> out = new HashMap<>();
    JsonArray page = data("query($f: DateTime!, $t: DateTime!) { events(from: $f, to: $t, first: 10000) { events "
      + "{ id sessionId timestamp type app data } nextCursor } }", from, to).getJsonObject("events").getJsonArray("events");
    for (Object o : page) {
      JsonObject e = (JsonObject) o;
      out.put(e.getString("id"), e);
    }
    return out;
  }

  private static JsonObject withoutBytes(JsonObject result) {
    JsonObject copy = result.copy();
    copy.remove("bytesFreed");
    return copy;
  }

  // ---------------------------------------------------------------- what is sent

  private List<JsonObject> sorted() {
    List<JsonObject> out = new ArrayList<>(stored);
    out.sort(Comparator.comparingLong(DeletionTest::ts));
    return out;
  }

  private Map<String, TreeMap<Long, String>> focusBySession() {
    Map<String, TreeMap<Long, String>> focus = new HashMap<>();
    for (JsonObject e : stored) {
      if (e.getString("event_type").equals("window_focus")) {
        focus.computeIfAbsent(e.getString("session_id"), k -> new TreeMap<>()).put(ts(e),
          e.getJsonObject("data").getString("app_name"));
      }
    }
    return focus;
  }

  private static String appAt(Map<String, TreeMap<Long, String>> focus, String session, long t) {
    TreeMap<Long, String> f = focus.get(session);
    Map.Entry<Long, String> e = f == null ? null : f.floorEntry(t);
    return e == null ? "" : e.getValue();
  }

  private static long ts(JsonObject e) {
    return e.getLong("timestamp");
  }

  /** Until {@code events} are batched, every batch recorded and every emitted window compacted. */
  private void awaitBatched(int events) {
    await().atMost(Duration.ofSeconds(20)).until(() -> batches.stream().mapToInt(b -> b.events().size()).sum() >= events
      && TestSupport.scalar(db, "SELECT count(*) FROM batches") == batches.size()
      && TestSupport.scalar(db, "SELECT count(*) FROM (SELECT 1 FROM event_blocks GROUP BY sk, window_start_ms, "
      + "event_type HAVING count(*) > 1)") == 0);
  }

  private String send(String session, long ts, String type, JsonObject data) {
    JsonObject e = new JsonObject().put("id", String.format("00000000-0000-4000-8000-%012d", ++ids))
      .put("session_id", session).put("timestamp", ts).put("event_type", type).put("data", data);
    JsonObject ack = vertx.eventBus().<JsonObject>request(Addresses.RAW_EVENT, e).await().body();
    assertTrue(ack.getBoolean("committed"), ack::encode);
    if (type.equals("screenshot")) {
      e.getJsonObject("data").remove("image");
    }
    stored.add(e);
    return e.getString("id");
  }

  private String key(String session, long ts) {
    return send(session, ts, "keystroke", new JsonObject().put("key_code", 65).put("modifiers",
      new JsonObject().put("shift", false).put("ctrl", false).put("alt", false).put("meta", false)));
  }

  private void click(String session, long ts) {
    send(session, ts, "mouse_click", new JsonObject().put("x", 10).put("y", 20).put("button", "left")
      .put("click_type", "single"));
  }

  private String focus(String session, long ts, String app, String title) {
    return send(session, ts, "window_focus", new JsonObject().put("window_title", title).put("app_name", app)
      .put("process_id", 4242));
  }

  /** Sends a screenshot; returns its screenshot id. */
  private String screenshot(String session, long ts, String app, String title) {
    String id = String.format("10000000-0000-4000-8000-%012d", ++ids);
    byte[] png = TestPng.png(2_000, 64, 48, ts);
    send(session, ts, "screenshot", new JsonObject().put("screenshot_id", id).put("format", "png")
      .put("image", Base64.getEncoder().encodeToString(png)).put("window_title", title).put("app_name", app)
      .put("screen_region", new JsonObject().put("x", 0).put("y", 0).put("width", 64).put("height", 48))
      .put("privacy_masked", false));
    assertNotEquals(null, id);
    return id;
  }
}
