package dev.skellyjelly.storage.codecs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * A batch's events are {@link JsonView}s: they read exactly as the eager {@link EventJson#encode(RawEvent)}
 * of the event without its image (keys, order, values and their Java types), behave as complete mutable
 * maps, and cost almost nothing to publish.
 */
class JsonViewTest {

  static final String ID = "8a6f0c1e-1111-4a2b-8c3d-0123456789ab";
  static final String SESSION = "5b1d2c3e-2222-4b3c-9d4e-abcdefabcdef";
  static final String SHOT = "c0ffee00-3333-4c4d-8e5f-00112233aabb";
  static final String WINDOW = "0d0e0f00-4444-4a2b-8c3d-0123456789ab";
  static final String TS_TEXT = "2026-11-26T10:00:00.123Z";
  static final long TS = 1_795_687_200_123L;
  /** Bytes whose base64url has both '-' and '_' and would need padding. */
  static final byte[] IMAGE = {1, 2, 3, (byte) 0xfb, (byte) 0xff};
  static final String IMAGE_FIELD = "\"image\":\"AQID-_8\",";

  /** One data variant: the record, its type's wire name, its exact JSON text and key order with value types. */
  record Variant(EventData data, String type, String text, String shape) {

    /** The text and shape a batch carries: the same, without the image. */
    String batchText() {
      return text.replace(IMAGE_FIELD, "");
    }

    String batchShape() {
      return shape.replace("image:String ", "");
    }
  }

  /** Every event type, with optional and nullable fields both set and not. */
  static final List<Variant> VARIANTS = List.of(
    new Variant(new Keystroke(65, new Keystroke.Modifiers(true, false, true, false), 120L), "keystroke",
      "{\"key_code\":65,\"modifiers\":{\"shift\":true,\"ctrl\":false,\"alt\":true,\"meta\":false},"
        + "\"inter_key_interval_ms\":120}",
      "{key_code:Long modifiers:{shift:Boolean ctrl:Boolean alt:Boolean meta:Boolean} inter_key_interval_ms:Long}"),
    new Variant(new Keystroke(4_294_967_295L, null, null), "keystroke",
      "{\"key_code\":4294967295,\"inter_key_interval_ms\":null}",
      "{key_code:Long inter_key_interval_ms:null}"),
    new Variant(new MouseMove(-5, Integer.MAX_VALUE, 812.5), "mouse_move",
      "{\"x\":-5,\"y\":2147483647,\"velocity\":812.5}",
      "{x:Integer y:Integer velocity:Double}"),
    new Variant(new MouseMove(0, 0, 0.0), "mouse_move",
      "{\"x\":0,\"y\":0,\"velocity\":0.0}",
      "{x:Integer y:Integer velocity:Double}"),
    new Variant(new MouseClick(Integer.MIN_VALUE, 20, MouseClick.Button.RIGHT, MouseClick.ClickType.DOUBLE),
      "mouse_click",
      "{\"x\":-2147483648,\"y\":20,\"button\":\"right\",\"click_type\":\"double\"}",
      "{x:Integer y:Integer button:String click_type:String}"),
    new Variant(new MouseClick(1, 2, null, null), "mouse_click",
      "{\"x\":1,\"y\":2,\"button\":null,\"click_type\":null}",
      "{x:Integer y:Integer button:null click_type:null}"),
    new Variant(new WindowFocus("Inbox — Mail ✉", "Mail", 4_294_967_295L, 15_000L), "window_focus",
      "{\"window_title\":\"Inbox — Mail ✉\",\"app_name\":\"Mail\",\"process_id\":4294967295,\"duration_ms\":15000}",
      "{window_title:String app_name:String process_id:Long duration_ms:Long}"),
    new Variant(new WindowFocus(null, "", 0, null), "window_focus",
      "{\"window_title\":null,\"app_name\":\"\",\"process_id\":0,\"duration_ms\":null}",
      "{window_title:null app_name:String process_id:Long duration_ms:null}"),
    new Variant(new Screenshot(SHOT, ImageFormat.PNG, IMAGE, "Report.docx", "Word",
      new Screenshot.Region(-1920, 0, 1920, 1080), false), "screenshot",
      "{\"screenshot_id\":\"" + SHOT + "\",\"format\":\"png\"," + IMAGE_FIELD + "\"window_title\":\"Report.docx\","
        + "\"app_name\":\"Word\",\"screen_region\":{\"x\":-1920,\"y\":0,\"width\":1920,\"height\":1080},"
        + "\"privacy_masked\":false}",
      "{screenshot_id:String format:String image:String window_title:String app_name:String "
        + "screen_region:{x:Integer y:Integer width:Long height:Long} privacy_masked:Boolean}"),
    new Variant(new Screenshot(SHOT, ImageFormat.HEIC, null, "", "lock", null, true), "screenshot",
      "{\"screenshot_id\":\"" + SHOT + "\",\"format\":\"heic\",\"window_title\":\"\",\"app_name\":\"lock\","
        + "\"privacy_masked\":true}",
      "{screenshot_id:String format:String window_title:String app_name:String privacy_masked:Boolean}"),
    new Variant(new Screenshot(null, null, null, null, null, new Screenshot.Region(0, 0, 4_294_967_295L, 0), true),
      "screenshot",
      "{\"screenshot_id\":null,\"format\":null,\"window_title\":null,\"app_name\":null,"
        + "\"screen_region\":{\"x\":0,\"y\":0,\"width\":4294967295,\"height\":0},\"privacy_masked\":true}",
      "{screenshot_id:null format:null window_title:null app_name:null "
        + "screen_region:{x:Integer y:Integer width:Long height:Long} privacy_masked:Boolean}"),
    new Variant(new ProcessEvent(4242, "firefox", ProcessEvent.Change.CRASHED), "process",
      "{\"process_id\":4242,\"process_name\":\"firefox\",\"event_type\":\"crashed\"}",
      "{process_id:Long process_name:String event_type:String}"),
    new Variant(new ProcessEvent(0, "x", null), "process",
      "{\"process_id\":0,\"process_name\":\"x\",\"event_type\":null}",
      "{process_id:Long process_name:String event_type:null}"),
    new Variant(new ResourceUsage(250.5, 8192, 1.25, 0.0), "resource",
      "{\"cpu_percent\":250.5,\"memory_mb\":8192,\"disk_io_mb_per_sec\":1.25,\"network_io_mb_per_sec\":0.0}",
      "{cpu_percent:Double memory_mb:Long disk_io_mb_per_sec:Double network_io_mb_per_sec:Double}"));

