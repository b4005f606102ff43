package dev.skellyjelly.storage.codecs;

import static dev.skellyjelly.storage.codecs.JsonFormTest.ID;
import static dev.skellyjelly.storage.codecs.JsonFormTest.IDS;
import static dev.skellyjelly.storage.codecs.JsonFormTest.IMAGE;
import static dev.skellyjelly.storage.codecs.JsonFormTest.SESSION;
import static dev.skellyjelly.storage.codecs.JsonFormTest.SHOT;
import static dev.skellyjelly.storage.codecs.JsonFormTest.TS;
import static dev.skellyjelly.storage.codecs.JsonFormTest.VARIANTS;
import static dev.skellyjelly.storage.codecs.JsonFormTest.WINDOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The published JSON form of a batch ({@link JsonBatch}) reads exactly as the batch built eagerly, is
 * read-only at every level, reaches each local consumer as a plain object that shares it, and costs nothing
 * per event to publish or to copy. A consumer that wants to change it copies it.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 30, timeUnit = TimeUnit.SECONDS)
class JsonBatchTest {

  static final String ADDRESS = "test.json-batch";

  static final List<ScreenshotRef> REFS = List.of(
    new ScreenshotRef(SHOT, TS, ImageFormat.PNG, IMAGE.length, 1920, 1080, ScreenshotStorage.MEMORY),
    new ScreenshotRef(ID, TS + 1, ImageFormat.WEBP, 6_000_000L, 3840, 2160, ScreenshotStorage.DELETED));
  static final String REFS_TEXT = "[{\"screenshot_id\":\"" + SHOT + "\",\"timestamp\":\"2026-11-26T10:00:00.123Z\","
    + "\"format\":\"png\",\"size_bytes\":5,\"width\":1920,\"height\":1080,\"storage\":\"memory\"},"
    + "{\"screenshot_id\":\"" + ID + "\",\"timestamp\":\"2026-11-26T10:00:00.124Z\",\"format\":\"webp\","
    + "\"size_bytes\":6000000,\"width\":3840,\"height\":2160,\"storage\":\"deleted\"}]";

  /** Every event type with optional and nullable fields set and not, each with every combination of ids. */
  static final List<RawEvent> EVENTS = JsonFormTest.allEvents();
  /** Those of {@link #EVENTS} that could be committed: a window's list holds only such (their wire form). */
  static final List<RawEvent> COMMITTABLE = EVENTS.stream().filter(JsonBatchTest::hasWireForm).toList();

  private static boolean hasWireForm(RawEvent e) {
    try {
      WireFormat.writeEvent(Buffer.buffer(), e, true);
      return true;
    } catch (NullPointerException missing) {
      return false;
    }
  }

  /** The exact text of the first event of {@link #mixedBatch()} with its shift key released. */
  static final String FIRST_EVENT_UNSHIFTED = "{\"id\":\"" + ID + "\",\"session_id\":\"" + SESSION + "\","
    + "\"timestamp\":\"2026-11-26T10:00:00.123Z\",\"event_type\":\"keystroke\",\"data\":{\"key_code\":65,"
    + "\"modifiers\":{\"shift\":false,\"ctrl\":false,\"alt\":true,\"meta\":false},\"inter_key_interval_ms\":120}}";

  static EventBatch mixedBatch() {
    return new EventBatch(WINDOW, SESSION, TS - 123, TS - 123 + 30_000, 1, 2, true, false, EVENTS, REFS);
  }

  /** The exact text of {@link #mixedBatch()}, spelled out event by event. */
  static String mixedBatchText() {
    List<String> events = new ArrayList<>();
    for (int i = 0; i < EVENTS.size(); i++) {
      JsonFormTest.Variant v = VARIANTS.get(i / IDS.length);
      String[] ids = IDS[i % IDS.length];
      events.add(JsonFormTest.envelopeText(ids[0], ids[1], v, v.batchText()));
    }
    return "{\"window_id\":\"" + WINDOW + "\",\"session_id\":\"" + SESSION + "\","
      + "\"window_start\":\"2026-11-26T10:00:00.000Z\",\"window_end\":\"2026-11-26T10:00:30.000Z\","
      + "\"part\":1,\"parts\":2,\"late\":true,\"replayed\":false,\"paused_ms\":0,"
      + "\"events\":[" + String.join(",", events) + "],\"screenshot_refs\":" + REFS_TEXT + "}";
  }

