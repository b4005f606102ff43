package dev.skellyjelly.storage.codecs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Every event's JSON form ({@link JsonForm}) is exactly the contract's; a batch's events read exactly as the
 * eager {@link EventJson#encode(RawEvent)} of the event without its image (keys, order, values and their Java
 * types), and are read-only maps all the way down.
 */
class JsonFormTest {

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

    /** The same, whatever the event is first asked: an encoder, a copy, an equality check, or a map read. */
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
    void aCopyOfABatchEventCanBeChangedAndIsIndependentOfIt() {
      JsonObject event = batchEvents(List.of(new RawEvent(ID, SESSION, TS, VARIANTS.get(0).data()))).getJsonObject(0);
      JsonObject copy = event.copy();
      assertEquals(event, copy);
      copy.getJsonObject("data").put("key_code", 1);
      copy.getJsonObject("data").getJsonObject("modifiers").put("shift", false);
      copy.put("id", "other");
      assertEquals(envelopeText(ID, SESSION, VARIANTS.get(0), VARIANTS.get(0).text()), event.encode());
      assertEquals("other", copy.getString("id"));
      assertEquals(1, copy.getJsonObject("data").getInteger("key_code"));
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
  class BatchEventMap {

    final Variant keystroke = VARIANTS.get(0);
    final RawEvent event = new RawEvent(ID, SESSION, TS, keystroke.data());

    /** The event's object as a batch publishes it. */
    JsonObject published() {
      return batchEvents(List.of(event)).getJsonObject(0);
    }

    /** What the event's map holds, as an ordinary map. */
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
    void readsAsAnOrdinaryMap() {
      Map<String, Object> v = published().getMap();
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
      JsonObject data = (JsonObject) v.get("data");
      assertEquals(new JsonObject().put("shift", true).put("ctrl", false).put("alt", true).put("meta", false),
        data.getJsonObject("modifiers"));
    }

    @Test
    void absentAndNullKeys() {
      JsonObject bare = batchEvents(List.of(new RawEvent(null, null, TS, VARIANTS.get(1).data()))).getJsonObject(0);
      assertEquals(List.of("timestamp", "event_type", "data"), new ArrayList<>(bare.fieldNames()));
      assertFalse(bare.containsKey("id"));
      assertFalse(bare.containsKey("session_id"));
      assertEquals("absent", bare.getMap().getOrDefault("id", "absent"));
      Map<String, Object> data = bare.getJsonObject("data").getMap();
      assertEquals(2, data.size());
      assertTrue(data.containsKey("inter_key_interval_ms"));
      assertNull(data.get("inter_key_interval_ms"));
      assertNull(data.getOrDefault("inter_key_interval_ms", 7L));
      assertFalse(data.containsKey("modifiers"));
      assertEquals("absent", data.getOrDefault("modifiers", "absent"));
      assertTrue(data.containsValue(null));
    }

    @Test
    void aScreenshotEventNeverCarriesTheImage() {
      JsonObject shot = batchEvents(List.of(new RawEvent(ID, SESSION, TS, VARIANTS.get(8).data()))).getJsonObject(0);
      JsonObject data = shot.getJsonObject("data");
      assertFalse(data.containsKey("image"));
      assertNull(data.getValue("image"));
      assertEquals(6, data.size());
      assertEquals(List.of("screenshot_id", "format", "window_title", "app_name", "screen_region", "privacy_masked"),
        new ArrayList<>(data.fieldNames()));
      assertFalse(shot.encode().contains("image"));
    }

    /** Every way to change a map, and a removal of an absent key. */
    static final List<Consumer<Map<String, Object>>> CHANGES = List.of(
      m -> m.put("event_type", "mouse_move"),
      m -> m.put("extra", 1),
      m -> m.remove("session_id"),
      m -> m.remove("missing"),
      Map::clear,
      m -> m.putAll(Map.of("z", true)),
      m -> m.keySet().remove(m.keySet().iterator().next()),
      m -> m.values().remove(m.values().iterator().next()),
      m -> m.entrySet().removeIf(e -> true),
      m -> m.keySet().retainAll(Set.of("data")),
      m -> m.entrySet().iterator().next().setValue("x"),
      m -> {
        Iterator<Map.Entry<String, Object>> it = m.entrySet().iterator();
        it.next();
        it.remove();
      },
      m -> m.replaceAll((k, val) -> k),
      m -> m.putIfAbsent("new", 1),
      m -> m.merge("event_type", "!", (a, b) -> a + "" + b),
      m -> m.computeIfAbsent("new", k -> 1));

    @Test
    void everyChangeToAnEventOrAnObjectInItThrows() {
      JsonObject shot = batchEvents(List.of(new RawEvent(ID, SESSION, TS, VARIANTS.get(8).data()))).getJsonObject(0);
      for (JsonObject o : List.of(published(), shot)) {
        String text = o.encode();
        List<JsonObject> objects = o == shot ? List.of(o, o.getJsonObject("data"),
          o.getJsonObject("data").getJsonObject("screen_region")) : List.of(o, o.getJsonObject("data"),
          o.getJsonObject("data").getJsonObject("modifiers"));
        for (JsonObject level : objects) {
          for (int c = 0; c < CHANGES.size(); c++) {
            Consumer<Map<String, Object>> change = CHANGES.get(c);
            assertThrows(UnsupportedOperationException.class, () -> change.accept(level.getMap()), "change #" + c);
          }
          assertThrows(UnsupportedOperationException.class, () -> level.put("extra", 1));
          assertThrows(UnsupportedOperationException.class, () -> level.remove("x"));
          assertThrows(UnsupportedOperationException.class, () -> level.mergeIn(new JsonObject().put("a", 1)));
          assertThrows(UnsupportedOperationException.class, level::clear);
        }
        assertEquals(text, o.encode());
      }
    }
  }
}