  /** Producer id and session id, each present or absent. */
  static final String[][] IDS = {{ID, SESSION}, {null, SESSION}, {ID, null}, {null, null}};

  static String envelopeText(String id, String session, Variant v, String data) {
    return "{" + (id == null ? "" : "\"id\":\"" + id + "\",")
      + (session == null ? "" : "\"session_id\":\"" + session + "\",")
      + "\"timestamp\":\"" + TS_TEXT + "\",\"event_type\":\"" + v.type() + "\",\"data\":" + data + "}";
  }

  static String envelopeShape(String id, String session, String data) {
    return "{" + (id == null ? "" : "id:String ") + (session == null ? "" : "session_id:String ")
      + "timestamp:String event_type:String data:" + data + "}";
  }

  /** Key order and the Java type of every value, nested objects included. */
  static String shape(Object v) {
    if (v instanceof JsonObject o) {
      StringBuilder b = new StringBuilder("{");
      for (Map.Entry<String, Object> e : o.getMap().entrySet()) {
        b.append(b.length() > 1 ? " " : "").append(e.getKey()).append(':').append(shape(e.getValue()));
      }
      return b.append('}').toString();
    }
    return v == null ? "null" : v.getClass().getSimpleName();
  }

  /** Every variant with every combination of ids, in {@link #VARIANTS} order times {@link #IDS} order. */
  static List<RawEvent> allEvents() {
    List<RawEvent> events = new ArrayList<>();
    for (Variant v : VARIANTS) {
      for (String[] ids : IDS) {
        events.add(new RawEvent(ids[0], ids[1], TS, v.data()));
      }
    }
    return events;
  }