  /**
   * The batch as a plain object over an ordinary map, its events an ArrayList of each event's object, its
   * screenshot refs an ArrayList of changeable objects.
   */
  static JsonObject listedEagerly(EventBatch b, Function<RawEvent, JsonObject> event) {
    JsonObject json = new JsonObject(new LinkedHashMap<>(EventJson.encode(b).getMap()));
    List<Object> events = new ArrayList<>();
    for (RawEvent e : b.events()) {
      events.add(event.apply(e));
    }
    List<Object> refs = new ArrayList<>();
    for (ScreenshotRef r : b.screenshotRefs()) {
      refs.add(EventJson.encode(r));
    }
    // Replacing the value of a present key keeps the key's place.
    json.put("events", new JsonArray(events)).put("screenshot_refs", new JsonArray(refs));
    return json;
  }

  /** The mixed batch built eagerly, every event's object made now and changeable. */
  static JsonObject eager() {
    return listedEagerly(mixedBatch(), JsonForm.BATCH_EVENT::build);
  }

  static JsonObject event(JsonObject batch, int i) {
    return batch.getJsonArray("events").getJsonObject(i);
  }

  // ---------------------------------------------------------------- reads

  @Test
  void aMixedBatchReadsExactlyAsTheEagerlyListedOne() {
    EventBatch b = mixedBatch();
    String text = mixedBatchText();
    List<Consumer<JsonObject>> firstReads = List.of(JsonObject::encode, JsonObject::copy, JsonObject::hashCode,
      j -> j.getJsonArray("events").getJsonObject(7), j -> j.getJsonArray("events").forEach(e -> { }), j -> { });
    for (Consumer<JsonObject> firstRead : firstReads) {
      JsonObject lazy = EventJson.encode(b);
      assertInstanceOf(JsonBatch.class, lazy);
      firstRead.accept(lazy);
      for (JsonObject eager : List.of(listedEagerly(b, JsonForm.BATCH_EVENT::buildReadOnly),
          listedEagerly(b, JsonForm.BATCH_EVENT::build))) {
        assertEquals(text, eager.encode());
        assertEquals(text, lazy.encode());
        assertEquals(text, lazy.toBuffer().toString());
        // A copy shares the content: a plain object that reads as the published text, in the same order.
        assertEquals(text, lazy.copy().encode());
        assertEquals(JsonObject.class, lazy.copy().getClass());
        assertSame(lazy.getMap(), lazy.copy().getMap());
        assertEquals(new JsonObject(text), lazy.copy());
        assertEquals(new JsonObject(eager.getMap()), lazy.copy());
        assertEquals(List.copyOf(eager.fieldNames()), List.copyOf(lazy.copy().fieldNames()));
        assertEquals(JsonFormTest.shape(eager), JsonFormTest.shape(lazy.copy()));
        // The eager object's list is an ordinary one, copied as Vert.x copies it (into hash maps): still equal.
        assertEquals(eager.copy(), lazy.copy());
        assertEquals(ArrayList.class, eager.copy().getJsonArray("events").getList().getClass());
        assertEquals(List.copyOf(eager.fieldNames()), List.copyOf(lazy.fieldNames()));
        // The published object is of its own class: its map compares with plain objects.
        assertEquals(eager, new JsonObject(lazy.getMap()));
        assertEquals(new JsonObject(lazy.getMap()), eager);
        assertEquals(eager.hashCode(), lazy.hashCode());
        assertEquals(eager.getJsonArray("events"), lazy.getJsonArray("events"));
        assertEquals(lazy.getJsonArray("events"), eager.getJsonArray("events"));
        assertEquals(eager.getJsonArray("events").getList(), lazy.getJsonArray("events").getList());
        assertEquals(lazy.getJsonArray("events").getList(), eager.getJsonArray("events").getList());
        assertEquals(eager.getJsonArray("events").getList().hashCode(),
          lazy.getJsonArray("events").getList().hashCode());
        assertEquals(eager.getJsonArray("events").getList().toString(),
          lazy.getJsonArray("events").getList().toString());
      }
      assertEquals(text, lazy.encode());
    }
  }

