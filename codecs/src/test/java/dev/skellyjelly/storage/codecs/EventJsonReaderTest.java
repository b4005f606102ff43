package dev.skellyjelly.storage.codecs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The streaming reader a bridge uses for event frames agrees with the checking decoder on every input it answers
 * for: the same event once the typed rules pass, a refusal where the decoder refuses; and it answers for the
 * events producers send, so the bridge rarely takes the long way.
 */
class EventJsonReaderTest {

  private static final JsonFactory FACTORY = new JsonFactory();

  /** Values put in place of each field of each sample: every representation a producer might get wrong. */
  private static final List<Object> REPLACEMENTS = List.of("text", "", -1, 0, 1, 1.5, -0.5, 4294967295L, 4294967296L,
    2147483648L, -2147483649L, new java.math.BigInteger("99999999999999999999"), true, false, new JsonObject(),
    new io.vertx.core.json.JsonArray().add(1), "left", "LEFT", "r\u0131ght", "single", "started", "keystroke",
    EventJsonTest.ID, EventJsonTest.ID.toUpperCase(), "not-a-uuid", EventJsonTest.TS_TEXT, "2026-11-26T10:00:00",
    "1969-12-31T23:59:59Z", EventJsonTest.TS, EventJsonTest.NOW + 3_600_000, "x".repeat(5000));

  private static RawEvent read(String text) throws IOException {
    try (JsonParser p = FACTORY.createParser(text)) {
      p.nextToken();
      return EventJsonReader.read(p);
    }
  }

  @Test
  void givesAnEventOfTheKnownSessionThatVerySessionString() throws IOException {
    String known = new String(EventJsonTest.SESSION.toCharArray());
    String keystroke = EventJsonTest.samplesText().get(EventType.KEYSTROKE);
    String other = keystroke.replace(EventJsonTest.SESSION, "5b1d2c3e-2222-4b3c-9d4e-abcdefabcde0");
    try (JsonParser p = FACTORY.createParser(keystroke)) {
      p.nextToken();
      RawEvent read = EventJsonReader.read(p, known);
      assertSame(known, read.sessionId(), "the known session's string itself, not a copy");
      assertEquals(read(keystroke), read, "nothing else changes");
    }
    try (JsonParser p = FACTORY.createParser(other)) {
      p.nextToken();
      RawEvent read = EventJsonReader.read(p, known);
      assertEquals("5b1d2c3e-2222-4b3c-9d4e-abcdefabcde0", read.sessionId(), "another session keeps its own id");
    }
  }

  @Test
  void keystrokesOfTheSameModifiersShareOneModifiersObjectWhicheverWayTheyAreRead() throws IOException {
    String keystroke = EventJsonTest.samplesText().get(EventType.KEYSTROKE);
    Keystroke first = (Keystroke) read(keystroke).data();
    Keystroke second = (Keystroke) read(keystroke).data();
    assertSame(first.modifiers(), second.modifiers(), "a window of keystrokes holds no modifiers object of each");
    Buffer wire = Buffer.buffer();
    WireFormat.writeMessage(wire, read(keystroke));
    assertSame(first.modifiers(), ((Keystroke) WireFormat.readEventMessage(wire, 0).data()).modifiers());
    Keystroke.Modifiers m = first.modifiers();
    assertEquals(new Keystroke.Modifiers(m.shift(), m.ctrl(), m.alt(), m.meta()), m);
    assertEquals(16, java.util.stream.IntStream.range(0, 16).mapToObj(i -> Keystroke.Modifiers.of((i & 1) != 0,
      (i & 2) != 0, (i & 4) != 0, (i & 8) != 0)).distinct().count(), "every combination its own");
  }

  @Test
  void readsEveryTypeButScreenshotsAsTheDecoderDecodesThem() throws IOException {
    for (Map.Entry<EventType, String> sample : EventJsonTest.samplesText().entrySet()) {
      RawEvent read = read(sample.getValue());
      if (sample.getKey() == EventType.SCREENSHOT) {
        assertNull(read, "a screenshot is read the checking way");
        continue;
      }
      assertNotNull(read, sample.getValue());
      assertEquals(EventJsonDecoder.decode(new JsonObject(sample.getValue()), EventJsonTest.NOW, EventJsonTest.LIMITS),
        EventValidator.validate(read, EventJsonTest.NOW, EventJsonTest.LIMITS), sample.getValue());
    }
  }

  @Test
  void agreesWithTheDecoderWhateverAFieldHoldsOrLacks() throws IOException {
    int answered = 0;
    int refusedAlike = 0;
    int cases = 0;
    for (String sample : EventJsonTest.samplesText().values()) {
      for (String variant : variants(new JsonObject(sample))) {
        cases++;
        RawEvent read = read(variant);
        if (read == null) {
          continue;
        }
        answered++;
        RawEvent decoded = decodeOrNull(variant);
        RawEvent validated;
        try {
          validated = EventValidator.validate(read, EventJsonTest.NOW, EventJsonTest.LIMITS);
        } catch (InvalidEventException refused) {
          assertNull(decoded, "the decoder refuses it too: " + variant);
          refusedAlike++;
          continue;
        }
        assertEquals(decoded, validated, variant);
      }
    }
    System.out.printf("EventJsonReaderTest: %d variants, %d read, %d of them refused by both%n", cases, answered, refusedAlike);
    assertTrue(answered > 200 && refusedAlike > 20, answered + " read, " + refusedAlike + " refused by both");
  }

  @Test
  void fieldsInAnyOrderWithUnknownOnesBetween() throws IOException {
    String text = "{\"data\":{\"velocity\":1.25,\"extra\":[1,{\"a\":null}],\"y\":7,\"x\":-3},\"other\":{\"n\":[]},"
      + "\"event_type\":\"mouse_move\",\"session_id\":null,\"timestamp\":\"" + EventJsonTest.TS_TEXT + "\"}";
    assertEquals(new RawEvent(null, null, EventJsonTest.TS, new MouseMove(-3, 7, 1.25)), read(text));
  }

  private static RawEvent decodeOrNull(String text) {
    try {
      return EventJsonDecoder.decode(new JsonObject(text), EventJsonTest.NOW, EventJsonTest.LIMITS);
    } catch (InvalidEventException refused) {
      return null;
    }
  }

  /** The event with each field (at any depth) removed, set to null, and replaced by each of {@link #REPLACEMENTS}. */
  private static List<String> variants(JsonObject event) {
    List<String> out = new ArrayList<>();
    for (List<String> path : paths(event, new ArrayList<>())) {
      JsonObject removed = event.copy();
      parent(removed, path).remove(path.get(path.size() - 1));
      out.add(removed.encode());
      JsonObject nulled = event.copy();
      parent(nulled, path).putNull(path.get(path.size() - 1));
      out.add(nulled.encode());
      for (Object value : REPLACEMENTS) {
        JsonObject replaced = event.copy();
        parent(replaced, path).put(path.get(path.size() - 1), value);
        out.add(replaced.encode());
      }
    }
    return out;
  }

  private static List<List<String>> paths(JsonObject o, List<String> prefix) {
    List<List<String>> paths = new ArrayList<>();
    for (String key : o.fieldNames()) {
      List<String> path = new ArrayList<>(prefix);
      path.add(key);
      paths.add(path);
      if (o.getValue(key) instanceof JsonObject inner) {
        paths.addAll(paths(inner, path));
      }
    }
    return paths;
  }

  private static JsonObject parent(JsonObject root, List<String> path) {
    JsonObject o = root;
    for (String key : path.subList(0, path.size() - 1)) {
      o = o.getJsonObject(key);
    }
    return o;
  }
}