  static EventBatch batchOf(List<RawEvent> events) {
    return new EventBatch(WINDOW, SESSION, TS - 123, TS - 123 + 30_000, 0, 1, false, false, events, List.of());
  }

  static JsonArray batchEvents(List<RawEvent> events) {
    return EventJson.encode(batchOf(events)).getJsonArray("events");
  }

  @Nested
  class Equivalence {

    @Test
    void theEagerFormIsExactlyTheContractsForEveryVariant() {
      for (Variant v : VARIANTS) {
        for (String[] ids : IDS) {
          RawEvent e = new RawEvent(ids[0], ids[1], TS, v.data());
          JsonObject eager = EventJson.encode(e);
          assertEquals(envelopeText(ids[0], ids[1], v, v.text()), eager.encode());
          assertEquals(envelopeShape(ids[0], ids[1], v.shape()), shape(eager));
          JsonObject withoutImage = EventJson.encode(e.withoutImage());
          assertEquals(envelopeText(ids[0], ids[1], v, v.batchText()), withoutImage.encode());
          assertEquals(envelopeShape(ids[0], ids[1], v.batchShape()), shape(withoutImage));
        }
      }
      assertNotEquals(VARIANTS.get(8).text(), VARIANTS.get(8).batchText(), "a variant carries an image");
    }

    /** The same, whatever the view is first asked: an encoder, a copy, an equality check, or a map read. */
    @Test
    void everyBatchEventReadsAsTheEagerFormWithoutImage() {
      List<RawEvent> events = allEvents();
      List<Consumer<JsonObject>> firstReads = List.of(JsonObject::encode, JsonObject::copy, JsonObject::hashCode,
        o -> o.getMap().get("data"), o -> o.getMap().entrySet().iterator().next().getValue(), o -> { });
      for (Consumer<JsonObject> firstRead : firstReads) {
        JsonArray lazy = batchEvents(events);
        assertEquals(events.size(), lazy.size());
        for (int i = 0; i < events.size(); i++) {
          RawEvent e = events.get(i);
          Variant v = VARIANTS.get(i / IDS.length);
          String[] ids = IDS[i % IDS.length];
          JsonObject view = lazy.getJsonObject(i);
          assertInstanceOf(JsonView.class, view.getMap());
          firstRead.accept(view);
          JsonObject eager = EventJson.encode(e.withoutImage());
          String where = v.type() + " #" + i;

          assertEquals(envelopeText(ids[0], ids[1], v, v.batchText()), view.encode(), where);
          assertEquals(eager.encode(), view.encode(), where);
          assertEquals(shape(eager), shape(view), where);
          assertEquals(eager, view, where);
          assertEquals(view, eager, where);
          assertEquals(eager.hashCode(), view.hashCode(), where);
          assertEquals(eager.copy().encode(), view.copy().encode(), where);
          assertEquals(shape(eager.copy()), shape(view.copy()), where);
          assertEquals(eager.getMap(), view.getMap(), where);
          assertEquals(view.getMap(), eager.getMap(), where);
          assertEquals(eager.getMap().hashCode(), view.getMap().hashCode(), where);
          assertEquals(eager.getMap().toString(), view.getMap().toString(), where);
          assertEquals(eager.getMap().keySet(), view.getMap().keySet(), where);
          assertEquals(eager.size(), view.size(), where);
          for (String key : List.of("id", "session_id", "timestamp", "event_type", "data", "image", "missing")) {
            assertEquals(eager.containsKey(key), view.containsKey(key), where + " " + key);
            assertEquals(eager.getValue(key), view.getValue(key), where + " " + key);
          }
          JsonObject data = view.getJsonObject("data");
          JsonObject eagerData = eager.getJsonObject("data");
          assertInstanceOf(JsonView.class, data.getMap());
          assertFalse(data.containsKey("image"), where);
          assertEquals(eagerData.fieldNames(), data.fieldNames(), where);
          for (String key : eagerData.fieldNames()) {
            assertEquals(eagerData.getValue(key), data.getValue(key), where + " data." + key);
          }
          for (String key : List.of("modifiers", "screen_region")) {
            assertEquals(eagerData.containsKey(key), data.containsKey(key), where + " data." + key);
            assertEquals(eagerData.getJsonObject(key), data.getJsonObject(key), where + " data." + key);
          }
        }
      }
    }