  @Test
  void eventsMeasuredAsTheyAreGatheredTellTheirTextsLengthUntilTheyChange() {
    MeasuredEvents gathered = new MeasuredEvents();
    gathered.addAll(COMMITTABLE);
    // Every type, with and without ids and sessions, reads back as it was added.
    assertEquals(EnumSet.allOf(EventType.class), COMMITTABLE.stream().map(RawEvent::eventType)
      .collect(Collectors.toCollection(() -> EnumSet.noneOf(EventType.class))));
    assertEquals(COMMITTABLE, gathered);
    int n = COMMITTABLE.size();
    // Each event's text as a batch's byte text (toBuffer) has it: the events' array without brackets and commas.
    assertEquals(bytes(COMMITTABLE), textBytes(EventBatch.handOver(gathered)));
    assertEquals(bytes(COMMITTABLE), textBytes(EventBatch.handOver(gathered.subList(0, 5)))
      + textBytes(EventBatch.handOver(gathered.subList(5, n))));
    assertEquals(bytes(COMMITTABLE.subList(5, n)), textBytes(EventBatch.handOver(gathered.subList(5, n))));
    assertEquals(0, textBytes(EventBatch.handOver(gathered.subList(3, 3))));
    // Events not measured, and a part whose list changed after it was taken, are counted the long way.
    assertEquals(-1, textBytes(EventBatch.handOver(new ArrayList<>(COMMITTABLE))));
    List<RawEvent> part = gathered.subList(0, 5);
    gathered.remove(n - 1);
    assertEquals(-1, textBytes(EventBatch.handOver(part)));
    // Taking events out keeps each remaining one's measure with it.
    MeasuredEvents fewer = new MeasuredEvents(COMMITTABLE);
    fewer.removeIf(e -> e.equals(COMMITTABLE.get(0)) || e.equals(COMMITTABLE.get(n / 2)));
    List<RawEvent> left = new ArrayList<>(COMMITTABLE);
    left.remove(n / 2);
    left.remove(0);
    assertEquals(left, fewer);
    assertEquals(-1, textBytes(EventBatch.handOver(left)));
    assertEquals(EventJson.encode(new EventBatch(WINDOW, SESSION, TS, TS + 30_000, 0, 1, false, false, left, REFS))
      .toBuffer().length(), EventJson.encode(new EventBatch(WINDOW, SESSION, TS, TS + 30_000, 0, 1, false, false,
        EventBatch.handOver(fewer), REFS)).toBuffer().length());
    assertEquals(bytes(left), textBytes(EventBatch.handOver(fewer)));
  }

  /** The last list a measure below made, kept so that nothing it allocates can be optimised away. */
  private static List<RawEvent> kept;

  @Test
  void aWindowsMeasuredListCostsNoMoreThanTheBatcherCountsForIt() {
    // The batcher records up to 20 000 windows at HeldCost.WINDOW (400 bytes) each, their empty lists included, and
    // counts a list's events at its heldBytes: with a producer that starts a session for every event, most hold one.
    // An empty list holds no arrays; one of one event, the event packed in it, allocates no more than it counts.
    RawEvent event = COMMITTABLE.get(0);
    long empty = Allocated.bytes(() -> kept = new MeasuredEvents());
    long one = Allocated.bytes(() -> {
      MeasuredEvents list = new MeasuredEvents();
      list.add(event);
      kept = list;
    });
    long counted = ((MeasuredEvents) kept).heldBytes();
    assertTrue(empty <= 48, "an empty list allocates " + empty + " bytes");
    assertTrue(one <= counted, "a list of one event allocates " + one + " bytes and counts " + counted);
    assertTrue(counted <= 400, "a list of one event counts " + counted + " bytes");
    assertEquals(List.of(event), kept);
  }

