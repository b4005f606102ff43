package dev.skellyjelly.storage.app.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skellyjelly.storage.codecs.EventBatch;
import dev.skellyjelly.storage.codecs.EventData;
import dev.skellyjelly.storage.codecs.EventJson;
import dev.skellyjelly.storage.codecs.ImageFormat;
import dev.skellyjelly.storage.codecs.Keystroke;
import dev.skellyjelly.storage.codecs.MouseClick;
import dev.skellyjelly.storage.codecs.MouseMove;
import dev.skellyjelly.storage.codecs.ProcessEvent;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.ResourceUsage;
import dev.skellyjelly.storage.codecs.Screenshot;
import dev.skellyjelly.storage.codecs.ScreenshotRef;
import dev.skellyjelly.storage.codecs.ScreenshotStorage;
import dev.skellyjelly.storage.codecs.WindowFocus;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
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
  void aPublishedBatchIsWrittenFromItsRecordsByteForByteAsVertxWritesIt() {
    long t0 = 1_795_600_000_000L;
    String session = "5b1d0000-0000-4000-8000-000000000001";
    List<EventData> kinds = List.of(new MouseMove(-3, 1440, 812.4), new Keystroke(65, new Keystroke.Modifiers(true,
      false, false, true), 120L), new Keystroke(4_294_967_295L, null, null),
      new MouseClick(5, 6, MouseClick.Button.RIGHT, MouseClick.ClickType.DOUBLE),
      new WindowFocus("Ré\"sumé\" \\ \n\t\u0001 — 😀 \uD800", "editor", 4242, null),
      new ProcessEvent(99, "cargo", ProcessEvent.Change.STARTED), new ResourceUsage(12.5, 2048, 0.25, 1e-7),
      new Screenshot("5c000000-0000-4000-8000-000000000001", ImageFormat.PNG, null, "title", "app",
        new Screenshot.Region(0, 0, 2560, 1440), false));
    List<RawEvent> events = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      events.add(new RawEvent(String.format("8a6f0c1e-0000-4000-8000-%012d", i), session, t0 + i * 7L,
        kinds.get(i % kinds.size())));
    }
    List<ScreenshotRef> refs = List.of(new ScreenshotRef("5c000000-0000-4000-8000-000000000001", t0, ImageFormat.PNG,
      123_456, 2560, 1440, ScreenshotStorage.DISK));
    JsonObject batch = EventJson.encode(new EventBatch("0b5e55ed-0000-4000-8000-00000000000b", session, t0,
      t0 + 30_000, 0, 1, false, false, events, refs));
    assertTrue(JsonSlices.isBatch(batch), "the codec writes this batch from its records");
    // Vert.x's own streaming codec, walking the batch's objects, gives the text to match.
    Buffer generic = new JacksonCodec().toBuffer(batch, false);
    assertEquals(generic.toString(StandardCharsets.ISO_8859_1), batch.toBuffer().toString(StandardCharsets.ISO_8859_1));
    assertEquals(generic.toString(StandardCharsets.ISO_8859_1),
      Json.CODEC.toBuffer(batch, false).toString(StandardCharsets.ISO_8859_1));
    // What a clustered consumer decodes: every event, in order.
    assertEquals(1000, new JsonObject(batch.toBuffer()).getJsonArray("events").size());
    assertEquals(new JsonObject(generic), new JsonObject(batch.toBuffer()));
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