    @Test
    void aCopyIsIndependentOfTheView() {
      JsonObject view = batchEvents(List.of(new RawEvent(ID, SESSION, TS, VARIANTS.get(0).data()))).getJsonObject(0);
      JsonObject copy = view.copy();
      copy.getJsonObject("data").put("key_code", 1);
      copy.getJsonObject("data").getJsonObject("modifiers").put("shift", false);
      copy.put("id", "other");
      assertEquals(envelopeText(ID, SESSION, VARIANTS.get(0), VARIANTS.get(0).text()), view.encode());
      assertInstanceOf(JsonView.class, view.getMap());
    }

    @Test
    void decodeBatchReadsBackAMixedBatch() {
      List<RawEvent> events = new ArrayList<>();
      List<RawEvent> expected = new ArrayList<>();
      long t = TS;
      // Every variant the decoder accepts as a stored event's shape (required fields present).
      for (int i : new int[] {0, 2, 3, 4, 6, 8, 11, 13}) {
        for (String[] ids : IDS) {
          RawEvent e = new RawEvent(ids[0], ids[1], t++, VARIANTS.get(i).data());
          events.add(e);
          expected.add(e.withoutImage());
        }
      }
      events.add(new RawEvent(ID, null, t, new WindowFocus("t", "", 0, null)));
      expected.add(events.get(events.size() - 1));
      List<ScreenshotRef> refs = List.of(new ScreenshotRef(SHOT, TS, ImageFormat.PNG, IMAGE.length, 1, 1,
        ScreenshotStorage.MEMORY));
      EventBatch b = new EventBatch(WINDOW, SESSION, TS - 123, TS - 123 + 30_000, 1, 2, true, false, events, refs);
      EventBatch want = new EventBatch(WINDOW, SESSION, TS - 123, TS - 123 + 30_000, 1, 2, true, false, expected, refs);

      assertEquals(want, EventJson.decodeBatch(EventJson.encode(b)));
      assertEquals(want, EventJson.decodeBatch(EventJson.encode(b).copy()));
      assertEquals(want, EventJson.decodeBatch(new JsonObject(EventJson.encode(b).encode())));
      assertEquals(want, EventJson.decodeBatch(new JsonObject(EventJson.encode(b).toBuffer())));
    }
  }

  @Nested
  class MapBehaviour {

    final Variant keystroke = VARIANTS.get(0);
    final RawEvent event = new RawEvent(ID, SESSION, TS, keystroke.data());

    JsonView view() {
      return new JsonView(JsonForm.BATCH_EVENT, event);
    }

    /** What the view holds, as an ordinary map. */
    Map<String, Object> expected() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", ID);
      m.put("session_id", SESSION);
      m.put("timestamp", TS_TEXT);
      m.put("event_type", "keystroke");
      m.put("data", new JsonObject(keystroke.text()));
      return m;
    }

    void assertSameMap(Map<String, Object> want, Map<String, Object> got) {
      assertEquals(want, got);
      assertEquals(got, want);
      assertEquals(want.hashCode(), got.hashCode());
      assertEquals(want.toString(), got.toString());
      assertEquals(new ArrayList<>(want.keySet()), new ArrayList<>(got.keySet()));
      assertEquals(new ArrayList<>(want.values()), new ArrayList<>(got.values()));
      assertEquals(want.size(), got.size());
      assertEquals(new JsonObject(want).encode(), new JsonObject(got).encode());
    }