  @Test
  void aWindowOfThirtyThousandEventsIsPackedInAFractionOfTheirObjects() {
    // 30 000 mouse moves and keystrokes with their ids, as a window at 1 000 events/s holds them.
    MeasuredEvents window = new MeasuredEvents();
    List<RawEvent> added = new ArrayList<>();
    for (int i = 0; i < 30_000; i++) {
      RawEvent e = new RawEvent(Uuids.random(), SESSION, TS + i, i % 3 == 0
        ? new Keystroke(30 + i % 40, Keystroke.Modifiers.ofBits(i), i % 2 == 0 ? null : (long) i)
        : new MouseMove(i % 1920, i % 1080, i * 0.25));
      window.add(e);
      added.add(e);
    }
    assertEquals(added, window);
    assertTrue(window.heldBytes() < 60L * 30_000, "held " + window.heldBytes() + " bytes");
    // Every event reads back with the list's session string itself: no copy of it per event.
    assertSame(SESSION, window.get(29_999).sessionId());
    window.clear();
    assertEquals(List.of(), window);
    assertTrue(window.heldBytes() < 64, "held " + window.heldBytes() + " bytes once cleared");
  }

  @Test
  void aWindowKeepsEveryStringAsItWasGiven() {
    // Lone surrogates (UTF-8 would make them '?'), characters beyond the BMP, ids and sessions that are not UUID text
    // or not lower-case, and a second session: each event reads back equal, and the text measured is the text written.
    List<RawEvent> given = List.of(
      new RawEvent(ID, SESSION, TS, new ProcessEvent(9, "lone \uD800 high and \uDC00 low", ProcessEvent.Change.STARTED)),
      new RawEvent("not-a-uuid", "Sé😀", TS + 1, new WindowFocus("日本語 😀 \uDBFF", "\uDFFF", 1, 2L)),
      new RawEvent(ID.toUpperCase(java.util.Locale.ROOT), SESSION.toUpperCase(java.util.Locale.ROOT), TS + 2,
        new MouseMove(1, 2, 0.5)),
      new RawEvent(null, SESSION, TS + 3, new Screenshot(SHOT, ImageFormat.PNG, null, "\uD83D", "app",
        new Screenshot.Region(0, 0, 10, 10), false)));
    MeasuredEvents window = new MeasuredEvents(given);
    assertEquals(given, window);
    assertEquals(bytes(given), textBytes(EventBatch.handOver(window)));
  }

  @Test
  void aWindowsEventsAreWrittenFromTheirPackedBytesAsTheTextOfTheirRecords() throws IOException {
    // Every committable variant with every combination of ids, the same with a second session (its bits packed, not
    // implied), and events whose ids are kept as text: the writer's text is Vert.x's text of the same records.
    List<RawEvent> given = new ArrayList<>(COMMITTABLE);
    String other = "0b7e7c9a-4a9e-4bd7-9c59-6f0e0c3b2a10";
    COMMITTABLE.forEach(e -> given.add(e.withIds(e.id(), e.sessionId() == null ? null : other)));
    given.add(new RawEvent("not-a-uuid", SESSION, TS, new MouseMove(-3, 4, 1.0E-7)));
    given.add(new RawEvent(ID, SESSION.toUpperCase(java.util.Locale.ROOT), TS, new MouseClick(1, 2,
      MouseClick.Button.RIGHT, MouseClick.ClickType.DOUBLE)));
    MeasuredEvents window = new MeasuredEvents(given);
    assertEquals(vertxText(given), writerText(window));
    int n = given.size();
    assertEquals(vertxText(given.subList(3, n - 2)), writerText(window.subList(3, n - 2)));
    assertTrue(writerText(window).contains("\"session_id\":\"" + other + "\""), "the second session is written");
  }

