package dev.skellyjelly.storage.app.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Vert.x's JSON codec in the module's process: the streaming one, with the string limit the module sets. */
class EdgeJsonCodecTest {

  @Test
  void vertxTakesTheModulesCodec() {
    assertSame(EdgeJsonCodec.INSTANCE, Json.CODEC, "Vert.x loaded " + Json.CODEC.getClass().getName());
  }

  @Test
  void whatTheModuleEncodesDecodesToTheSameValues() {
    JsonObject o = new JsonObject().put("text", "a \"quoted\" é 😀").put("n", 42).put("big", 1L << 40).put("x", 1.5)
      .put("yes", true).put("none", (Object) null).put("list", new JsonArray().add(1).add("two"))
      .put("map", new JsonObject(Map.of("k", List.of(1, 2)))).put("bytes", new byte[] {1, 2, 3})
      .put("at", Instant.parse("2026-12-03T10:00:00.123Z"));
    JsonObject fromText = new JsonObject(o.encode());
    JsonObject fromBuffer = new JsonObject(o.toBuffer());
    assertEquals(fromText, fromBuffer);
    assertEquals("a \"quoted\" é 😀", fromBuffer.getString("text"));
    assertEquals(1L << 40, fromBuffer.getLong("big"));
    assertEquals(new JsonArray().add(1).add("two"), fromBuffer.getJsonArray("list"));
    assertEquals(List.of(1, 2), fromBuffer.getJsonObject("map").getJsonArray("k").getList());
    assertEquals("AQID", fromBuffer.getString("bytes"));
    assertEquals("2026-12-03T10:00:00.123Z", fromBuffer.getString("at"));
  }

  @Test
  void refusesTrailingTextAndBrokenJson() {
    DecodeException trailing = assertThrows(DecodeException.class, () -> new JsonObject("{\"a\":1} {"));
    assertTrue(trailing.getMessage().contains("trailing"), trailing.getMessage());
    assertThrows(DecodeException.class, () -> new JsonObject(Buffer.buffer("{\"a\":")));
  }

  @Test
  void decodesStringsUpToTheLimitTheModuleRaises() {
    int limit = EdgeJsonCodec.maxStringLength();
    assertTrue(limit >= 20_000_000, "never below Jackson's default: " + limit);
    String text = "{\"image\":\"" + "A".repeat(limit + 1) + "\"}";
    DecodeException refused = assertThrows(DecodeException.class, () -> new JsonObject(text));
    assertTrue(refused.getMessage().contains("String value length"), refused.getMessage());
    assertThrows(DecodeException.class, () -> new JsonObject(Buffer.buffer(text)));

    EdgeJsonCodec.admitStringsUpTo(limit + 1);
    assertEquals(limit + 1, EdgeJsonCodec.maxStringLength());
    assertEquals(limit + 1, new JsonObject(text).getString("image").length());
    assertEquals(limit + 1, new JsonObject(Buffer.buffer(text)).getString("image").length());
    EdgeJsonCodec.admitStringsUpTo(10);
    assertEquals(limit + 1, EdgeJsonCodec.maxStringLength(), "a lower limit is not taken");
  }
}