    @Test
    void readsBeforeAnyChange() {
      JsonView v = view();
      assertSameMap(expected(), v);
      assertEquals(5, v.size());
      assertFalse(v.isEmpty());
      assertEquals(List.of("id", "session_id", "timestamp", "event_type", "data"), new ArrayList<>(v.keySet()));
      assertEquals(ID, v.get("id"));
      assertEquals(SESSION, v.get("session_id"));
      assertEquals(TS_TEXT, v.get("timestamp"));
      assertEquals("keystroke", v.get("event_type"));
      assertTrue(v.containsKey("data"));
      assertFalse(v.containsKey("image"));
      assertFalse(v.containsKey(null));
      assertNull(v.get("missing"));
      assertNull(v.get(null));
      assertNull(v.get(42));
      assertTrue(v.entrySet().contains(Map.entry("event_type", "keystroke")));
      assertFalse(v.entrySet().contains(Map.entry("event_type", "mouse_move")));
      assertTrue(v.containsValue(TS_TEXT));

      // The nested object is made once and is the one every read returns.
      Object data = v.get("data");
      assertInstanceOf(JsonObject.class, data);
      assertSame(data, v.get("data"));
      assertSame(data, new ArrayList<>(v.values()).get(4));
      Iterator<Map.Entry<String, Object>> it = v.entrySet().iterator();
      for (int i = 0; i < 4; i++) {
        it.next();
      }
      Map.Entry<String, Object> dataEntry = it.next();
      assertEquals("data", dataEntry.getKey());
      assertSame(data, dataEntry.getValue());
      assertFalse(it.hasNext());
      assertThrows(NoSuchElementException.class, it::next);
      JsonObject modifiers = ((JsonObject) data).getJsonObject("modifiers");
      assertSame(modifiers, ((JsonObject) data).getJsonObject("modifiers"));
      assertEquals(new JsonObject().put("shift", true).put("ctrl", false).put("alt", true).put("meta", false),
        modifiers);
      assertSameMap(expected(), v);
    }

    @Test
    void absentAndNullKeys() {
      JsonView bare = new JsonView(JsonForm.BATCH_EVENT, new RawEvent(null, null, TS, VARIANTS.get(1).data()));
      assertEquals(List.of("timestamp", "event_type", "data"), new ArrayList<>(bare.keySet()));
      assertFalse(bare.containsKey("id"));
      assertFalse(bare.containsKey("session_id"));
      assertEquals("absent", bare.getOrDefault("id", "absent"));
      Map<String, Object> data = ((JsonObject) bare.get("data")).getMap();
      assertEquals(2, data.size());
      assertTrue(data.containsKey("inter_key_interval_ms"));
      assertNull(data.get("inter_key_interval_ms"));
      assertNull(data.getOrDefault("inter_key_interval_ms", 7L));
      assertFalse(data.containsKey("modifiers"));
      assertEquals("absent", data.getOrDefault("modifiers", "absent"));
      assertTrue(data.containsValue(null));
    }

    @Test
    void aScreenshotViewNeverCarriesTheImage() {
      JsonObject shot = batchEvents(List.of(new RawEvent(ID, SESSION, TS, VARIANTS.get(8).data()))).getJsonObject(0);
      JsonObject data = shot.getJsonObject("data");
      assertFalse(data.containsKey("image"));
      assertNull(data.getValue("image"));
      assertEquals(6, data.size());
      assertEquals(List.of("screenshot_id", "format", "window_title", "app_name", "screen_region", "privacy_masked"),
        new ArrayList<>(data.fieldNames()));
      assertFalse(shot.encode().contains("image"));
    }

    @Test
    void putReplacesInPlaceAndAddsAtTheEnd() {
      JsonView v = view();
      Object data = v.get("data");
      assertEquals("keystroke", v.put("event_type", "mouse_move"));
      assertNull(v.put("extra", 1));
      assertSame(data, v.get("data"));
      Map<String, Object> want = expected();
      want.put("event_type", "mouse_move");
      want.put("extra", 1);
      assertSameMap(want, v);
      assertEquals("{\"id\":\"" + ID + "\",\"session_id\":\"" + SESSION + "\",\"timestamp\":\"" + TS_TEXT
        + "\",\"event_type\":\"mouse_move\",\"data\":" + keystroke.text() + ",\"extra\":1}",
        new JsonObject(v).encode());
      // The object made before the change is still the one held: a change through it shows.
      ((JsonObject) data).put("key_code", 66);
      assertEquals(66, ((JsonObject) v.get("data")).getValue("key_code"));
    }