  @Test
  void packedEventsAtTheEdgesOfTheirValuesAreWrittenAsTheTextOfTheirRecords() throws IOException {
    // Sessions implied by the list's first event that are not UUIDs (with a quote, beyond ASCII), times outside the
    // years 0 to 9999 and at a second's edges, numbers at their bounds, velocities that are not finite, and enough
    // events for the generator's buffer to fill up many times between them.
    long yearMinus1 = -62_167_219_200_001L;
    long year10000 = 253_402_300_800_000L;
    for (String session : List.of(SESSION, "a \"quoted\" session\\", "séance-ü-😀", "")) {
      List<RawEvent> given = new ArrayList<>();
      long[] times = {TS, TS + 999, TS + 1000, -1, 0, yearMinus1, year10000, year10000 - 1, TS};
      double[] velocities = {0.0, -0.0, 1.0E-7, 3.4028234663852886E38, Double.NaN, Double.POSITIVE_INFINITY,
        Double.NEGATIVE_INFINITY, Double.MIN_VALUE, 812.5};
      for (int i = 0; i < 600; i++) {
        long at = times[i % times.length] + i / times.length;
        String id = i % 7 == 0 ? null : new java.util.UUID(i * 0x9E3779B97F4A7C15L, ~i).toString();
        EventData data = switch (i % 3) {
          case 0 -> new Keystroke(i % 2 == 0 ? 4_294_967_295L : i, Keystroke.Modifiers.ofBits(i & 15),
            i % 5 == 0 ? null : (long) i * 1_000_003 % 4_294_967_296L);
          case 1 -> new MouseMove(i % 2 == 0 ? Integer.MIN_VALUE : -i, i % 4 == 0 ? Integer.MAX_VALUE : i,
            velocities[i % velocities.length]);
          default -> new MouseClick(-i, i * 31, MouseClick.Button.values()[i / 3 % MouseClick.Button.values().length],
            MouseClick.ClickType.values()[i / 5 % MouseClick.ClickType.values().length]);
        };
        given.add(new RawEvent(id, i % 11 == 5 ? null : session, at, data));
      }
      MeasuredEvents window = new MeasuredEvents(given);
      assertEquals(vertxText(given), writerText(window), session);
    }
  }

  @Test
  void aWindowsScreenshotsAreFoundWithoutReadingItsOtherEventsBack() {
    List<RawEvent> given = new ArrayList<>(COMMITTABLE);
    String other = "0b7e7c9a-4a9e-4bd7-9c59-6f0e0c3b2a10";
    given.add(new RawEvent("not-a-uuid", other, TS, new Screenshot(other, ImageFormat.PNG, null, "t", "a",
      new Screenshot.Region(0, 0, 1, 1), true)));
    MeasuredEvents window = new MeasuredEvents(given);
    List<Screenshot> expected = given.stream().map(RawEvent::data).filter(Screenshot.class::isInstance)
      .map(Screenshot.class::cast).toList();
    assertEquals(5, expected.size(), "every id combination of the screenshot variant, and one with a text id");
    assertEquals(expected, MeasuredEvents.screenshots(EventBatch.handOver(window)));
    assertEquals(expected, MeasuredEvents.screenshots(EventBatch.handOver(new ArrayList<>(given))));
    int n = given.size();
    assertEquals(List.of(expected.get(4)), MeasuredEvents.screenshots(EventBatch.handOver(window.subList(n - 1, n))));
    assertEquals(List.of(), MeasuredEvents.screenshots(EventBatch.handOver(window.subList(0, 4))));
  }

