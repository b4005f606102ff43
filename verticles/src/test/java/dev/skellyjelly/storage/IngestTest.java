package dev.skellyjelly.storage;

import dev.skellyjelly.storage.TestSupport.ManualClock;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.Codecs;
import dev.skellyjelly.storage.codecs.EventData;
import dev.skellyjelly.storage.codecs.EventType;
import dev.skellyjelly.storage.codecs.ImageFormat;
import dev.skellyjelly.storage.codecs.Keystroke;
import dev.skellyjelly.storage.codecs.MouseClick;
import dev.skellyjelly.storage.codecs.MouseMove;
import dev.skellyjelly.storage.codecs.ProcessEvent;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.ResourceUsage;
import dev.skellyjelly.storage.codecs.Screenshot;
import dev.skellyjelly.storage.codecs.TestPng;
import dev.skellyjelly.storage.codecs.Uuids;
import dev.skellyjelly.storage.codecs.WindowFocus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a producer notices of receiving and storing: every event it sends, typed or as JSON, comes back
 * from the database exactly as sent; ids and sessions are assigned where absent; re-sent ids are stored
 * once; a request is answered only after commit; a graceful stop commits everything accepted.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class IngestTest {

  /** The module's clock stands still here: nothing in these tests depends on windows closing. */
  private static final long NOW = Instant.parse("2026-11-26T10:00:00Z").toEpochMilli();
  private static final String[] SESSIONS = {
    "5b1d0c2e-0000-4000-8000-000000000001", "5b1d0c2e-0000-4000-8000-000000000002", "5b1d0c2e-0000-4000-8000-000000000003"};
  private static final byte[] MARKER = "skelly-ingest-marker".getBytes(StandardCharsets.US_ASCII);

  @TempDir
  Path dir;

  private Vertx vertx;
  private EventBus bus;
  private ManualClock clock;
  private Path db;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    this.bus = vertx.eventBus();
    this.clock = new ManualClock(NOW);
    this.db = dir.resolve("events.db");
    // The producers' side registers the contract's codecs too, as any JVM module would.
    Codecs.ensureRegistered(vertx);
  }

  /** A module with fast hand-offs and commits (tens of ms) unless the test overrides them. */
  private StorageModule start(Object... overrides) {
    List<Object> kv = new ArrayList<>(List.of(ConfigKeys.WRITE_FLUSH_INTERVAL_MS, 50, ConfigKeys.WINDOW_GRACE_MS, 200));
    kv.addAll(List.of(overrides));
    return TestSupport.deploy(vertx, clock, TestSupport.config(dir, kv.toArray()));
  }

  // ---------------------------------------------------------------- the tests

  @Test
  void twentyThousandEventsOfAllKindsComeBackFromTheDatabaseAsSent() throws Exception {
    StorageModule module = start();
    Random rnd = new Random(20261126);
    Map<String, RawEvent> expected = new HashMap<>();
    Map<String, Long> counts = new TreeMap<>();
    for (int i = 0; i < 20_000; i++) {
      RawEvent e = event(i, rnd, SESSIONS[i % SESSIONS.length]);
      expected.put(e.id(), e.withoutImage());
      counts.merge(e.sessionId() + "|" + windowStart(e.timestampMs()) + "|" + e.eventType().wireName(), 1L, Long::sum);
      // Even: the JSON form, as text arriving from a bridge would be parsed; odd: the typed record.
      if (i % 2 == 0) {
        bus.publish(Addresses.RAW_EVENT, new JsonObject(json(e, i).encode()));
      } else {
        bus.publish(Addresses.RAW_EVENT, e);
      }
    }
    assertEquals(20_000, expected.size(), "the generator made distinct ids");

    await("20 000 events committed").atMost(Duration.ofSeconds(30))
      .until(() -> module.metrics().eventsPersisted() >= 20_000);

    List<RawEvent> stored = TestSupport.readEvents(db);
    assertEquals(20_000, stored.size());
    Set<String> seen = new HashSet<>();
    for (RawEvent s : stored) {
      assertTrue(seen.add(s.id()), "stored once: " + s.id());
      RawEvent want = expected.get(s.id());
      assertNotNull(want, "an event nobody sent: " + s);
      // Records compare field by field; screenshots without their pixels, which never enter the database.
      assertEquals(want, s.withoutImage());
    }
    assertEquals(20_000, TestSupport.scalar(db, "SELECT sum(n) FROM event_counts"));
    assertEquals(counts, eventCounts());
    Map<String, Long> perType = perType();
    assertEquals(7, perType.size(), "all seven kinds: " + perType);
    for (EventType t : EventType.values()) {
      long want = 0;
      for (RawEvent e : expected.values()) {
        want += e.eventType() == t ? 1 : 0;
      }
      assertEquals(want, perType.get(t.wireName()), t.wireName());
    }
    assertEquals(20_000, module.metrics().eventsReceived());
    assertEquals(0, module.metrics().deadLetters());
    assertEquals(0, module.metrics().eventsDuplicate());
  }

  @Test
  void eventsWithoutIdOrSessionGetAFreshIdAndTheModulesOwnSession() throws Exception {
    StorageModule module = start();
    Random rnd = new Random(7);
    // Keyed by timestamp (unique per event here): the producer cannot know the id the module assigns.
    Map<Long, RawEvent> anonymous = new HashMap<>();
    Map<Long, RawEvent> ownSession = new HashMap<>();
    List<Future<Message<JsonObject>>> replies = new ArrayList<>();
    for (int i = 0; i < 140; i++) {
      boolean keepsSession = i % 10 == 9;
      RawEvent full = event(i, rnd, SESSIONS[0]);
      RawEvent e = full.withIds(null, keepsSession ? SESSIONS[0] : null);
      (keepsSession ? ownSession : anonymous).put(e.timestampMs(), e);
      Object body = i % 2 == 0 ? new JsonObject(json(e, i).encode()) : e;
      if (i % 3 == 0) {
        replies.add(bus.request(Addresses.RAW_EVENT, body));
      } else {
        bus.publish(Addresses.RAW_EVENT, body);
      }
    }
    Future.all(replies).await();
    await("140 events committed").atMost(Duration.ofSeconds(30)).until(() -> module.metrics().eventsPersisted() >= 140);

    List<RawEvent> stored = TestSupport.readEvents(db);
    assertEquals(140, stored.size());
    Set<String> ids = new HashSet<>();
    Set<String> assignedSessions = new HashSet<>();
    Map<Long, String> idByTimestamp = new HashMap<>();
    for (RawEvent s : stored) {
      assertTrue(isLowerCaseUuid(s.id()), "a canonical UUID id: " + s.id());
      assertTrue(ids.add(s.id()), "ids are distinct: " + s.id());
      idByTimestamp.put(s.timestampMs(), s.id());
      RawEvent sent = anonymous.get(s.timestampMs());
      if (sent == null) {
        sent = ownSession.get(s.timestampMs());
        assertNotNull(sent, "an event nobody sent: " + s);
        assertEquals(SESSIONS[0], s.sessionId(), "a producer's session is kept");
      } else {
        assignedSessions.add(s.sessionId());
      }
      assertEquals(sent.withIds(s.id(), s.sessionId()).withoutImage(), s);
    }
    assertEquals(1, assignedSessions.size(), "one session for every event that came without one");
    String session = assignedSessions.iterator().next();
    assertTrue(isLowerCaseUuid(session), session);
    assertFalse(List.of(SESSIONS).contains(session));
    // A requester learns the id the module assigned: the one the database holds.
    for (Future<Message<JsonObject>> f : replies) {
      String id = f.result().body().getString("id");
      assertTrue(ids.contains(id), "the reply names a stored id: " + f.result().body());
      assertEquals(new JsonObject().put("id", id).put("committed", true), f.result().body());
    }
    assertEquals(140, TestSupport.scalar(db, "SELECT sum(n) FROM event_counts"));
    assertEquals(140 - ownSession.size(),
      TestSupport.scalar(db, "SELECT sum(n) FROM event_counts WHERE session_id = '" + session + "'"));
  }

  @Test
  void aResentIdIsStoredOnceAndAcknowledgedAsDuplicate() throws Exception {
    StorageModule module = start();
    Random rnd = new Random(11);
    RawEvent a = event(0, rnd, SESSIONS[1]);
    RawEvent b = event(3, rnd, SESSIONS[1]);

    // The same event twice, the second time after the first was committed, and in the other form.
    JsonObject first = bus.<JsonObject>request(Addresses.RAW_EVENT, a).await().body();
    assertEquals(new JsonObject().put("id", a.id()).put("committed", true), first);
    JsonObject again = bus.<JsonObject>request(Addresses.RAW_EVENT, new JsonObject(json(a, 1).encode())).await().body();
    assertEquals(new JsonObject().put("id", a.id()).put("committed", true).put("duplicate", true), again);
    // Its id in upper case is the same id.
    JsonObject upper = new JsonObject(json(a, 0).encode()).put("id", a.id().toUpperCase());
    JsonObject third = bus.<JsonObject>request(Addresses.RAW_EVENT, upper).await().body();
    assertEquals(new JsonObject().put("id", a.id()).put("committed", true).put("duplicate", true), third);
    // Fire-and-forget resends are not stored either.
    bus.publish(Addresses.RAW_EVENT, a);

    // The same id twice inside one group: sent back to back, both land in one hand-off.
    Future<Message<JsonObject>> b1 = bus.request(Addresses.RAW_EVENT, b);
    Future<Message<JsonObject>> b2 = bus.request(Addresses.RAW_EVENT, b);
    Future.all(b1, b2).await();
    assertEquals(new JsonObject().put("id", b.id()).put("committed", true), b1.result().body());
    assertEquals(new JsonObject().put("id", b.id()).put("committed", true).put("duplicate", true), b2.result().body());

    await("four duplicates acknowledged").atMost(Duration.ofSeconds(30))
      .until(() -> module.metrics().eventsDuplicate() >= 4);
    List<RawEvent> stored = TestSupport.readEvents(db);
    assertEquals(List.of(a.withoutImage(), b.withoutImage()), stored);
    assertEquals(2, TestSupport.scalar(db, "SELECT sum(n) FROM event_counts"));
    assertEquals(6, module.metrics().eventsReceived());
    assertEquals(2, module.metrics().eventsPersisted());
    assertEquals(4, module.metrics().eventsDuplicate());
    assertEquals(0, module.metrics().uncommitted());
  }

  @Test
  void producerIdsAreKnownForOneToTwoHoursWhetherResentAloneOrAmongNewOnes() throws Exception {
    StorageModule module = start();
    Random rnd = new Random(12);
    List<RawEvent> first = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      first.add(event(i, rnd, SESSIONS[0]));
    }
    // One group of sixty, then one mixing thirty of them (in another order) with thirty new ones.
    Future.all(first.stream().map(e -> bus.<JsonObject>request(Addresses.RAW_EVENT, e)).toList()).await();
    List<RawEvent> mixed = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      mixed.add(first.get(59 - 2 * i));
      mixed.add(event(100 + i, rnd, SESSIONS[0]));
    }
    List<JsonObject> replies = Future.all(mixed.stream().map(e -> bus.<JsonObject>request(Addresses.RAW_EVENT, e)
      .map(Message::body)).toList()).await().list();
    for (int i = 0; i < mixed.size(); i++) {
      assertEquals(i % 2 == 0, replies.get(i).getBoolean("duplicate", false), "reply " + i + ": " + replies.get(i));
    }
    assertEquals(90, module.metrics().eventsPersisted());
    assertEquals(30, module.metrics().eventsDuplicate());

    // The next hour its ids are in the other table: still known.
    RawEvent a = first.get(0);
    clock.set(NOW + 3_600_000L + 1_800_000L);
    JsonObject nextHour = bus.<JsonObject>request(Addresses.RAW_EVENT, a).await().body();
    assertEquals(new JsonObject().put("id", a.id()).put("committed", true).put("duplicate", true), nextHour);
    // Two hours on, the table of its hour has come round again and was emptied: it is stored anew.
    clock.set(NOW + 2 * 3_600_000L + 60_000L);
    JsonObject later = bus.<JsonObject>request(Addresses.RAW_EVENT, a).await().body();
    assertEquals(new JsonObject().put("id", a.id()).put("committed", true), later);
    assertEquals(91, module.metrics().eventsPersisted());
    assertEquals(31, module.metrics().eventsDuplicate());
    assertEquals(91, TestSupport.scalar(db, "SELECT sum(n) FROM event_counts"));
  }

  @Test
  void aRequestIsAnsweredOnlyOnceItsEventIsReadableFromTheDatabase() throws Exception {
    // A longer flush interval leaves a real gap between receipt and commit for an early reply to fall into.
    start(ConfigKeys.WRITE_FLUSH_INTERVAL_MS, 300, ConfigKeys.WINDOW_GRACE_MS, 1200);
    Random rnd = new Random(3);
    Map<String, Long> foundAtReply = new ConcurrentHashMap<>();
    List<Future<JsonObject>> replies = new ArrayList<>();
    for (int i = 0; i < 210; i++) {
      RawEvent e = event(i, rnd, SESSIONS[2]);
      if (i % 5 == 4) {
        e = e.withIds(null, e.sessionId());
      }
      Object body = i % 2 == 0 ? new JsonObject(json(e, i).encode()) : e;
      replies.add(bus.<JsonObject>request(Addresses.RAW_EVENT, body).map(reply -> {
        // In the reply handler itself, before anything else: the event must already be committed.
        String id = reply.body().getString("id");
        foundAtReply.put(id, countById(id));
        return reply.body();
      }));
    }
    Future.all(replies).await();
    assertEquals(210, foundAtReply.size());
    foundAtReply.forEach((id, n) -> assertEquals(1L, n, "event " + id + " was not readable when its reply came"));
    for (Future<JsonObject> f : replies) {
      assertEquals(Set.of("id", "committed"), f.result().fieldNames());
      assertEquals(Boolean.TRUE, f.result().getBoolean("committed"));
    }
    assertEquals(210, TestSupport.readEvents(db).size());
  }

  @Test
  void oddButValidInputIsStoredIntact() throws Exception {
    StorageModule module = start();
    String controls = "tab\there\nnew line\r\u0000NUL\u0001\u0007\u001b[31m\u001f\u007f\u0085\u2028end";
    String unicode = "😀 👩‍👩‍👧‍👦 𝕏𝔶𝕫 𓀀 \uFEFFbom é (e\u0301) 漢字 ㊙";
    String rtl = "مرحبا بالعالم שלום \u202Eevil.exe\u202C \u200F";
    // 4096 UTF-16 chars, the limit, with a surrogate pair at the very end.
    String longest = "x".repeat(4094) + "😀";
    String emptyApp = "";

    List<RawEvent> typed = new ArrayList<>();
    List<JsonObject> jsons = new ArrayList<>();
    List<RawEvent> fromJson = new ArrayList<>();
    String[] titles = {controls, unicode, rtl, longest};
    for (int i = 0; i < titles.length; i++) {
      String t = titles[i];
      typed.add(new RawEvent(uuid(), SESSIONS[0], NOW - 1000 - i, new WindowFocus(t, t, 0, null)));
      typed.add(new RawEvent(uuid(), SESSIONS[0], NOW - 2000 - i, new ProcessEvent(4_294_967_295L, t, ProcessEvent.Change.CRASHED)));
      typed.add(new RawEvent(uuid(), SESSIONS[0], NOW - 3000 - i, new Screenshot(uuid(), ImageFormat.WEBP, null, t, emptyApp,
        new Screenshot.Region(Integer.MIN_VALUE, Integer.MAX_VALUE, 0, 4_294_967_295L), true)));
      RawEvent viaJson = new RawEvent(uuid(), SESSIONS[1], NOW - 4000 - i, new WindowFocus(t, t.length() < 4096 ? "app " + t : "app", 12, 4_294_967_295L));
      fromJson.add(viaJson);
      jsons.add(json(viaJson, i));
    }
    for (RawEvent e : typed) {
      bus.publish(Addresses.RAW_EVENT, e);
    }

    // Unknown extra fields, at the top and inside data and its objects: ignored, the rest stored.
    String idK = uuid();
    JsonObject extra = new JsonObject()
      .put("id", idK).put("session_id", SESSIONS[1]).put("timestamp", NOW - 5000).put("event_type", "keystroke")
      .put("producer", "data-capture 1.2").put("nested", new JsonObject().put("a", new JsonArray().add(1).add("b")))
      .put("data", new JsonObject().put("key_code", 4_294_967_295L)
        .put("modifiers", new JsonObject().put("shift", true).put("ctrl", false).put("alt", true).put("meta", false).put("fn", true))
        .put("scan_code", 30).put("Key_Code", 1));
    fromJson.add(new RawEvent(idK, SESSIONS[1], NOW - 5000, new Keystroke(4_294_967_295L,
      new Keystroke.Modifiers(true, false, true, false), null)));
    jsons.add(extra);

    // Nullable fields: explicitly null, and left out.
    String idNull = uuid();
    jsons.add(new JsonObject().put("id", idNull).put("session_id", SESSIONS[1]).put("timestamp", NOW - 6000)
      .put("event_type", "keystroke").put("data", new JsonObject().put("key_code", 0)
        .put("modifiers", new JsonObject().put("shift", false).put("ctrl", false).put("alt", false).put("meta", false))
        .put("inter_key_interval_ms", null)));
    fromJson.add(new RawEvent(idNull, SESSIONS[1], NOW - 6000, new Keystroke(0, new Keystroke.Modifiers(false, false, false, false), null)));
    String idFocus = uuid();
    jsons.add(new JsonObject().put("id", idFocus).put("session_id", SESSIONS[1]).put("timestamp", NOW - 7000)
      .put("event_type", "window_focus").put("data", new JsonObject().put("window_title", "").put("app_name", "")
        .put("process_id", 4_294_967_295L)));
    fromJson.add(new RawEvent(idFocus, SESSIONS[1], NOW - 7000, new WindowFocus("", "", 4_294_967_295L, null)));

    // Upper-case UUIDs (stored lower case), an ISO timestamp with an offset (stored as UTC), extreme numbers.
    String idUpper = uuid();
    String sidUpper = uuid();
    jsons.add(new JsonObject().put("id", idUpper.toUpperCase()).put("session_id", SESSIONS[2].toUpperCase())
      .put("timestamp", "2026-11-26T11:59:59.999+02:00").put("event_type", "mouse_move")
      .put("data", new JsonObject().put("x", Integer.MIN_VALUE).put("y", Integer.MAX_VALUE).put("velocity", 0)));
    fromJson.add(new RawEvent(idUpper, SESSIONS[2], NOW - 1, new MouseMove(Integer.MIN_VALUE, Integer.MAX_VALUE, 0.0)));
    String idRes = uuid();
    jsons.add(new JsonObject().put("id", idRes).put("session_id", SESSIONS[2]).put("timestamp", NOW - 8000)
      .put("event_type", "resource").put("data", new JsonObject().put("cpu_percent", 1234.5)
        .put("memory_mb", 4_294_967_295L).put("disk_io_mb_per_sec", 0).put("network_io_mb_per_sec", 1e-300)));
    fromJson.add(new RawEvent(idRes, SESSIONS[2], NOW - 8000, new ResourceUsage(1234.5, 4_294_967_295L, 0, 1e-300)));
    String idShot = uuid();
    byte[] png = TestPng.png(300, 1920, 1080, MARKER);
    jsons.add(new JsonObject().put("id", idShot).put("session_id", SESSIONS[2]).put("timestamp", NOW - 9000)
      .put("event_type", "screenshot").put("data", new JsonObject().put("screenshot_id", sidUpper.toUpperCase())
        .put("format", "png").put("image", Base64.getEncoder().encodeToString(png)).put("window_title", unicode)
        .put("app_name", controls).put("screen_region", new JsonObject().put("x", -1920).put("y", 0).put("width", 1920)
          .put("height", 1080)).put("privacy_masked", false).put("thumbnail", "ignored")));
    fromJson.add(new RawEvent(idShot, SESSIONS[2], NOW - 9000, new Screenshot(sidUpper, ImageFormat.PNG, null, unicode,
      controls, new Screenshot.Region(-1920, 0, 1920, 1080), false)));

    for (JsonObject j : jsons) {
      // Through text, as a bridge would deliver it: control characters and NUL survive JSON escaping.
      bus.publish(Addresses.RAW_EVENT, new JsonObject(j.encode()));
    }
    int total = typed.size() + fromJson.size();
    await(total + " events committed").atMost(Duration.ofSeconds(30))
      .until(() -> module.metrics().eventsPersisted() >= total);

    Map<String, RawEvent> expected = new LinkedHashMap<>();
    for (RawEvent e : typed) {
      expected.put(e.id(), e.withoutImage());
    }
    for (RawEvent e : fromJson) {
      expected.put(e.id(), e);
    }
    List<RawEvent> stored = TestSupport.readEvents(db);
    assertEquals(total, stored.size());
    for (RawEvent s : stored) {
      assertEquals(expected.get(s.id()), s.withoutImage(), "stored intact");
    }
    assertEquals(0, module.metrics().deadLetters());
    // The title with NUL is also what the screenshots table keeps.
    try (Connection c = TestSupport.open(db);
         PreparedStatement ps = c.prepareStatement("SELECT app_name, window_title, width, height FROM screenshots WHERE screenshot_id = ?")) {
      ps.setString(1, sidUpper);
      try (ResultSet rs = ps.executeQuery()) {
        assertTrue(rs.next());
        assertEquals(controls, rs.getString(1));
        assertEquals(unicode, rs.getString(2));
        assertEquals(1920, rs.getInt(3));
        assertEquals(1080, rs.getInt(4));
      }
    }
  }

  @Test
  void undeployingRightAfterPublishingCommitsEverythingAccepted() throws Exception {
    // The defaults: commits every second, so the stop, not a timer, has to commit these.
    StorageModule module = TestSupport.deploy(vertx, clock, TestSupport.config(dir));
    Random rnd = new Random(99);
    Set<String> ids = new HashSet<>();
    int n = 5_000;
    for (int i = 0; i < n; i++) {
      RawEvent e = event(i, rnd, SESSIONS[i % SESSIONS.length]);
      ids.add(e.id());
      bus.publish(Addresses.RAW_EVENT, i % 2 == 0 ? json(e, i) : e);
    }
    vertx.undeploy(module.deploymentID()).await();

    JsonObject summary = module.metrics().summary();
    assertEquals(n, summary.getLong("events_received"), summary.encode());
    assertEquals(n, summary.getLong("events_persisted"), summary.encode());
    assertEquals(0, summary.getLong("dropped"), summary.encode());
    assertEquals(0, summary.getLong("dead_letters"), summary.encode());
    // A graceful stop also closes and emits every open window.
    assertEquals(n, summary.getLong("events_batched"), summary.encode());
    List<RawEvent> events = TestSupport.readEvents(db);
    assertEquals(n, events.size());
    assertEquals(n, TestSupport.scalar(db, "SELECT sum(n) FROM event_counts"));
    Set<String> stored = new HashSet<>();
    for (RawEvent e : events) {
      stored.add(e.id());
    }
    assertEquals(ids, stored);
  }

  // ---------------------------------------------------------------- events

  /**
   * The i-th event of a deterministic mix: kind {@code i % 7}, timestamps spread over the ten minutes before
   * the clock's now. Screenshots alternate between a real (tiny) PNG, a masked capture without image and a
   * masked capture with an empty one.
   */
  private static RawEvent event(int i, Random rnd, String session) {
    long ts = NOW - 600_000 + (i * 29L) % 600_000;
    EventData data;
    switch (i % 7) {
      case 0 -> data = new Keystroke(i % 50 == 0 ? 4_294_967_295L : rnd.nextInt(300),
        new Keystroke.Modifiers(rnd.nextBoolean(), rnd.nextBoolean(), rnd.nextBoolean(), rnd.nextBoolean()),
        i % 4 == 0 ? null : (long) rnd.nextInt(5000));
      case 1 -> data = new MouseMove(rnd.nextInt(7680) - 3840, rnd.nextInt(4320) - 2160, rnd.nextDouble() * 5000);
      case 2 -> data = new MouseClick(rnd.nextInt(3840), rnd.nextInt(2160),
        MouseClick.Button.values()[rnd.nextInt(3)], MouseClick.ClickType.values()[rnd.nextInt(3)]);
      case 3 -> data = new WindowFocus("Document " + i + " — Editor", "editor", rnd.nextInt(70_000),
        i % 3 == 0 ? null : (long) rnd.nextInt(600_000));
      case 4 -> {
        int variant = (i / 7) % 3;
        int w = 1 + rnd.nextInt(3840);
        int h = 1 + rnd.nextInt(2160);
        data = switch (variant) {
          case 0 -> new Screenshot(uuid(rnd), ImageFormat.PNG, TestPng.png(120 + rnd.nextInt(200), w, h, MARKER),
            "Inbox (" + i + ")", "mail", new Screenshot.Region(0, 0, w, h), false);
          case 1 -> new Screenshot(uuid(rnd), ImageFormat.WEBP, null, "Bank", "browser", new Screenshot.Region(10, 20, w, h), true);
          default -> new Screenshot(uuid(rnd), ImageFormat.HEIC, new byte[0], "Chat", "chat", new Screenshot.Region(-5, -5, w, h), true);
        };
      }
      case 5 -> data = new ProcessEvent(rnd.nextInt(70_000), "proc-" + i,
        ProcessEvent.Change.values()[rnd.nextInt(3)]);
      default -> data = new ResourceUsage(rnd.nextDouble() * 800, rnd.nextInt(64_000), rnd.nextDouble() * 500,
        rnd.nextDouble() * 100);
    }
    return new RawEvent(uuid(rnd), session, ts, data);
  }

  /**
   * The contract's JSON form of an event, written here rather than by the module's own encoder. Variants
   * cover both timestamp forms (UTC text, text with an offset, epoch ms), both base64 alphabets and an
   * optional field left out versus set to null.
   */
  private static JsonObject json(RawEvent e, int variant) {
    JsonObject j = new JsonObject();
    if (e.id() != null) {
      j.put("id", e.id());
    }
    if (e.sessionId() != null) {
      j.put("session_id", e.sessionId());
    }
    switch (variant % 3) {
      case 0 -> j.put("timestamp", Instant.ofEpochMilli(e.timestampMs()).toString());
      case 1 -> j.put("timestamp", OffsetDateTime.ofInstant(Instant.ofEpochMilli(e.timestampMs()), ZoneOffset.ofHoursMinutes(-5, -30)).toString());
      default -> j.put("timestamp", e.timestampMs());
    }
    j.put("event_type", e.eventType().wireName());
    JsonObject d = new JsonObject();
    EventData data = e.data();
    if (data instanceof Keystroke k) {
      d.put("key_code", k.keyCode()).put("modifiers", new JsonObject().put("shift", k.modifiers().shift())
        .put("ctrl", k.modifiers().ctrl()).put("alt", k.modifiers().alt()).put("meta", k.modifiers().meta()));
      if (k.interKeyIntervalMs() != null || variant % 2 == 0) {
        d.put("inter_key_interval_ms", k.interKeyIntervalMs());
      }
    } else if (data instanceof MouseMove m) {
      d.put("x", m.x()).put("y", m.y()).put("velocity", m.velocity());
    } else if (data instanceof MouseClick c) {
      d.put("x", c.x()).put("y", c.y()).put("button", c.button().name().toLowerCase())
        .put("click_type", c.clickType().name().toLowerCase());
    } else if (data instanceof WindowFocus w) {
      d.put("window_title", w.windowTitle()).put("app_name", w.appName()).put("process_id", w.processId());
      if (w.durationMs() != null || variant % 2 == 0) {
        d.put("duration_ms", w.durationMs());
      }
    } else if (data instanceof Screenshot s) {
      d.put("screenshot_id", s.screenshotId()).put("format", s.format().wireName());
      if (s.image() != null) {
        d.put("image", variant % 2 == 0 ? Base64.getEncoder().encodeToString(s.image())
          : Base64.getUrlEncoder().withoutPadding().encodeToString(s.image()));
      }
      d.put("window_title", s.windowTitle()).put("app_name", s.appName())
        .put("screen_region", new JsonObject().put("x", s.screenRegion().x()).put("y", s.screenRegion().y())
          .put("width", s.screenRegion().width()).put("height", s.screenRegion().height()))
        .put("privacy_masked", s.privacyMasked());
    } else if (data instanceof ProcessEvent p) {
      d.put("process_id", p.processId()).put("process_name", p.processName())
        .put("event_type", p.eventType().name().toLowerCase());
    } else if (data instanceof ResourceUsage r) {
      d.put("cpu_percent", r.cpuPercent()).put("memory_mb", r.memoryMb())
        .put("disk_io_mb_per_sec", r.diskIoMbPerSec()).put("network_io_mb_per_sec", r.networkIoMbPerSec());
    }
    return j.put("data", d);
  }

  private static String uuid(Random rnd) {
    return new UUID(rnd.nextLong(), rnd.nextLong()).toString();
  }

  private static String uuid() {
    return UUID.randomUUID().toString();
  }

  private static long windowStart(long ts) {
    return Math.floorDiv(ts, 30_000L) * 30_000L;
  }

  private static boolean isLowerCaseUuid(String s) {
    return Uuids.isCanonical(s) && s.equals(s.toLowerCase());
  }

  // ---------------------------------------------------------------- the database, read as another module would

  private Map<String, Long> eventCounts() throws SQLException {
    Map<String, Long> out = new TreeMap<>();
    try (Connection c = TestSupport.open(db); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT session_id, window_start_ms, event_type, n FROM event_counts")) {
      while (rs.next()) {
        assertEquals(null, out.put(rs.getString(1) + "|" + rs.getLong(2) + "|" + rs.getString(3), rs.getLong(4)),
          "one row per (session, window, type)");
      }
    }
    return out;
  }

  private Map<String, Long> perType() throws SQLException {
    Map<String, Long> out = new TreeMap<>();
    try (Connection c = TestSupport.open(db); Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT event_type, sum(n) FROM event_counts GROUP BY event_type")) {
      while (rs.next()) {
        out.put(rs.getString(1), rs.getLong(2));
      }
    }
    return out;
  }

  /** Plain JDBC, a fresh connection: how often a reader finds this id among the committed events right now. */
  private long countById(String id) {
    try {
      return TestSupport.readEvents(db).stream().filter(e -> e.id().equals(id)).count();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