    @Test
    void aChangeBeforeTheNestedObjectWasReadKeepsItAView() {
      JsonView v = view();
      v.put("extra", true);
      JsonObject data = (JsonObject) v.get("data");
      assertInstanceOf(JsonView.class, data.getMap());
      assertEquals(new JsonObject(keystroke.text()), data);
      data.put("key_code", 66);
      assertSame(data, v.get("data"));
      assertEquals(keystroke.text().replace("65", "66"), new JsonObject(v).getJsonObject("data").encode());
    }

    @Test
    void remove() {
      JsonView v = view();
      assertNull(v.remove("missing"));
      assertSameMap(expected(), v);
      assertEquals(SESSION, v.remove("session_id"));
      assertNull(v.remove("session_id"));
      assertEquals(TS_TEXT, v.remove("timestamp"));
      Map<String, Object> want = expected();
      want.remove("session_id");
      want.remove("timestamp");
      assertSameMap(want, v);
      assertFalse(v.containsKey("timestamp"));
      assertEquals(3, v.size());
    }

    @Test
    void clearAndPutAll() {
      JsonView v = view();
      v.clear();
      assertTrue(v.isEmpty());
      assertEquals(0, v.size());
      assertNull(v.get("id"));
      assertEquals("{}", new JsonObject(v).encode());
      v.put("a", 1);
      assertEquals("{\"a\":1}", new JsonObject(v).encode());

      JsonView w = view();
      Map<String, Object> more = new LinkedHashMap<>();
      more.put("timestamp", "then");
      more.put("z", true);
      w.putAll(more);
      Map<String, Object> want = expected();
      want.putAll(more);
      assertSameMap(want, w);

      JsonView x = view();
      x.entrySet().clear();
      assertTrue(x.isEmpty());
    }

    @Test
    void collectionViewsRemoveLikeAnyMap() {
      List<Consumer<Map<String, Object>>> changes = List.of(
        m -> assertTrue(m.keySet().remove("timestamp")),
        m -> assertTrue(m.values().remove("keystroke")),
        m -> assertTrue(m.entrySet().removeIf(e -> e.getKey().equals("id"))),
        m -> assertTrue(m.keySet().retainAll(Set.of("data", "session_id"))),
        m -> assertTrue(m.entrySet().remove(Map.entry("id", ID))),
        m -> m.replaceAll((k, val) -> k.equals("data") ? val : k),
        m -> assertNull(m.putIfAbsent("new", 1)),
        m -> assertEquals(SESSION, m.putIfAbsent("session_id", "x")),
        m -> m.merge("event_type", "!", (a, b) -> a + "" + b),
        m -> assertFalse(m.keySet().remove("image")));
      for (Consumer<Map<String, Object>> change : changes) {
        Map<String, Object> want = expected();
        JsonView v = view();
        change.accept(want);
        change.accept(v);
        assertSameMap(want, v);
      }
    }

    @Test
    void changesWhileIteratingBehaveAsInALinkedHashMap() {
      List<Script> scripts = List.of(
        // entry.setValue as the first change, then the entries after it
        (m, it, e) -> e.getKey().equals("timestamp") ? "old " + e.setValue("then") + " now " + e.getValue() : "",
        // iterator.remove as the first change, then going on
        (m, it, e) -> {
          if (e.getKey().equals("session_id")) {
            it.remove();
            return "removed";
          }
          return "";
        },
        // a put of a present key ahead of the cursor
        (m, it, e) -> e.getKey().equals("id") ? "put " + m.put("event_type", "changed") : "",
        // removing every entry through the iterator
        (m, it, e) -> {
          it.remove();
          return "size " + m.size();
        },
        // a change through an entry handed out before the first change
        new Script() {
          Map.Entry<String, Object> earlier;

          @Override
          public String step(Map<String, Object> m, Iterator<Map.Entry<String, Object>> it,
                             Map.Entry<String, Object> e) {
            if (e.getKey().equals("id")) {
              earlier = e;
            }
            if (e.getKey().equals("event_type")) {
              return "old " + earlier.setValue("new-id") + " then " + earlier.getKey() + "=" + earlier.getValue()
                + " and " + e.getKey() + "=" + e.getValue();
            }
            return "";
          }
        },
        // a change through the nested object while iterating
        (m, it, e) -> {
          if (e.getValue() instanceof JsonObject data) {
            data.put("key_code", 1);
            return "data " + ((JsonObject) m.get("data")).getValue("key_code");
          }
          return "";
        });
      for (Script s : scripts) {
        assertEquals(run(s, expected()), run(s, view()));
      }
    }