  /** The events' array as a batch's text carries it, written element by element by {@link JsonArrayWriter}. */
  private static String writerText(List<RawEvent> events) throws IOException {
    JsonArrayWriter writer = new JsonArrayWriter(EventJson.encode(new EventBatch(WINDOW, SESSION, TS, TS + 30_000, 0,
      1, false, false, EventBatch.handOver(events), List.of())).getJsonArray("events"));
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (com.fasterxml.jackson.core.JsonGenerator gen = com.fasterxml.jackson.core.JsonFactory.builder().build()
      .createGenerator(out)) {
      gen.writeStartArray();
      while (writer.hasNext()) {
        writer.writeNext(gen);
      }
      gen.writeEndArray();
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** What Vert.x writes for the events' array of a batch of the same records in an ordinary list. */
  private static String vertxText(List<RawEvent> events) {
    return EventJson.encode(new EventBatch(WINDOW, SESSION, TS, TS + 30_000, 0, 1, false, false,
      new ArrayList<>(events), List.of())).getJsonArray("events").toBuffer().toString(StandardCharsets.UTF_8);
  }

  @Test
  void anEventWithoutARequiredFieldIsRefusedAndTheListStaysAsItWas() {
    MeasuredEvents list = new MeasuredEvents(COMMITTABLE.subList(0, 3));
    RawEvent missing = EVENTS.stream().filter(e -> !hasWireForm(e)).findFirst().orElseThrow();
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> list.add(missing));
    assertTrue(refused.getMessage().contains(missing.eventType().wireName()), refused.getMessage());
    assertEquals(COMMITTABLE.subList(0, 3), list);
    list.add(COMMITTABLE.get(3));
    assertEquals(COMMITTABLE.subList(0, 4), list);
  }

  private static long bytes(List<RawEvent> events) {
    Buffer all = EventJson.encode(new EventBatch(WINDOW, SESSION, TS, TS + 30_000, 0, 1, false, false, events,
      List.of())).toBuffer();
    String text = all.toString(StandardCharsets.ISO_8859_1);
    int from = text.indexOf("\"events\":[") + 10;
    return text.indexOf("],\"screenshot_refs\":[]}") - from - Math.max(0, events.size() - 1);
  }

  private static long textBytes(List<RawEvent> events) {
    return JsonBatch.eventsTextBytes(EventJson.encode(new EventBatch(WINDOW, SESSION, TS, TS + 30_000, 0, 1, false,
      false, events, REFS)).getJsonArray("events"));
  }

  @Test
  void decodeBatchReadsBackAMixedBatch() {
    List<RawEvent> events = new ArrayList<>();
    // Every variant the decoder takes as a stored event (its required fields present), with every ids.
    for (int v : new int[] {0, 2, 3, 4, 6, 8, 11, 13}) {
      for (String[] ids : IDS) {
        events.add(new RawEvent(ids[0], ids[1], TS + events.size(), VARIANTS.get(v).data()));
      }
    }
    EventBatch b = new EventBatch(WINDOW, SESSION, TS - 123, TS - 123 + 30_000, 1, 2, true, false, events, REFS);
    EventBatch want = new EventBatch(WINDOW, SESSION, TS - 123, TS - 123 + 30_000, 1, 2, true, false,
      events.stream().map(RawEvent::withoutImage).collect(Collectors.toList()), REFS);
    assertEquals(want, EventJson.decodeBatch(listedEagerly(b, JsonForm.BATCH_EVENT::build)));
    JsonObject lazy = EventJson.encode(b);
    assertEquals(want, EventJson.decodeBatch(lazy));
    assertEquals(want, EventJson.decodeBatch(lazy.copy()));
    assertEquals(want, EventJson.decodeBatch(lazy.copy().copy()));
    assertEquals(want, EventJson.decodeBatch(new JsonObject(lazy.encode())));
    assertEquals(want, EventJson.decodeBatch(new JsonObject(lazy.toBuffer())));
  }

  @Test
  void anEmptyBatchHasAnEmptyArray() {
    EventBatch empty = new EventBatch(WINDOW, SESSION, TS - 123, TS - 123 + 30_000, 0, 1, false, false, List.of(),
      List.of());
    JsonObject json = EventJson.encode(empty);
    JsonArray events = json.getJsonArray("events");
    assertEquals(new JsonArray(), events);
    assertEquals(0, events.size());
    assertEquals("[]", events.encode());
    assertTrue(json.encode().contains(",\"events\":[],\"screenshot_refs\":[]}"), json.encode());
    assertEquals(empty, EventJson.decodeBatch(json));
    IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> events.getJsonObject(0));
    assertEquals("Index 0 out of bounds for length 0", e.getMessage());
  }

  // ---------------------------------------------------------------- read-only

