package dev.skellyjelly.storage.query;

import dev.skellyjelly.storage.ConfigKeys;
import dev.skellyjelly.storage.StorageModule;
import dev.skellyjelly.storage.TestSupport;
import dev.skellyjelly.storage.TestSupport.ManualClock;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.Timestamps;
import dev.skellyjelly.storage.impl.InternalAddresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a module asking {@code skelly.storage.query} notices: every answer equals what a computation of its own, from
 * the events it sent and the rollup rows it wrote, gives; pages give every event of their snapshot exactly once
 * while new events are committed; bad arguments are errors naming the argument; capture and deletion are asked
 * on the internal addresses.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QueryTest {

  private static final long NOW = Instant.parse("2026-11-26T10:00:00Z").toEpochMilli();
  private static final long T0 = NOW - 3_600_000L;
  private static final String S1 = "5b1d0c2e-0000-4000-8000-00000000000a";
  private static final String S2 = "5b1d0c2e-0000-4000-8000-00000000000b";

  @TempDir
  Path dir;
  private Vertx vertx;
  private ManualClock clock;
  private Path db;

  /** An event sent, with the app the focus rule gives it. */
  private record Sent(String id, String session, long ts, String type, String app) {
  }

  private final List<Sent> sent = new ArrayList<>();
  private final Map<String, TreeMap<Long, String>> focus = new HashMap<>();

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    clock = new ManualClock(NOW);
    db = dir.resolve("events.db");
    TestSupport.deploy(vertx, clock, TestSupport.config(dir, ConfigKeys.WRITE_FLUSH_INTERVAL_MS, 10L));
  }

  @AfterEach
  void stop() {
    vertx.close().await();
  }

  private JsonObject query(String q, JsonObject variables) {
    return vertx.eventBus().<JsonObject>request(Addresses.QUERY, new JsonObject().put("query", q).put("variables", variables))
      .await().body();
  }

  private JsonObject data(String q, JsonObject variables) {
    JsonObject r = query(q, variables);
    assertNull(r.getValue("errors"), () -> "errors: " + r.encode());
    return r.getJsonObject("data");
  }

  private String error(String q, JsonObject variables) {
    JsonObject r = query(q, variables);
    JsonArray errors = r.getJsonArray("errors");
    assertNotNull(errors, () -> "no error: " + r.encode());
    return errors.getJsonObject(0).getString("message");
  }

  private void send(String session, long ts, String type, JsonObject data) {
    String id = UUID.randomUUID().toString();
    JsonObject ev = new JsonObject().put("id", id).put("session_id", session).put("timestamp", ts).put("event_type", type)
      .put("data", data);
    JsonObject ack = vertx.eventBus().<JsonObject>request(Addresses.RAW_EVENT, ev).await().body();
    assertTrue(ack.getBoolean("committed"), ack::encode);
    if (type.equals("window_focus")) {
      focus.computeIfAbsent(session, s -> new TreeMap<>()).put(ts, data.getString("app_name"));
    }
    sent.add(new Sent(id, session, ts, type, null));
  }

  private void focusOn(String session, long ts, String app) {
    send(session, ts, "window_focus", new JsonObject().put("window_title", app + " window").put("app_name", app)
      .put("process_id", 42));
  }

  private void key(String session, long ts) {
    send(session, ts, "keystroke", new JsonObject().put("key_code", 65).put("modifiers",
      new JsonObject().put("shift", false).put("ctrl", false).put("alt", false).put("meta", false)));
  }

  private void click(String session, long ts) {
    send(session, ts, "mouse_click", new JsonObject().put("x", 10).put("y", 20).put("button", "left")
      .put("click_type", "single"));
  }

  /** A session's row, which the tables keyed by session key (migration 7) refer to. */
  private static final String ADD_SESSION = "INSERT OR IGNORE INTO sessions (session_id) VALUES (?)";
  private static final String SK = "(SELECT sk FROM sessions WHERE session_id = ?)";

  private void exec(String sql, Object... params) {
    try (Connection c = TestSupport.open(db); PreparedStatement st = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        st.setObject(i + 1, params[i]);
      }
      st.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A rollup row as the lifecycle writes it: into the minute table, and added to its hour's row. */
  private void rollup(long minute, String session, int type, String app, long n) {
    exec(ADD_SESSION, session);
    exec("INSERT INTO minute_rollups (bucket_ms, sk, event_type, app, n) VALUES (?, " + SK + ", ?, ?, ?)",
      minute, session, type, app, n);
    exec("INSERT INTO hour_rollups (bucket_ms, sk, event_type, app, n) VALUES (?, " + SK + ", ?, ?, ?) "
      + "ON CONFLICT DO UPDATE SET n = n + excluded.n", minute - minute % 3_600_000L, session, type, app, n);
  }

  /** A focus row as the lifecycle writes it: minute and hour. */
  private void focusRow(long minute, String session, String app, long focusedMs, long switches) {
    exec(ADD_SESSION, session);
    exec("INSERT INTO minute_focus VALUES (?, " + SK + ", ?, ?, ?)", minute, session, app, focusedMs, switches);
    exec("INSERT INTO hour_focus VALUES (?, " + SK + ", ?, ?, ?) ON CONFLICT DO UPDATE SET focused_ms = focused_ms + "
      + "excluded.focused_ms, switches = switches + excluded.switches", minute - minute % 3_600_000L, session, app,
      focusedMs, switches);
  }

  /** The app focused at t by the rule, computed from the focus events sent. */
  private String appAt(String session, long t) {
    TreeMap<Long, String> f = focus.get(session);
    Map.Entry<Long, String> e = f == null ? null : f.floorEntry(t);
    return e == null ? "" : e.getValue();
  }

  /** Two sessions with app switches, an idle gap and a late event. */
  private void handMadeSessions() {
    key(S1, T0 + 1_000);
    focusOn(S1, T0 + 5_000, "Editor");
    for (int i = 0; i < 12; i++) {
      key(S1, T0 + 6_000 + i * 7_000);
    }
    click(S1, T0 + 40_000);
    focusOn(S1, T0 + 100_000, "Browser");
    click(S1, T0 + 101_000);
    key(S1, T0 + 1_500_000); // after an idle gap of 23 minutes
    focusOn(S2, T0 + 2_000, "Terminal");
    for (int i = 0; i < 5; i++) {
      key(S2, T0 + 3_000 + i * 31_000);
    }
    key(S1, T0 + 50_000); // late: its window has long closed on the module's clock
  }

  private List<Sent> expected(long from, long to, String session, String app) {
    List<Sent> out = new ArrayList<>();
    for (Sent s : sent) {
      String a = appAt(s.session(), s.ts());
      if (s.ts() >= from && s.ts() < to && (session == null || session.equals(s.session())) && (app == null || app.equals(a))) {
        out.add(new Sent(s.id(), s.session(), s.ts(), s.type(), a));
      }
    }
    out.sort(Comparator.comparingLong(Sent::ts));
    return out;
  }

  private static final String EVENTS = "query($from: DateTime!, $to: DateTime!, $first: Int, $after: String, $app: String, "
    + "$sessionId: ID) { events(from: $from, to: $to, first: $first, after: $after, app: $app, sessionId: $sessionId) "
    + "{ events { id sessionId timestamp type app data } nextCursor } }";

  private List<Sent> allPages(JsonObject vars, int first, Runnable betweenPages) {
    List<Sent> got = new ArrayList<>();
    String after = null;
    do {
      JsonObject page = data(EVENTS, vars.copy().put("first", first).put("after", after)).getJsonObject("events");
      for (Object o : page.getJsonArray("events")) {
        JsonObject e = (JsonObject) o;
        got.add(new Sent(e.getString("id"), e.getString("sessionId"), Timestamps.parse(e.getString("timestamp")),
          e.getString("type").toLowerCase(), e.getString("app")));
      }
      after = page.getString("nextCursor");
      betweenPages.run();
    } while (after != null);
    return got;
  }

  @Test
  void eventsEqualWhatWasSentInTimeOrderWithTheirFocusedApp() {
    handMadeSessions();
    JsonObject vars = new JsonObject().put("from", Timestamps.format(T0)).put("to", T0 + 3_600_000L);
    assertEquals(expected(T0, T0 + 3_600_000L, null, null), allPages(vars, 1000, () -> { }));
    // Narrower ranges, one session, one app; pages of 4.
    assertEquals(expected(T0 + 5_000, T0 + 100_000, null, null),
      allPages(new JsonObject().put("from", T0 + 5_000).put("to", T0 + 100_000), 4, () -> { }));
    assertEquals(expected(T0, T0 + 3_600_000L, S2, null), allPages(vars.copy().put("sessionId", S2), 4, () -> { }));
    List<Sent> editor = expected(T0, T0 + 3_600_000L, null, "Editor");
    assertEquals(15, editor.size());
    assertEquals(editor, allPages(vars.copy().put("app", "Editor"), 4, () -> { }));
  }

  @Test
  void anEventAtTheMillisecondOfAFocusChangeHasTheAppFocusedWhenItWasCommitted() {
    focusOn(S1, T0 + 2_000, "Editor");
    key(S1, T0 + 9_000);
    focusOn(S1, T0 + 9_000, "Browser");
    key(S1, T0 + 9_000);
    List<Sent> got = allPages(new JsonObject().put("from", T0).put("to", T0 + 60_000), 100, () -> { });
    List<String> apps = got.stream().map(g -> g.type() + ":" + g.app()).toList();
    // In (timestamp, commit order): the keystroke committed before the change keeps the app before it; the change
    // itself and what follows it have the new app, as the rollups count them.
    assertEquals(List.of("window_focus:Editor", "keystroke:Editor", "window_focus:Browser", "keystroke:Browser"), apps);
    assertEquals(sent.get(1).id(), got.get(1).id());
    assertEquals(sent.get(3).id(), got.get(3).id());
  }

  @Test
  void pagesGiveEverySnapshotEventOnceWhileNewOnesAreCommitted() {
    handMadeSessions();
    List<Sent> snapshot = expected(T0, NOW, null, null);
    long[] next = {T0 + 20_500};
    List<Sent> got = allPages(new JsonObject().put("from", T0).put("to", NOW), 3, () -> {
      key(S1, next[0]); // earlier than pages still to come, and later
      key(S2, next[0] + 2_000_000);
      next[0] += 1_000;
    });
    assertEquals(snapshot, got);
    Set<String> ids = new HashSet<>();
    got.forEach(s -> assertTrue(ids.add(s.id()), "twice: " + s));
  }

  @Test
  void sessionsCountTheirEventsExactly() {
    handMadeSessions();
    long from = T0 + 6_500;
    long to = T0 + 1_000_000;
    JsonArray sessions = data("query($f: DateTime!, $t: DateTime!) { sessions(from: $f, to: $t) { id first last events } }",
      new JsonObject().put("f", from).put("t", to)).getJsonArray("sessions");
    Map<String, List<Long>> own = new TreeMap<>();
    for (Sent s : sent) {
      if (s.ts() >= from && s.ts() < to) {
        own.computeIfAbsent(s.session(), k -> new ArrayList<>()).add(s.ts());
      }
    }
    assertEquals(own.size(), sessions.size());
    for (Object o : sessions) {
      JsonObject s = (JsonObject) o;
      List<Long> ts = own.get(s.getString("id"));
      assertEquals(ts.size(), s.getLong("events").intValue());
      assertEquals(Timestamps.format(ts.stream().min(Long::compare).get()), s.getString("first"));
      assertEquals(Timestamps.format(ts.stream().max(Long::compare).get()), s.getString("last"));
    }
  }

  @Test
  void timelineAndAppUsageAddUpTheRollupsByBucket() {
    // Minute rows for today's first hours, hour rows for days long past minute retention (90 days).
    long today = LocalDate.of(2026, 11, 26).atStartOfDay(ZoneId.of("Europe/Berlin")).toInstant().toEpochMilli();
    long[][] minuteRows = {{today + 60_000, 0, 30}, {today + 60_000, 2, 4}, {today + 3_660_000, 0, 7}};
    for (long[] r : minuteRows) {
      rollup(r[0], S1, (int) r[1], "Editor", r[2]);
    }
    focusRow(today + 60_000, S1, "Editor", 50_000, 1);
    focusRow(today + 3_660_000, S1, "Browser", 70_000, 2);
    long old = today - 200 * Args.DAY_MS;
    exec(ADD_SESSION, S2);
    exec("INSERT INTO hour_rollups (bucket_ms, sk, event_type, app, n) VALUES (?, " + SK + ", 0, 'Editor', 500)", old, S1);
    exec("INSERT INTO hour_focus VALUES (?, " + SK + ", 'Editor', 3000000, 3)", old, S1);
    exec("INSERT INTO hour_focus VALUES (?, " + SK + ", 'Browser', 100000, 1)", old + 3_600_000, S2);

    JsonArray minutes = data("{ timeline(from: \"" + Timestamps.format(today) + "\", to: \"" + Timestamps.format(NOW)
      + "\", bucket: MINUTE) { start type count } }", null).getJsonArray("timeline");
    assertEquals(new JsonArray()
      .add(point(today + 60_000, "KEYSTROKE", 30)).add(point(today + 60_000, "MOUSE_CLICK", 4))
      .add(point(today + 3_660_000, "KEYSTROKE", 7)), minutes);
    // Hours: the partial first hour from the minute rows (the one before 'from' left out), whole hours from the hour rows.
    JsonArray hours = data("{ timeline(from: \"" + Timestamps.format(today + 90_000) + "\", to: \"" + Timestamps.format(NOW)
      + "\", bucket: HOUR) { start type count } }", null).getJsonArray("timeline");
    assertEquals(new JsonArray().add(point(today + 3_600_000, "KEYSTROKE", 7)), hours);

    long yearAgo = today - 365 * Args.DAY_MS;
    long oldDay = Instant.ofEpochMilli(old).atZone(ZoneId.of("Europe/Berlin")).toLocalDate()
      .atStartOfDay(ZoneId.of("Europe/Berlin")).toInstant().toEpochMilli();
    JsonObject vars = new JsonObject().put("f", yearAgo).put("t", NOW);
    JsonArray byDay = data("query($f: DateTime!, $t: DateTime!) { appUsage(from: $f, to: $t, bucket: DAY, timeZone: "
      + "\"Europe/Berlin\") { app start focusedMs switches keystrokes clicks } }", vars).getJsonArray("appUsage");
    assertEquals(new JsonArray()
      .add(usage("Editor", oldDay, 3_000_000, 3, 500, 0)).add(usage("Browser", oldDay, 100_000, 1, 0, 0))
      .add(usage("Browser", today, 70_000, 2, 0, 0)).add(usage("Editor", today, 50_000, 1, 37, 4)), byDay);
    JsonArray whole = data("query($f: DateTime!, $t: DateTime!) { appUsage(from: $f, to: $t, top: 1) { app start focusedMs "
      + "switches keystrokes clicks } }", vars).getJsonArray("appUsage");
    assertEquals(new JsonArray().add(usage("Editor", null, 3_050_000, 4, 537, 4)), whole);
  }

  private static JsonObject point(long start, String type, long count) {
    return new JsonObject().put("start", Timestamps.format(start)).put("type", type).put("count", count);
  }

  private static JsonObject usage(String app, Long start, double focused, int switches, int keys, int clicks) {
    return new JsonObject().put("app", app).put("start", start == null ? null : Timestamps.format(start))
      .put("focusedMs", focused).put("switches", switches).put("keystrokes", keys).put("clicks", clicks);
  }

  @Test
  void storageCountsEventsByTypeAndByDay() throws SQLException {
    handMadeSessions();
    // Rollup rows on three days: two within minute retention (90 days), one long before it.
    long today = Math.floorDiv(NOW, Args.DAY_MS) * Args.DAY_MS;
    // Beside the rollups the module wrote for the events sent (today), rows of a session of their own.
    String s3 = "5b1d0c2e-0000-4000-8000-00000000000c";
    rollup(today + 60_000, s3, 0, "Editor", 40);
    rollup(today + 120_000, s3, 2, "Editor", 2);
    rollup(today - 3 * Args.DAY_MS + 3_600_000, s3, 0, "", 5);
    // Past minute retention only the hour row is left.
    exec("INSERT INTO hour_rollups (bucket_ms, sk, event_type, app, n) VALUES (?, " + SK + ", 0, 'Editor', 700)",
      today - 100 * Args.DAY_MS + 7_200_000, s3);
    JsonObject storage = data("{ storage { bytesByType { type bytes events } eventsByDay(last: 120) { day events } } }", null)
      .getJsonObject("storage");
    JsonArray days = storage.getJsonArray("eventsByDay");
    assertEquals(120, days.size());
    Map<Long, Long> want = Map.of(today, 42L + sent.size(), today - 3 * Args.DAY_MS, 5L, today - 100 * Args.DAY_MS, 700L);
    for (int i = 0; i < 120; i++) {
      long day = today - (119 - i) * Args.DAY_MS;
      JsonObject d = days.getJsonObject(i);
      assertEquals(Timestamps.format(day), d.getString("day"));
      assertEquals(want.getOrDefault(day, 0L), d.getLong("events"), "day " + Timestamps.format(day));
    }
    // Events by type: as sent; bytes: the stored blocks' sizes (fewer blocks than the sample, so exact).
    Map<String, Long> sentByType = new TreeMap<>();
    sent.forEach(e -> sentByType.merge(e.type().toUpperCase(), 1L, Long::sum));
    Map<String, Long> bytes = new TreeMap<>();
    try (Connection c = TestSupport.open(db); java.sql.ResultSet rs = c.createStatement().executeQuery(
      "SELECT t.name, sum(length(b.data)) FROM event_blocks b JOIN event_types t ON t.code = b.event_type GROUP BY t.name")) {
      while (rs.next()) {
        bytes.put(rs.getString(1).toUpperCase(), rs.getLong(2));
      }
    }
    Map<String, Long> gotEvents = new TreeMap<>();
    Map<String, Long> gotBytes = new TreeMap<>();
    storage.getJsonArray("bytesByType").forEach(o -> {
      JsonObject t = (JsonObject) o;
      gotEvents.put(t.getString("type"), t.getLong("events"));
      gotBytes.put(t.getString("type"), t.getLong("bytes"));
    });
    assertEquals(sentByType, gotEvents);
    assertEquals(bytes, gotBytes);
  }

  @Test
  void badInputIsAnErrorNamingTheArgumentAndTheModuleGoesOn() {
    JsonObject range = new JsonObject().put("from", T0).put("to", NOW);
    assertTrue(error(EVENTS, range.copy().put("first", 10_001)).contains("first"));
    assertTrue(error(EVENTS, new JsonObject().put("from", NOW).put("to", T0)).contains("argument to"));
    assertTrue(error(EVENTS, new JsonObject().put("from", "yesterday").put("to", NOW)).contains("from"));
    assertTrue(error(EVENTS, range.copy().put("after", "bm9wZQ")).contains("after"));
    assertTrue(error("{ events(from: 0, to: 1) { events { colour } } }", null).contains("colour"));
    assertTrue(error(EVENTS, new JsonObject().put("from", NOW - 30 * Args.DAY_MS).put("to", NOW)).contains("argument from"));
    assertTrue(error("{ timeline(from: \"" + Timestamps.format(NOW - 100 * Args.DAY_MS) + "\", to: " + NOW
      + ", bucket: MINUTE) { count } }", null).contains("argument from"));
    assertTrue(error("{ timeline(from: 0, to: 1, bucket: HOUR, timeZone: \"Mars/Olympus\") { count } }", null)
      .contains("timeZone"));
    String deep = "{ storage { " + "bytesByType { type ".repeat(1) + "} } }";
    assertNull(query(deep, null).getValue("errors"));
    StringBuilder tooDeep = new StringBuilder("query { __schema { types { fields { type { ofType { ofType { ofType { ofType "
      + "{ ofType { ofType { name } } } } } } } } } } }");
    assertTrue(error(tooDeep.toString(), null).toLowerCase().contains("depth"));
    assertEquals(30, data("{ storage { rawRetentionDays eventsByDay { events } } }", null).getJsonObject("storage")
      .getJsonArray("eventsByDay").size());
  }

  @Test
  void captureAndDeletionAreAskedOnTheInternalAddresses() {
    // Capture control and deletion are the module's own (CaptureVerticle, the writer's DeletionControl).
    key(S1, NOW - 120_000);
    key(S1, NOW - 60_000);
    assertEquals(new JsonObject().put("paused", false).put("until", null).put("since", null).put("droppedWhilePaused", 0.0),
      data("{ capture { paused until since droppedWhilePaused } }", null).getJsonObject("capture"));
    data("mutation { pause(minutes: 10) { paused } }", null);
    JsonObject state = data("{ capture { paused until since droppedWhilePaused } }", null).getJsonObject("capture");
    assertEquals(new JsonObject().put("paused", true).put("until", Timestamps.format(NOW + 600_000))
      .put("since", Timestamps.format(NOW)).put("droppedWhilePaused", 0.0), state);
    assertEquals(false, data("mutation { resume { paused } }", null).getJsonObject("resume").getBoolean("paused"));
    // Neither minutes nor until: paused until resumed.
    assertEquals(new JsonObject().put("paused", true).put("until", null),
      data("mutation { pause { paused until } }", null).getJsonObject("pause"));
    assertEquals(false, data("mutation { resume { paused } }", null).getJsonObject("resume").getBoolean("paused"));
    JsonObject forget = data("mutation { forget(lastMinutes: 5, dryRun: true) { dryRun from to events screenshots batches "
      + "} }", null).getJsonObject("forget");
    assertEquals(new JsonObject().put("dryRun", true).put("from", Timestamps.format(NOW - 300_000))
      .put("to", Timestamps.format(NOW)).put("events", 2.0).put("screenshots", 0).put("batches", 0), forget);
    JsonObject none = data("mutation { deleteRange(from: 1000, to: 2000, types: [KEYSTROKE], app: \"Editor\") { dryRun "
      + "from to events } }", null).getJsonObject("deleteRange");
    assertEquals(new JsonObject().put("dryRun", false).put("from", Timestamps.format(1000)).put("to", Timestamps.format(2000))
      .put("events", 0.0), none);
    assertEquals(2, allPages(new JsonObject().put("from", NOW - 300_000).put("to", NOW), 100, () -> { }).size());
  }

  @Test
  void twoQueriesExecuteAtOnceTheNextWaitAndPastTheQueueTheAnswerIsBusy() {
    // A query side of its own on the module's file, whose capture control is the test: each capture query stays
    // executing until the test answers the control it asks.
    Vertx side = Vertx.vertx();
    try {
      side.deployVerticle(new QueryVerticle(clock, new dev.skellyjelly.storage.StorageMetrics(
          new io.micrometer.core.instrument.simple.SimpleMeterRegistry())),
        new io.vertx.core.DeploymentOptions().setConfig(TestSupport.config(dir))).await();
      limits(side);
    } finally {
      side.close().await();
    }
  }

  private void limits(Vertx vertx) {
    java.util.concurrent.BlockingQueue<io.vertx.core.eventbus.Message<JsonObject>> asked =
      new java.util.concurrent.LinkedBlockingQueue<>();
    java.util.concurrent.atomic.AtomicInteger outstanding = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
    vertx.eventBus().<JsonObject>localConsumer(InternalAddresses.CAPTURE, m -> {
      most.accumulateAndGet(outstanding.incrementAndGet(), Math::max);
      asked.add(m);
    }).completion().await();
    int admitted = QueryVerticle.RUNNING + QueryVerticle.WAITING;
    List<Future<io.vertx.core.eventbus.Message<JsonObject>>> answers = new ArrayList<>();
    for (int i = 0; i < admitted + 1; i++) {
      answers.add(vertx.eventBus().request(Addresses.QUERY, new JsonObject().put("query",
        "{ capture { droppedWhilePaused } }"), new io.vertx.core.eventbus.DeliveryOptions().setSendTimeout(30_000)));
    }
    // The one past the queue is refused at once, while every other one is still unanswered.
    JsonObject busy = answers.get(admitted).await().body();
    assertTrue(busy.getJsonArray("errors").getJsonObject(0).getString("message").contains("too many queries at once"),
      busy::encode);
    for (int i = 0; i < admitted; i++) {
      assertFalse(answers.get(i).isComplete(), "answered before its capture control replied: " + i);
    }
    for (int i = 0; i < admitted; i++) {
      // Released one at a time, each once as many as may execute have reached the control.
      int expectedNow = Math.min(QueryVerticle.RUNNING, admitted - i);
      org.awaitility.Awaitility.await().atMost(20, TimeUnit.SECONDS).until(() -> outstanding.get() >= expectedNow);
      io.vertx.core.eventbus.Message<JsonObject> m = assertDoesNotThrowTake(asked);
      outstanding.decrementAndGet();
      m.reply(new JsonObject().put("paused", false).put("until_ms", null).put("since_ms", null)
        .put("dropped_while_paused", i));
    }
    Set<Long> dropped = new HashSet<>();
    for (int i = 0; i < admitted; i++) {
      JsonObject r = answers.get(i).await().body();
      assertNull(r.getValue("errors"), r::encode);
      dropped.add(r.getJsonObject("data").getJsonObject("capture").getLong("droppedWhilePaused"));
    }
    assertEquals(admitted, dropped.size(), "every admitted query answered with its own reply");
    assertEquals(QueryVerticle.RUNNING, most.get(), "queries executing at once");
    assertEquals(0, asked.size());
  }

  private static <T> T assertDoesNotThrowTake(java.util.concurrent.BlockingQueue<T> q) {
    try {
      T t = q.poll(20, TimeUnit.SECONDS);
      assertNotNull(t, "no query reached the capture control");
      return t;
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aResponseOverFourMegabytesIsAnErrorAskingForASmallerPage() {
    String title = "t".repeat(2_000);
    for (int i = 0; i < 40; i++) {
      send(S1, T0 + i * 1_000, "window_focus", new JsonObject().put("window_title", title + i).put("app_name", "A")
        .put("process_id", 1));
    }
    // 40 events of ~2 KB each: about 80 KB a page; 60 aliases of it are about 5 MB of JSON, 45 about 3.7 MB.
    String page = "events(from: \"" + Timestamps.format(T0) + "\", to: \"" + Timestamps.format(NOW)
      + "\", first: $first) { events { data } }";
    java.util.function.IntFunction<String> aliased = n -> {
      StringBuilder q = new StringBuilder("query($first: Int) {");
      for (int i = 0; i < n; i++) {
        q.append(" a").append(i).append(": ").append(page);
      }
      return q.append(" }").toString();
    };
    JsonObject tooBig = query(aliased.apply(60), new JsonObject().put("first", 40));
    assertNull(tooBig.getValue("data"), "no data in an over-size response");
    String message = tooBig.getJsonArray("errors").getJsonObject(0).getString("message");
    assertTrue(message.contains("4 MB") && message.contains("smaller page"), message);
    JsonObject fits = query(aliased.apply(45), new JsonObject().put("first", 40));
    assertNull(fits.getValue("errors"));
    assertTrue(fits.toBuffer().length() > 3 << 20 && fits.toBuffer().length() <= QueryEngine.MAX_RESPONSE_BYTES);
    assertEquals(40, fits.getJsonObject("data").getJsonObject("a44").getJsonArray("events").size());
    JsonObject smaller = query(aliased.apply(60), new JsonObject().put("first", 20));
    assertNull(smaller.getValue("errors"));
    assertEquals(20, smaller.getJsonObject("data").getJsonObject("a59").getJsonArray("events").size());
  }

  @Test
  void theReadPoolCannotWrite() {
    ReadPool pool = new ReadPool(vertx, db);
    Throwable failed = assertThrows(Throwable.class, () -> pool.query("INSERT INTO lifecycle (name, value) VALUES ('x', 1)").await());
    assertTrue(failed.getMessage().toLowerCase().contains("readonly") || failed.getMessage().toLowerCase().contains("read-only"),
      failed.getMessage());
    assertEquals(0L, ReadPool.num(pool.query("SELECT count(*) FROM lifecycle WHERE name = 'x'").await().iterator().next(), 0));
    pool.close().await();
  }
}