    @Test
    void readsFromSeveralThreadsShareOneNestedObject() throws Exception {
      List<JsonView> views = new ArrayList<>();
      for (int i = 0; i < 2000; i++) {
        views.add(view());
      }
      int threads = 4;
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      try {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<List<Object>>> seen = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          seen.add(pool.submit(() -> {
            start.await();
            List<Object> got = new ArrayList<>();
            for (JsonView v : views) {
              got.add(v.get("data"));
            }
            return got;
          }));
        }
        start.countDown();
        List<Object> first = seen.get(0).get(30, TimeUnit.SECONDS);
        for (Future<List<Object>> f : seen) {
          List<Object> got = f.get(30, TimeUnit.SECONDS);
          for (int i = 0; i < views.size(); i++) {
            assertSame(first.get(i), got.get(i));
            assertSame(first.get(i), views.get(i).get("data"));
          }
        }
      } finally {
        pool.shutdownNow();
      }
    }

    /** One step of an iteration over a map: what it did, as text. */
    interface Script {
      String step(Map<String, Object> m, Iterator<Map.Entry<String, Object>> it, Map.Entry<String, Object> e);
    }

    /** Every entry seen, what each step did, and the map at the end. */
    List<String> run(Script s, Map<String, Object> m) {
      List<String> log = new ArrayList<>();
      Iterator<Map.Entry<String, Object>> it = m.entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<String, Object> e = it.next();
        log.add(e.getKey() + "=" + e.getValue());
        log.add(s.step(m, it, e));
      }
      log.add("end " + m + " " + new JsonObject(m).encode() + " " + m.size());
      return log;
    }

    @Test
    void aChangeThroughAPublishedBatchSticks() {
      RawEvent shot = new RawEvent(ID, SESSION, TS, VARIANTS.get(8).data());
      JsonObject batch = EventJson.encode(batchOf(List.of(event, shot)));
      JsonArray events = batch.getJsonArray("events");
      JsonObject first = events.getJsonObject(0);
      first.getJsonObject("data").put("key_code", 66);
      first.getJsonObject("data").getJsonObject("modifiers").put("meta", true);
      String changed = keystroke.text().replace("65", "66").replace("\"meta\":false", "\"meta\":true");
      assertEquals(envelopeText(ID, SESSION, keystroke, changed), first.encode());
      assertEquals(envelopeText(ID, SESSION, keystroke, changed), events.getJsonObject(0).encode());
      Keystroke typed = new Keystroke(66, new Keystroke.Modifiers(true, false, true, true), 120L);
      assertEquals(new RawEvent(ID, SESSION, TS, typed), EventJson.decodeBatch(batch).events().get(0));

      // A change to the event itself afterwards keeps the changed data.
      first.put("extra", "x");
      assertEquals(envelopeText(ID, SESSION, keystroke, changed).replaceAll("}$", ",\"extra\":\"x\"}"), first.encode());
      assertEquals(new JsonObject(first.encode()), first.copy());

      JsonObject second = events.getJsonObject(1);
      second.getJsonObject("data").getJsonObject("screen_region").put("width", 800);
      second.getJsonObject("data").remove("app_name");
      assertEquals(envelopeText(ID, SESSION, VARIANTS.get(8), VARIANTS.get(8).batchText()
        .replace("\"width\":1920", "\"width\":800").replace("\"app_name\":\"Word\",", "")), second.encode());
      assertTrue(batch.encode().contains("\"width\":800"));
    }
  }
}