  /** Every way to change the batch's object or one of its arrays, each of which must throw. */
  static Map<String, Consumer<JsonObject>> changes() {
    JsonObject added = new JsonObject().put("added", true);
    Map<String, Consumer<JsonObject>> m = new LinkedHashMap<>();
    m.put("put", b -> b.put("late", false));
    m.put("put new", b -> b.put("added", "top"));
    m.put("remove", b -> b.remove("late"));
    m.put("remove absent", b -> b.remove("absent"));
    m.put("clear", JsonObject::clear);
    m.put("mergeIn", b -> b.mergeIn(new JsonObject().put("a", 1)));
    m.put("iterator remove", b -> {
      Iterator<Map.Entry<String, Object>> it = b.iterator();
      it.next();
      it.remove();
    });
    m.put("entry setValue", b -> b.getMap().entrySet().iterator().next().setValue("x"));
    m.put("fieldNames remove", b -> b.fieldNames().remove("part"));
    m.put("events add", b -> b.getJsonArray("events").add(added));
    m.put("events add at", b -> b.getJsonArray("events").add(0, added));
    m.put("events addAll of nothing", b -> b.getJsonArray("events").addAll(new JsonArray()));
    m.put("events remove at", b -> b.getJsonArray("events").remove(3));
    m.put("events remove an equal object", b -> b.getJsonArray("events").remove(event(eager(), 2)));
    m.put("events set", b -> b.getJsonArray("events").set(1, "x"));
    m.put("events clear", b -> b.getJsonArray("events").clear());
    m.put("events iterator remove", b -> {
      Iterator<Object> it = b.getJsonArray("events").iterator();
      it.next();
      it.remove();
    });
    m.put("events sort", b -> b.getJsonArray("events").getList().sort(Comparator.comparing(String::valueOf)));
    m.put("events shuffle", b -> Collections.shuffle(b.getJsonArray("events").getList()));
    m.put("events removeIf nothing", b -> b.getJsonArray("events").getList().removeIf(o -> false));
    m.put("events subList clear", b -> b.getJsonArray("events").getList().subList(2, 6).clear());
    m.put("event put", b -> event(b, 40).put("extra", 1));
    m.put("event remove", b -> event(b, 52).remove("timestamp"));
    m.put("data put", b -> event(b, 9).getJsonObject("data").put("velocity", 1.5));
    m.put("modifiers put", b -> event(b, 0).getJsonObject("data").getJsonObject("modifiers").put("shift", false));
    m.put("region put", b -> event(b, 32).getJsonObject("data").getJsonObject("screen_region").put("x", 7));
    m.put("refs add", b -> b.getJsonArray("screenshot_refs").add(added));
    m.put("ref put", b -> b.getJsonArray("screenshot_refs").getJsonObject(0).put("storage", "disk"));
    return m;
  }

  @Test
  void everyLevelOfThePublishedFormAndOfAConsumersCopyIsReadOnly() {
    String text = mixedBatchText();
    JsonObject published = EventJson.encode(mixedBatch());
    JsonObject received = published.copy();
    for (JsonObject b : List.of(published, received)) {
      for (Map.Entry<String, Consumer<JsonObject>> c : changes().entrySet()) {
        assertThrows(UnsupportedOperationException.class, () -> c.getValue().accept(b), c.getKey());
      }
      assertEquals(text, b.encode());
    }
    assertEquals(eager(), received);
  }

  // ---------------------------------------------------------------- through the event bus

