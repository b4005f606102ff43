package dev.skellyjelly.storage.codecs;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The compact map behind encoded events behaves as a JSON object's map must, for readers and for writers. */
class JsonFieldsTest {

  @Test
  void keepsInsertionOrderAndEncodesLikeALinkedHashMap() {
    JsonFields f = new JsonFields(2);
    f.put("b", 1);
    f.put("a", "x");
    f.put("c", null);
    f.put("d", new JsonObject().put("k", true));
    assertEquals(List.of("b", "a", "c", "d"), new ArrayList<>(f.keySet()));
    assertEquals("{\"b\":1,\"a\":\"x\",\"c\":null,\"d\":{\"k\":true}}", new JsonObject(f).encode());
    assertEquals(4, f.size());
    assertTrue(f.containsKey("c"));
    assertNull(f.get("c"));
    assertNull(f.get("missing"));
  }

  @Test
  void aReceivedObjectCanBeChangedLikeAnyOther() {
    JsonObject o = new JsonObject(new JsonFields(3)).put("x", 1).put("y", 2).put("z", 3);
    o.put("y", 20);
    o.remove("x");
    o.put("w", 4);
    assertEquals(new JsonObject().put("y", 20).put("z", 3).put("w", 4), o);
    assertEquals("{\"y\":20,\"z\":3,\"w\":4}", o.encode());
    assertEquals(o, o.copy());
    assertEquals(o.hashCode(), new JsonObject(o.encode()).hashCode());

    Iterator<Map.Entry<String, Object>> it = o.getMap().entrySet().iterator();
    it.next().setValue(200);
    it.remove();
    assertEquals(new JsonObject().put("z", 3).put("w", 4), o);
    o.clear();
    assertTrue(o.isEmpty());
    assertFalse(o.containsKey("z"));
  }

  @Test
  void everyEncodedEventReadsBackTheSame() {
    RawEvent e = new RawEvent("8a6f0c1e-0000-4000-8000-000000000001", "5b1d0000-0000-4000-8000-000000000002",
      1_764_151_200_123L, new Keystroke(65, new Keystroke.Modifiers(true, false, true, false), 120L));
    JsonObject json = EventJson.encode(e);
    assertEquals("{\"id\":\"8a6f0c1e-0000-4000-8000-000000000001\",\"session_id\":\"5b1d0000-0000-4000-8000-000000000002\","
      + "\"timestamp\":\"2025-11-26T10:00:00.123Z\",\"event_type\":\"keystroke\",\"data\":{\"key_code\":65,"
      + "\"modifiers\":{\"shift\":true,\"ctrl\":false,\"alt\":true,\"meta\":false},\"inter_key_interval_ms\":120}}",
      json.encode());
    assertEquals(json, json.copy());
    assertEquals(new JsonObject(json.encode()), json);
  }
}