  @Test
  void eachLocalConsumerGetsAPlainObjectEqualToTheEagerFormAndCopiesItToChangeIt(Vertx vertx) throws Exception {
    CompletableFuture<JsonObject> first = new CompletableFuture<>();
    CompletableFuture<JsonObject> second = new CompletableFuture<>();
    vertx.eventBus().<JsonObject>consumer(ADDRESS, m -> first.complete(m.body()))
      .completion().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    vertx.eventBus().<JsonObject>localConsumer(ADDRESS, m -> second.complete(m.body()))
      .completion().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    String text = mixedBatchText();
    JsonObject published = EventJson.encode(mixedBatch());

    vertx.eventBus().publish(ADDRESS, published);
    JsonObject a = first.get(10, TimeUnit.SECONDS);
    JsonObject b = second.get(10, TimeUnit.SECONDS);

    assertNotSame(a, b);
    for (JsonObject got : List.of(a, b)) {
      assertNotSame(published, got);
      assertSame(JsonObject.class, got.getClass());
      assertSame(JsonArray.class, got.getJsonArray("events").getClass());
      assertSame(JsonObject.class, event(got, 0).getClass());
      assertEquals(eager(), got);
      assertEquals(got, eager());
      assertEquals(eager().hashCode(), got.hashCode());
      assertEquals(text, got.encode());
      assertEquals(JsonFormTest.shape(eager()), JsonFormTest.shape(got));
      // Not a copy: the consumers share the published content, which nobody can change.
      assertSame(published.getMap(), got.getMap());
      assertThrows(UnsupportedOperationException.class, () -> got.put("late", false));
    }

    // A consumer that wants to change it makes its own copy, by copy() or from the text.
    Consumer<JsonObject> change = o -> {
      event(o, 0).getJsonObject("data").getJsonObject("modifiers").put("shift", false);
      event(o, 40).put("extra", 1);
      event(o, 32).getJsonObject("data").getJsonObject("screen_region").put("x", 7);
      o.getJsonArray("events").remove(55);
      o.getJsonArray("screenshot_refs").getJsonObject(0).put("storage", "disk");
      o.put("late", false).put("added", "top");
    };
    JsonObject changed = eager();
    change.accept(changed);
    assertNotEquals(eager(), changed);
    JsonObject copied = a.copy();
    JsonObject parsed = new JsonObject(a.encode());
    for (JsonObject own : List.of(copied, parsed)) {
      assertEquals(eager(), own);
      change.accept(own);
      assertEquals(changed, own);
      assertEquals(new JsonObject(FIRST_EVENT_UNSHIFTED), event(own, 0));
    }
    // From the text, the copy keeps the published key order; copy() makes hash maps, as Vert.x copies any map.
    assertEquals(changed.encode(), parsed.encode());
    assertEquals(FIRST_EVENT_UNSHIFTED, event(parsed, 0).encode());
    assertEquals(new JsonObject(changed.encode()), new JsonObject(copied.encode()));

    // Neither the other consumer nor the published object sees any of it.
    assertEquals(text, a.encode());
    assertEquals(text, b.encode());
    assertEquals(text, published.encode());
  }

  // ---------------------------------------------------------------- cost

  @Test
  void publishingABatchOf30000EventsAllocatesNothingPerEvent() {
    List<RawEvent> events = Allocated.window(EVENTS);
    EventBatch batch = JsonFormTest.batchOf(events);
    EventBatch small = JsonFormTest.batchOf(events.subList(0, 10));
    long large = Allocated.bytes(() -> assertEquals(30_000, EventJson.encode(batch).getJsonArray("events").size()));
    long few = Allocated.bytes(() -> assertEquals(10, EventJson.encode(small).getJsonArray("events").size()));
    String figures = "encode(batch) allocated " + large + " bytes for 30 000 events, " + few + " for 10";
    assertTrue(large < 64 << 10, figures);
    // Nothing grows with the number of events (a word per event would be 120 KB).
    assertTrue(large - few < 1024, figures);
  }

  @Test
  void copyingAPublishedBatchOf30000EventsAllocatesNothingPerEvent() {
    List<RawEvent> events = Allocated.window(EVENTS);
    JsonObject published = EventJson.encode(JsonFormTest.batchOf(events));
    JsonObject small = EventJson.encode(JsonFormTest.batchOf(events.subList(0, 10)));
    long large = Allocated.bytes(() -> assertEquals(30_000, published.copy().getJsonArray("events").size()));
    long few = Allocated.bytes(() -> assertEquals(10, small.copy().getJsonArray("events").size()));
    // Once every event was read (by an encoder, say), a copy still makes none.
    assertTrue(published.encode().endsWith("}],\"screenshot_refs\":[]}"));
    long afterRead = Allocated.bytes(() -> assertEquals(30_000, published.copy().getJsonArray("events").size()));
    String figures = "copy() allocated " + large + " bytes for 30 000 events, " + few + " for 10, "
      + afterRead + " for 30 000 once read";
    assertTrue(large < 64 << 10, figures);
    assertTrue(afterRead < 64 << 10, figures);
    // Nothing grows with the number of events (a word per event would be 120 KB).
    assertTrue(large - few < 1024, figures);
    assertTrue(afterRead - few < 1024, figures);
  }
}
