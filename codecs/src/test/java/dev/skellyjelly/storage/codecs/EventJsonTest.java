package dev.skellyjelly.storage.codecs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The JSON forms of CONTRACT §2 (RawEvent in, with every dead-letter rule) and §3 (EventBatch out), plus
 * the typed validator and the timestamp text they share.
 */
class EventJsonTest {

  static final String ID = "8a6f0c1e-1111-4a2b-8c3d-0123456789ab";
  static final String SESSION = "5b1d2c3e-2222-4b3c-9d4e-abcdefabcdef";
  static final String SHOT_ID = "c0ffee00-3333-4c4d-8e5f-00112233aabb";
  static final String TS_TEXT = "2026-11-26T10:00:00.123Z";
  static final long TS = Instant.parse(TS_TEXT).toEpochMilli();
  // The receiver's clock: a little after the sample events.
  static final long NOW = TS + 1000;
  static final ValidationLimits LIMITS = ValidationLimits.DEFAULTS;

  static final byte[] PNG = png(1920, 1080, 300);

  // ---------------------------------------------------------------- samples, as a producer sends them

  /** One JSON event per type, every field set (parsed from text, so numbers have Jackson's types). */
  static Map<EventType, String> samplesText() {
    Map<EventType, String> m = new LinkedHashMap<>();
    m.put(EventType.KEYSTROKE, envelope("keystroke",
      "{\"key_code\":65,\"modifiers\":{\"shift\":true,\"ctrl\":false,\"alt\":true,\"meta\":false},"
        + "\"inter_key_interval_ms\":120}"));
    m.put(EventType.MOUSE_MOVE, envelope("mouse_move", "{\"x\":-5,\"y\":2147483647,\"velocity\":812.5}"));
    m.put(EventType.MOUSE_CLICK, envelope("mouse_click",
      "{\"x\":-2147483648,\"y\":20,\"button\":\"right\",\"click_type\":\"double\"}"));
    m.put(EventType.WINDOW_FOCUS, envelope("window_focus",
      "{\"window_title\":\"Inbox — Mail ✉\",\"app_name\":\"Mail\",\"process_id\":4294967295,\"duration_ms\":15000}"));
    m.put(EventType.SCREENSHOT, envelope("screenshot",
      "{\"screenshot_id\":\"" + SHOT_ID + "\",\"format\":\"png\",\"image\":\"" + Base64.getEncoder().encodeToString(PNG)
        + "\",\"window_title\":\"Report.docx\",\"app_name\":\"Word\","
        + "\"screen_region\":{\"x\":-1920,\"y\":0,\"width\":1920,\"height\":1080},\"privacy_masked\":false}"));
    m.put(EventType.PROCESS, envelope("process",
      "{\"process_id\":4242,\"process_name\":\"firefox\",\"event_type\":\"crashed\"}"));
    m.put(EventType.RESOURCE, envelope("resource",
      "{\"cpu_percent\":250.5,\"memory_mb\":8192,\"disk_io_mb_per_sec\":1.25,\"network_io_mb_per_sec\":0}"));
    return m;
  }

  static String envelope(String type, String data) {
    return "{\"id\":\"" + ID + "\",\"session_id\":\"" + SESSION + "\",\"timestamp\":\"" + TS_TEXT
      + "\",\"event_type\":\"" + type + "\",\"data\":" + data + "}";
  }

  /** What each sample must decode to. */
  static Map<EventType, RawEvent> samplesExpected() {
    Map<EventType, RawEvent> m = new LinkedHashMap<>();
    m.put(EventType.KEYSTROKE, ev(new Keystroke(65, new Keystroke.Modifiers(true, false, true, false), 120L)));
    m.put(EventType.MOUSE_MOVE, ev(new MouseMove(-5, Integer.MAX_VALUE, 812.5)));
    m.put(EventType.MOUSE_CLICK, ev(new MouseClick(Integer.MIN_VALUE, 20, MouseClick.Button.RIGHT,
      MouseClick.ClickType.DOUBLE)));
    m.put(EventType.WINDOW_FOCUS, ev(new WindowFocus("Inbox — Mail ✉", "Mail", 4294967295L, 15000L)));
    m.put(EventType.SCREENSHOT, ev(new Screenshot(SHOT_ID, ImageFormat.PNG, PNG, "Report.docx", "Word",
      new Screenshot.Region(-1920, 0, 1920, 1080), false)));
    m.put(EventType.PROCESS, ev(new ProcessEvent(4242, "firefox", ProcessEvent.Change.CRASHED)));
    m.put(EventType.RESOURCE, ev(new ResourceUsage(250.5, 8192, 1.25, 0.0)));
    return m;
  }

  static RawEvent ev(EventData data) {
    return new RawEvent(ID, SESSION, TS, data);
  }

  static JsonObject sample(EventType t) {
    return new JsonObject(samplesText().get(t));
  }

  static JsonObject data(JsonObject event) {
    return event.getJsonObject("data");
  }

  /** A PNG of the 33-byte header plus {@code extra} bytes of 0xFF filler (so base64 has '/'). */
  static byte[] png(int width, int height, int extra) {
    return TestPng.png(TestPng.HEADER_BYTES + extra, width, height, new byte[0]);
  }

  static RawEvent decode(Object body) {
    return EventJsonDecoder.decode(body, NOW, LIMITS);
  }

  static InvalidEventException reject(Object body) {
    return reject(body, NOW, LIMITS);
  }

  static InvalidEventException reject(Object body, long now, ValidationLimits limits) {
    return assertThrows(InvalidEventException.class, () -> EventJsonDecoder.decode(body, now, limits),
      () -> "accepted: " + body);
  }

  /** The reason, the field, and a detail that names the field (what an operator reads in the dead letter). */
  static void assertRejected(DeadLetterReason reason, String field, InvalidEventException e) {
    assertEquals(reason, e.reason(), () -> "detail: " + e.detail());
    assertEquals(field, e.field(), () -> "detail: " + e.detail());
    if (field != null) {
      assertTrue(e.detail().contains(field), () -> "detail does not name " + field + ": " + e.detail());
    }
  }

  static void assertRejected(DeadLetterReason reason, String field, Object body) {
    assertRejected(reason, field, reject(body));
  }

  // ---------------------------------------------------------------- decoding valid events

  @Nested
  class Decode {

    @Test
    void decodesEverySevenTypeWithEveryField() {
      Map<EventType, RawEvent> expected = samplesExpected();
      assertEquals(EventType.values().length, expected.size());
      for (EventType t : EventType.values()) {
        RawEvent e = decode(sample(t));
        assertEquals(expected.get(t), e, t.wireName());
        assertEquals(t, e.eventType());
      }
    }

    @Test
    void roundTripsEveryType() {
      for (RawEvent e : samplesExpected().values()) {
        assertEquals(e, decode(EventJson.encode(e)), e.eventType().wireName());
        // And through text, as a bridge would carry it.
        assertEquals(e, decode(new JsonObject(EventJson.encode(e).encode())), e.eventType().wireName());
      }
    }

    @Test
    void dataAloneIsTheDataOfTheEventAsABatchShowsIt() {
      for (RawEvent e : samplesExpected().values()) {
        JsonObject data = EventJson.data(e);
        assertEquals(EventJson.encode(e.withoutImage()).getJsonObject("data").encode(), data.encode(), e.eventType().wireName());
        assertFalse(data.containsKey("image"), "no image: " + e.eventType().wireName());
        data.put("size_bytes", 1);
        assertEquals(1, data.getInteger("size_bytes"), "the holder may change it");
      }
    }

    @Test
    void roundTripsNullableFieldsAndMissingIds() {
      List<RawEvent> events = List.of(
        new RawEvent(null, null, TS, new Keystroke(0, new Keystroke.Modifiers(false, false, false, true), null)),
        new RawEvent(ID, null, 0, new WindowFocus("", "x", 0, null)),
        new RawEvent(null, SESSION, TS, new Screenshot(SHOT_ID, ImageFormat.HEIC, null, "t", "a",
          new Screenshot.Region(0, 0, 0, 0), true)));
      for (RawEvent e : events) {
        assertEquals(e, EventJsonDecoder.decode(EventJson.encode(e), NOW, LIMITS));
      }
    }

    @Test
    void absentNullableFieldsAreNull() {
      JsonObject k = sample(EventType.KEYSTROKE);
      data(k).remove("inter_key_interval_ms");
      assertNull(((Keystroke) decode(k).data()).interKeyIntervalMs());

      JsonObject w = sample(EventType.WINDOW_FOCUS);
      data(w).remove("duration_ms");
      assertEquals(new WindowFocus("Inbox — Mail ✉", "Mail", 4294967295L, null), decode(w).data());

      // An explicit null means the same.
      JsonObject w2 = sample(EventType.WINDOW_FOCUS);
      data(w2).putNull("duration_ms");
      assertNull(((WindowFocus) decode(w2).data()).durationMs());
    }

    @Test
    void absentIdAndSessionAreNull() {
      JsonObject k = sample(EventType.KEYSTROKE);
      k.remove("id");
      k.remove("session_id");
      RawEvent e = decode(k);
      assertNull(e.id());
      assertNull(e.sessionId());
    }

    @Test
    void unknownExtraFieldsAreIgnoredAndNotKept() {
      JsonObject s = sample(EventType.SCREENSHOT);
      s.put("producer", "capture-2.1").put("seq", 99);
      data(s).put("dpi", 2.0).put("monitor", new JsonObject().put("name", "DELL"));
      data(s).getJsonObject("screen_region").put("scale", 1.5);
      JsonObject k = sample(EventType.KEYSTROKE);
      data(k).getJsonObject("modifiers").put("fn", true);

      RawEvent shot = decode(s);
      assertEquals(samplesExpected().get(EventType.SCREENSHOT), shot);
      assertEquals(samplesExpected().get(EventType.KEYSTROKE), decode(k));
      JsonObject again = EventJson.encode(shot);
      assertEquals(Set.of("id", "session_id", "timestamp", "event_type", "data"), again.fieldNames());
      assertFalse(data(again).containsKey("dpi"));
      assertFalse(data(again).getJsonObject("screen_region").containsKey("scale"));
    }

    @Test
    void upperCaseUuidsAreAcceptedAndStoredLowerCase() {
      JsonObject s = sample(EventType.SCREENSHOT);
      s.put("id", ID.toUpperCase()).put("session_id", SESSION.toUpperCase());
      data(s).put("screenshot_id", SHOT_ID.toUpperCase());
      RawEvent e = decode(s);
      assertEquals(ID, e.id());
      assertEquals(SESSION, e.sessionId());
      assertEquals(SHOT_ID, ((Screenshot) e.data()).screenshotId());
    }

    @Test
    void timestampWithZ() {
      JsonObject k = sample(EventType.KEYSTROKE).put("timestamp", "2026-11-26T10:00:00.123Z");
      assertEquals(TS, decode(k).timestampMs());
      // Without fraction, and with more digits than milliseconds.
      assertEquals(TS - 123, decode(k.put("timestamp", "2026-11-26T10:00:00Z")).timestampMs());
      assertEquals(TS, decode(k.put("timestamp", "2026-11-26T10:00:00.123456789Z")).timestampMs());
    }

    @Test
    void timestampWithOffsetIsNormalisedToUtc() {
      JsonObject k = sample(EventType.KEYSTROKE);
      assertEquals(TS, decode(k.put("timestamp", "2026-11-26T12:00:00.123+02:00")).timestampMs());
      assertEquals(TS, decode(k.put("timestamp", "2026-11-26T04:30:00.123-05:30")).timestampMs());
      assertEquals(TS, decode(k.put("timestamp", "2026-11-26T10:00:00.123+00:00")).timestampMs());
      // Written back in the contract's UTC form.
      assertEquals(TS_TEXT, EventJson.encode(decode(k)).getString("timestamp"));
    }

    @Test
    void timestampAsEpochMillisInteger() {
      JsonObject k = sample(EventType.KEYSTROKE);
      assertEquals(TS, decode(new JsonObject(k.put("timestamp", TS).encode())).timestampMs());
      assertEquals(0, decode(k.put("timestamp", 0)).timestampMs());
      assertEquals(1234, decode(k.put("timestamp", 1234)).timestampMs());
    }

    @Test
    void timestampUpToMaxClockSkewInTheFutureIsAccepted() {
      JsonObject k = sample(EventType.KEYSTROKE).put("timestamp", NOW + LIMITS.maxClockSkewMs());
      assertEquals(NOW + 5000, decode(k).timestampMs());
    }

    @Test
    void imageAsStandardBase64WithAndWithoutPaddingAndAsBase64Url() {
      byte[] img = png(640, 480, 100); // 133 bytes: not a multiple of 3, so it needs padding
      String std = Base64.getEncoder().encodeToString(img);
      assertTrue(std.endsWith("=") && std.contains("/"), "precondition: padded, with '/' " + std);
      List<String> forms = List.of(
        std,
        Base64.getEncoder().withoutPadding().encodeToString(img),
        Base64.getUrlEncoder().withoutPadding().encodeToString(img),
        Base64.getUrlEncoder().encodeToString(img));
      for (String form : forms) {
        JsonObject s = sample(EventType.SCREENSHOT);
        data(s).put("image", form);
        Screenshot shot = (Screenshot) decode(s).data();
        assertArrayEquals(img, shot.image(), form);
      }
    }

    @Test
    void imageWithPlusSignIsStandardBase64() {
      // The 33-byte header ends on a 3-byte boundary, so FB EF BE encodes to "++++".
      byte[] head = png(10, 10, 0);
      assertEquals(33, head.length);
      byte[] img = Buffer.buffer().appendBytes(head).appendBytes(new byte[] {(byte) 0xFB, (byte) 0xEF, (byte) 0xBE, 1})
        .getBytes();
      String std = Base64.getEncoder().encodeToString(img);
      assertTrue(std.contains("++++") && std.endsWith("=="), "precondition: '+' and padding " + std);
      JsonObject s = sample(EventType.SCREENSHOT);
      data(s).put("image", std);
      assertArrayEquals(img, ((Screenshot) decode(s).data()).image());
    }

    @Test
    void maskedScreenshotWithAbsentOrEmptyImageIsAccepted() {
      JsonObject absent = sample(EventType.SCREENSHOT);
      data(absent).remove("image");
      data(absent).put("privacy_masked", true);
      Screenshot a = (Screenshot) decode(absent).data();
      assertNull(a.image());
      assertTrue(a.privacyMasked());

      JsonObject empty = sample(EventType.SCREENSHOT);
      data(empty).put("image", "").put("privacy_masked", true);
      Screenshot b = (Screenshot) decode(empty).data();
      assertEquals(0, b.imageLength());
      assertTrue(b.privacyMasked());
    }

    @Test
    void boundaryNumbersAreAccepted() {
      JsonObject k = sample(EventType.KEYSTROKE);
      data(k).put("key_code", 0).put("inter_key_interval_ms", 4294967295L);
      assertEquals(new Keystroke(0, new Keystroke.Modifiers(true, false, true, false), 4294967295L),
        decode(new JsonObject(k.encode())).data());
      JsonObject r = sample(EventType.RESOURCE);
      // cpu_percent has no upper bound (several cores); integers are fine where a float belongs.
      data(r).put("cpu_percent", 1600).put("memory_mb", 0).put("disk_io_mb_per_sec", 1e12);
      assertEquals(new ResourceUsage(1600.0, 0, 1e12, 0.0), decode(new JsonObject(r.encode())).data());
      JsonObject w = sample(EventType.WINDOW_FOCUS);
      String title = "é".repeat(ValidationLimits.MAX_STRING_CHARS);
      data(w).put("window_title", title).put("app_name", "").put("process_id", 0);
      assertEquals(title, ((WindowFocus) decode(w).data()).windowTitle());
    }
  }

  // ---------------------------------------------------------------- dead letters, one reason at a time

  @Nested
  class DeadLetters {

    @Test
    void notAnObject() {
      for (Object body : Arrays.asList(samplesText().get(EventType.KEYSTROKE), 42, 1.5,
        new JsonArray().add(sample(EventType.KEYSTROKE)), null, true)) {
        InvalidEventException e = reject(body);
        assertEquals(DeadLetterReason.NOT_AN_OBJECT, e.reason(), String.valueOf(body));
        assertNull(e.field());
      }
    }

    @Test
    void unknownEventType() {
      for (Object t : List.of("scroll", "Keystroke", "KEYSTROKE", "", 3, new JsonObject())) {
        JsonObject k = sample(EventType.KEYSTROKE).put("event_type", t);
        assertRejected(DeadLetterReason.UNKNOWN_EVENT_TYPE, "event_type", k);
      }
    }

    @Test
    void missingTopLevelFields() {
      for (String key : List.of("timestamp", "event_type", "data")) {
        JsonObject k = sample(EventType.KEYSTROKE);
        k.remove(key);
        assertRejected(DeadLetterReason.MISSING_FIELD, key, k);
        // An explicit null is missing too.
        assertRejected(DeadLetterReason.MISSING_FIELD, key, sample(EventType.KEYSTROKE).putNull(key));
      }
    }

    @Test
    void everyRequiredDataFieldOfEveryTypeIsMissingWhenAbsentOrNull() {
      Set<String> nullable = Set.of("inter_key_interval_ms", "duration_ms");
      int checked = 0;
      for (EventType t : EventType.values()) {
        for (String key : sample(t).getJsonObject("data").fieldNames()) {
          if (nullable.contains(key)) {
            continue;
          }
          JsonObject absent = sample(t);
          data(absent).remove(key);
          assertRejected(DeadLetterReason.MISSING_FIELD, "data." + key, absent);
          JsonObject nul = sample(t);
          data(nul).putNull(key);
          assertRejected(DeadLetterReason.MISSING_FIELD, "data." + key, nul);
          Object nested = sample(t).getJsonObject("data").getValue(key);
          if (nested instanceof JsonObject n) {
            for (String sub : n.fieldNames()) {
              JsonObject inner = sample(t);
              data(inner).getJsonObject(key).remove(sub);
              assertRejected(DeadLetterReason.MISSING_FIELD, "data." + key + "." + sub, inner);
              checked++;
            }
          }
          checked++;
        }
      }
      // keystroke 2 + 4 modifiers, mouse_move 3, mouse_click 4, window_focus 3, screenshot 7 + 4 region,
      // process 3, resource 4.
      assertEquals(2 + 4 + 3 + 4 + 3 + 7 + 4 + 3 + 4, checked);
    }

    @Test
    void badUuid() {
      for (String bad : List.of("", "not-a-uuid", "8a6f0c1e11114a2b8c3d0123456789ab", ID + "0", ID.substring(1),
        "8a6f0c1e-1111-4a2b-8c3d-0123456789ag", "{" + ID + "}", " " + ID.substring(1),
        "８a6f0c1e-1111-4a2b-8c3d-0123456789ab")) {
        assertRejected(DeadLetterReason.BAD_UUID, "id", sample(EventType.KEYSTROKE).put("id", bad));
        assertRejected(DeadLetterReason.BAD_UUID, "session_id", sample(EventType.KEYSTROKE).put("session_id", bad));
        JsonObject s = sample(EventType.SCREENSHOT);
        data(s).put("screenshot_id", bad);
        assertRejected(DeadLetterReason.BAD_UUID, "data.screenshot_id", s);
      }
      // Not text at all.
      assertRejected(DeadLetterReason.BAD_UUID, "id", sample(EventType.KEYSTROKE).put("id", 123));
      assertRejected(DeadLetterReason.BAD_UUID, "session_id",
        sample(EventType.KEYSTROKE).put("session_id", new JsonObject()));
    }

    @Test
    void badTimestamp() {
      List<Object> bad = List.of(
        "2026-11-26T10:00:00.123",        // no zone
        "2026-11-26 10:00:00.123Z",       // not ISO-8601
        "yesterday",
        "",
        String.valueOf(TS),               // digits as text are not an integer
        -1,
        -TS,
        "1969-12-31T23:59:59.999Z",       // negative as text
        1.7641512E12,                     // a float
        (double) TS,
        true);
      for (Object ts : bad) {
        assertRejected(DeadLetterReason.BAD_TIMESTAMP, "timestamp", sample(EventType.KEYSTROKE).put("timestamp", ts));
      }
      // A float timestamp parsed from text, as it arrives over a bridge.
      String text = samplesText().get(EventType.MOUSE_MOVE).replace("\"" + TS_TEXT + "\"", TS + ".0");
      assertRejected(DeadLetterReason.BAD_TIMESTAMP, "timestamp", new JsonObject(text));
    }

    @Test
    void futureTimestampBeyondMaxClockSkew() {
      ValidationLimits limits = new ValidationLimits(1000, LIMITS.maxImageBytes());
      JsonObject ok = sample(EventType.KEYSTROKE).put("timestamp", NOW + 1000);
      assertEquals(NOW + 1000, EventJsonDecoder.decode(ok, NOW, limits).timestampMs());
      JsonObject late = sample(EventType.KEYSTROKE).put("timestamp", NOW + 1001);
      assertRejected(DeadLetterReason.FUTURE_TIMESTAMP, "timestamp", reject(late, NOW, limits));
      JsonObject iso = sample(EventType.KEYSTROKE).put("timestamp", Timestamps.format(NOW + 60_000));
      assertRejected(DeadLetterReason.FUTURE_TIMESTAMP, "timestamp", reject(iso, NOW, limits));
      // With the default 5 s skew.
      assertRejected(DeadLetterReason.FUTURE_TIMESTAMP, "timestamp",
        sample(EventType.KEYSTROKE).put("timestamp", NOW + 5001));
    }

    @Test
    void badFieldStringWhereANumberBelongs() {
      JsonObject k = sample(EventType.KEYSTROKE);
      data(k).put("key_code", "65");
      assertRejected(DeadLetterReason.BAD_FIELD, "data.key_code", k);
      JsonObject m = sample(EventType.MOUSE_MOVE);
      data(m).put("velocity", "812.5");
      assertRejected(DeadLetterReason.BAD_FIELD, "data.velocity", m);
      JsonObject c = sample(EventType.MOUSE_CLICK);
      data(c).put("x", "10");
      assertRejected(DeadLetterReason.BAD_FIELD, "data.x", c);
      JsonObject r = sample(EventType.RESOURCE);
      data(r).put("memory_mb", "8192");
      assertRejected(DeadLetterReason.BAD_FIELD, "data.memory_mb", r);
    }

    @Test
    void badFieldU32OutOfRange() {
      for (Object v : List.of(-1, 4294967296L, Long.MAX_VALUE, 1.5)) {
        JsonObject k = sample(EventType.KEYSTROKE);
        data(k).put("key_code", v);
        assertRejected(DeadLetterReason.BAD_FIELD, "data.key_code", new JsonObject(k.encode()));
        JsonObject k2 = sample(EventType.KEYSTROKE);
        data(k2).put("inter_key_interval_ms", v);
        assertRejected(DeadLetterReason.BAD_FIELD, "data.inter_key_interval_ms", new JsonObject(k2.encode()));
        JsonObject w = sample(EventType.WINDOW_FOCUS);
        data(w).put("process_id", v);
        assertRejected(DeadLetterReason.BAD_FIELD, "data.process_id", new JsonObject(w.encode()));
        JsonObject s = sample(EventType.SCREENSHOT);
        data(s).getJsonObject("screen_region").put("width", v);
        assertRejected(DeadLetterReason.BAD_FIELD, "data.screen_region.width", new JsonObject(s.encode()));
      }
      // Beyond a long, as Jackson reads it from text.
      String huge = samplesText().get(EventType.PROCESS).replace("4242", "18446744073709551616");
      assertRejected(DeadLetterReason.BAD_FIELD, "data.process_id", new JsonObject(huge));
    }

    @Test
    void badFieldI32Overflow() {
      for (long v : new long[] {2147483648L, -2147483649L, Long.MIN_VALUE}) {
        JsonObject m = sample(EventType.MOUSE_MOVE);
        data(m).put("x", v);
        assertRejected(DeadLetterReason.BAD_FIELD, "data.x", new JsonObject(m.encode()));
        JsonObject c = sample(EventType.MOUSE_CLICK);
        data(c).put("y", v);
        assertRejected(DeadLetterReason.BAD_FIELD, "data.y", new JsonObject(c.encode()));
        JsonObject s = sample(EventType.SCREENSHOT);
        data(s).getJsonObject("screen_region").put("x", v);
        assertRejected(DeadLetterReason.BAD_FIELD, "data.screen_region.x", new JsonObject(s.encode()));
      }
    }

    @Test
    void badFieldNonFiniteOrNegativeFloats() {
      // NaN and Infinity cannot come from JSON text; a JVM producer can build them in code.
      for (double v : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.1}) {
        JsonObject m = sample(EventType.MOUSE_MOVE);
        data(m).put("velocity", v);
        assertRejected(DeadLetterReason.BAD_FIELD, "data.velocity", m);
        for (String key : List.of("cpu_percent", "disk_io_mb_per_sec", "network_io_mb_per_sec")) {
          JsonObject r = sample(EventType.RESOURCE);
          data(r).put(key, v);
          assertRejected(DeadLetterReason.BAD_FIELD, "data." + key, r);
        }
      }
      JsonObject r = sample(EventType.RESOURCE);
      data(r).put("cpu_percent", -1);
      assertRejected(DeadLetterReason.BAD_FIELD, "data.cpu_percent", new JsonObject(r.encode()));
    }

    @Test
    void badFieldEnumsAreLowerCaseExactly() {
      JsonObject c = sample(EventType.MOUSE_CLICK);
      data(c).put("button", "Left");
      assertRejected(DeadLetterReason.BAD_FIELD, "data.button", c);
      JsonObject c2 = sample(EventType.MOUSE_CLICK);
      data(c2).put("click_type", "SINGLE");
      assertRejected(DeadLetterReason.BAD_FIELD, "data.click_type", c2);
      JsonObject c3 = sample(EventType.MOUSE_CLICK);
      data(c3).put("button", "back");
      assertRejected(DeadLetterReason.BAD_FIELD, "data.button", c3);
      JsonObject p = sample(EventType.PROCESS);
      data(p).put("event_type", "Started");
      assertRejected(DeadLetterReason.BAD_FIELD, "data.event_type", p);
      JsonObject s = sample(EventType.SCREENSHOT);
      data(s).put("format", "PNG");
      assertRejected(DeadLetterReason.BAD_FIELD, "data.format", s);
      JsonObject s2 = sample(EventType.SCREENSHOT);
      data(s2).put("format", "jpeg");
      assertRejected(DeadLetterReason.BAD_FIELD, "data.format", s2);
    }

    @Test
    void badFieldWrongShapes() {
      assertRejected(DeadLetterReason.BAD_FIELD, "data", sample(EventType.KEYSTROKE).put("data", "{}"));
      assertRejected(DeadLetterReason.BAD_FIELD, "data", sample(EventType.KEYSTROKE).put("data", new JsonArray()));
      JsonObject k = sample(EventType.KEYSTROKE);
      data(k).put("modifiers", new JsonArray().add(true));
      assertRejected(DeadLetterReason.BAD_FIELD, "data.modifiers", k);
      JsonObject k2 = sample(EventType.KEYSTROKE);
      data(k2).getJsonObject("modifiers").put("ctrl", "false");
      assertRejected(DeadLetterReason.BAD_FIELD, "data.modifiers.ctrl", k2);
      JsonObject s = sample(EventType.SCREENSHOT);
      data(s).put("privacy_masked", 0);
      assertRejected(DeadLetterReason.BAD_FIELD, "data.privacy_masked", s);
      JsonObject s2 = sample(EventType.SCREENSHOT);
      data(s2).put("screen_region", "0,0,1920,1080");
      assertRejected(DeadLetterReason.BAD_FIELD, "data.screen_region", s2);
      JsonObject w = sample(EventType.WINDOW_FOCUS);
      data(w).put("app_name", 7);
      assertRejected(DeadLetterReason.BAD_FIELD, "data.app_name", w);
    }

    @Test
    void tooLargeStrings() {
      String long4097 = "x".repeat(ValidationLimits.MAX_STRING_CHARS + 1);
      JsonObject w = sample(EventType.WINDOW_FOCUS);
      data(w).put("window_title", long4097);
      assertRejected(DeadLetterReason.TOO_LARGE, "data.window_title", w);
      JsonObject w2 = sample(EventType.WINDOW_FOCUS);
      data(w2).put("app_name", long4097);
      assertRejected(DeadLetterReason.TOO_LARGE, "data.app_name", w2);
      JsonObject s = sample(EventType.SCREENSHOT);
      data(s).put("window_title", long4097);
      assertRejected(DeadLetterReason.TOO_LARGE, "data.window_title", s);
      JsonObject p = sample(EventType.PROCESS);
      data(p).put("process_name", long4097);
      assertRejected(DeadLetterReason.TOO_LARGE, "data.process_name", p);
    }

    @Test
    void tooLargeImage() {
      ValidationLimits limits = new ValidationLimits(5000, 1000);
      byte[] exact = png(64, 64, 1000 - 33);
      assertEquals(1000, exact.length);
      for (byte[] img : List.of(png(64, 64, 1001 - 33), png(64, 64, 5000))) {
        for (String form : List.of(Base64.getEncoder().encodeToString(img),
          Base64.getUrlEncoder().withoutPadding().encodeToString(img))) {
          JsonObject s = sample(EventType.SCREENSHOT);
          data(s).put("image", form);
          assertRejected(DeadLetterReason.TOO_LARGE, "data.image", reject(s, NOW, limits));
        }
      }
      // Exactly the maximum is fine, in either form.
      for (String form : List.of(Base64.getEncoder().encodeToString(exact),
        Base64.getUrlEncoder().withoutPadding().encodeToString(exact))) {
        JsonObject s = sample(EventType.SCREENSHOT);
        data(s).put("image", form);
        assertArrayEquals(exact, ((Screenshot) EventJsonDecoder.decode(s, NOW, limits).data()).image());
      }
    }

    @Test
    void badImage() {
      byte[] cut = Arrays.copyOf(PNG, 20);
      List<JsonObject> bodies = new ArrayList<>();
      for (String img : List.of("@@@@", "not base64!", "a", "abc=d===", "ab+c-d__")) {
        JsonObject s = sample(EventType.SCREENSHOT);
        data(s).put("image", img);
        bodies.add(s);
      }
      JsonObject pngAsWebp = sample(EventType.SCREENSHOT);
      data(pngAsWebp).put("format", "webp");
      bodies.add(pngAsWebp);
      JsonObject shortHeader = sample(EventType.SCREENSHOT);
      data(shortHeader).put("image", Base64.getEncoder().encodeToString(cut));
      bodies.add(shortHeader);
      JsonObject empty = sample(EventType.SCREENSHOT);
      data(empty).put("image", "");
      bodies.add(empty);
      JsonObject unknownMagic = sample(EventType.SCREENSHOT);
      data(unknownMagic).put("image", Base64.getEncoder().encodeToString("hello, world: not an image".getBytes()));
      bodies.add(unknownMagic);
      for (JsonObject s : bodies) {
        assertRejected(DeadLetterReason.BAD_IMAGE, "data.image", s);
      }
    }

    @Test
    void nonMaskedScreenshotWithoutImageIsMissingField() {
      JsonObject s = sample(EventType.SCREENSHOT);
      data(s).remove("image");
      assertRejected(DeadLetterReason.MISSING_FIELD, "data.image", s);
    }

    @Test
    void detailNeverCarriesImageBytes() {
      JsonObject s = sample(EventType.SCREENSHOT);
      data(s).put("format", "webp");
      InvalidEventException e = reject(s);
      String b64 = Base64.getEncoder().encodeToString(PNG);
      assertFalse(e.detail().contains(b64.substring(0, 16)), e.detail());
    }
  }

  // ---------------------------------------------------------------- precedence

  @Nested
  class Precedence {

    /** The contract's order (§2), written out here so that nothing below depends on how the enum is declared. */
    private static final List<String> CONTRACT_ORDER = List.of("not_an_object", "bad_wire", "unknown_event_type",
      "missing_field", "bad_uuid", "bad_timestamp", "future_timestamp", "bad_field", "too_large", "bad_image");

    @Test
    void everyReasonHasItsContractRank() {
      assertEquals(CONTRACT_ORDER.size(), DeadLetterReason.values().length);
      for (DeadLetterReason r : DeadLetterReason.values()) {
        assertEquals(CONTRACT_ORDER.indexOf(r.wireName()) + 1, r.precedence(), r.wireName());
      }
    }

    @Test
    void ofTwoProblemsTheContractsEarlierReasonWinsWhicheverIsFoundFirst() {
      for (DeadLetterReason a : DeadLetterReason.values()) {
        for (DeadLetterReason b : DeadLetterReason.values()) {
          if (a == b) {
            continue;
          }
          Problems p = new Problems();
          p.add(a, "first", "found first");
          p.add(b, "second", "found second");
          InvalidEventException e = assertThrows(InvalidEventException.class, p::throwIfAny);
          String expected = CONTRACT_ORDER.get(Math.min(CONTRACT_ORDER.indexOf(a.wireName()),
            CONTRACT_ORDER.indexOf(b.wireName())));
          assertEquals(expected, e.reason().wireName(), a.wireName() + " then " + b.wireName());
          assertEquals(expected.equals(a.wireName()) ? "first" : "second", e.field(), "the winner's field is named");
        }
      }
    }

    @Test
    void unknownEventTypeBeatsMissingFields() {
      JsonObject j = new JsonObject().put("event_type", "scroll").put("id", "nope");
      assertRejected(DeadLetterReason.UNKNOWN_EVENT_TYPE, "event_type", j);
    }

    @Test
    void missingFieldBeatsBadUuid() {
      JsonObject k = sample(EventType.KEYSTROKE).put("id", "nope");
      data(k).remove("key_code");
      assertRejected(DeadLetterReason.MISSING_FIELD, "data.key_code", k);
      JsonObject k2 = sample(EventType.KEYSTROKE).put("session_id", "");
      k2.remove("timestamp");
      assertRejected(DeadLetterReason.MISSING_FIELD, "timestamp", k2);
    }

    @Test
    void badUuidBeatsBadTimestampAndBadField() {
      JsonObject k = sample(EventType.KEYSTROKE).put("id", "nope");
      data(k).put("key_code", "65");
      assertRejected(DeadLetterReason.BAD_UUID, "id", k);
      JsonObject k2 = sample(EventType.KEYSTROKE).put("timestamp", "soon").put("session_id", "");
      data(k2).put("key_code", -1);
      assertRejected(DeadLetterReason.BAD_UUID, "session_id", k2);
      JsonObject s = sample(EventType.SCREENSHOT).put("timestamp", "soon");
      data(s).put("screenshot_id", "").put("format", "gif");
      assertRejected(DeadLetterReason.BAD_UUID, "data.screenshot_id", s);
    }

    @Test
    void badTimestampBeatsBadField() {
      JsonObject k = sample(EventType.KEYSTROKE).put("timestamp", "soon");
      data(k).put("key_code", -1);
      assertRejected(DeadLetterReason.BAD_TIMESTAMP, "timestamp", k);
    }

    @Test
    void futureTimestampBeatsBadFieldAndTooLarge() {
      JsonObject w = sample(EventType.WINDOW_FOCUS).put("timestamp", NOW + 60_000);
      data(w).put("window_title", "x".repeat(5000));
      assertRejected(DeadLetterReason.FUTURE_TIMESTAMP, "timestamp", w);
      JsonObject m = sample(EventType.MOUSE_MOVE).put("timestamp", NOW + 60_000);
      data(m).put("velocity", -1.0);
      assertRejected(DeadLetterReason.FUTURE_TIMESTAMP, "timestamp", m);
    }

    @Test
    void badFieldBeatsTooLarge() {
      JsonObject w = sample(EventType.WINDOW_FOCUS);
      data(w).put("window_title", "x".repeat(5000)).put("process_id", -1);
      assertRejected(DeadLetterReason.BAD_FIELD, "data.process_id", w);
    }

    @Test
    void badFieldBeatsBadImage() {
      JsonObject s = sample(EventType.SCREENSHOT);
      data(s).put("image", "@@@@").getJsonObject("screen_region").put("height", -1);
      assertRejected(DeadLetterReason.BAD_FIELD, "data.screen_region.height", s);
    }

    @Test
    void tooLargeBeatsBadImage() {
      // The image header contradicts the format and the title is too long: too_large comes first.
      JsonObject s = sample(EventType.SCREENSHOT);
      data(s).put("format", "webp").put("window_title", "x".repeat(5000));
      assertRejected(DeadLetterReason.TOO_LARGE, "data.window_title", s);
      // Same with an empty non-masked image.
      JsonObject s2 = sample(EventType.SCREENSHOT);
      data(s2).put("image", "").put("app_name", "x".repeat(5000));
      assertRejected(DeadLetterReason.TOO_LARGE, "data.app_name", s2);
    }

    @Test
    void tooLargeBeatsBrokenBase64() {
      // Broken base64 is bad_image, which ranks below too_large.
      JsonObject s = sample(EventType.SCREENSHOT);
      data(s).put("image", "@@@@").put("window_title", "x".repeat(5000));
      assertRejected(DeadLetterReason.TOO_LARGE, "data.window_title", s);
    }
  }

  // ---------------------------------------------------------------- typed events

  @Nested
  class Validator {

    RawEvent valid(EventData d) {
      return EventValidator.validate(ev(d), NOW, LIMITS);
    }

    InvalidEventException rejectTyped(RawEvent e) {
      return assertThrows(InvalidEventException.class, () -> EventValidator.validate(e, NOW, LIMITS),
        () -> "accepted: " + e);
    }

    void assertTyped(DeadLetterReason reason, String field, RawEvent e) {
      assertRejected(reason, field, rejectTyped(e));
    }

    void assertTyped(DeadLetterReason reason, String field, EventData d) {
      assertTyped(reason, field, ev(d));
    }

    Screenshot shot(byte[] image, boolean masked) {
      return new Screenshot(SHOT_ID, ImageFormat.PNG, image, "t", "a", new Screenshot.Region(0, 0, 1, 1), masked);
    }

    @Test
    void validEventsPassUnchanged() {
      for (RawEvent e : samplesExpected().values()) {
        assertSame(e, EventValidator.validate(e, NOW, LIMITS), e.eventType().wireName());
      }
    }

    @Test
    void returnsLowerCaseIds() {
      RawEvent upper = new RawEvent(ID.toUpperCase(), SESSION.toUpperCase(), TS,
        new Screenshot(SHOT_ID.toUpperCase(), ImageFormat.PNG, PNG, "t", "a",
          new Screenshot.Region(0, 0, 1, 1), false));
      RawEvent e = EventValidator.validate(upper, NOW, LIMITS);
      assertEquals(ID, e.id());
      assertEquals(SESSION, e.sessionId());
      assertEquals(SHOT_ID, ((Screenshot) e.data()).screenshotId());
      assertArrayEquals(PNG, ((Screenshot) e.data()).image());
      RawEvent mixed = new RawEvent("8A6F0C1E-1111-4a2b-8C3D-0123456789AB", null, TS, new MouseMove(1, 2, 3));
      assertEquals(ID, EventValidator.validate(mixed, NOW, LIMITS).id());
    }

    @Test
    void badUuids() {
      assertTyped(DeadLetterReason.BAD_UUID, "id", new RawEvent("", null, TS, new MouseMove(0, 0, 0)));
      assertTyped(DeadLetterReason.BAD_UUID, "session_id", new RawEvent(null, "nope", TS, new MouseMove(0, 0, 0)));
      assertTyped(DeadLetterReason.BAD_UUID, "data.screenshot_id", new Screenshot("", ImageFormat.PNG, PNG, "t",
        "a", new Screenshot.Region(0, 0, 1, 1), false));
    }

    @Test
    void timestamps() {
      assertTyped(DeadLetterReason.BAD_TIMESTAMP, "timestamp", new RawEvent(ID, SESSION, -1, new MouseMove(0, 0, 0)));
      assertTyped(DeadLetterReason.FUTURE_TIMESTAMP, "timestamp",
        new RawEvent(ID, SESSION, NOW + 5001, new MouseMove(0, 0, 0)));
      assertEquals(NOW + 5000,
        EventValidator.validate(new RawEvent(ID, SESSION, NOW + 5000, new MouseMove(0, 0, 0)),
          NOW, LIMITS).timestampMs());
    }

    @Test
    void u32Ranges() {
      Keystroke.Modifiers none = new Keystroke.Modifiers(false, false, false, false);
      for (long v : new long[] {-1, 1L << 32, Long.MAX_VALUE, Long.MIN_VALUE}) {
        assertTyped(DeadLetterReason.BAD_FIELD, "data.key_code", new Keystroke(v, none, null));
        assertTyped(DeadLetterReason.BAD_FIELD, "data.inter_key_interval_ms", new Keystroke(1, none, v));
        assertTyped(DeadLetterReason.BAD_FIELD, "data.process_id", new WindowFocus("t", "a", v, null));
        assertTyped(DeadLetterReason.BAD_FIELD, "data.duration_ms", new WindowFocus("t", "a", 1, v));
        assertTyped(DeadLetterReason.BAD_FIELD, "data.process_id",
          new ProcessEvent(v, "p", ProcessEvent.Change.STARTED));
        assertTyped(DeadLetterReason.BAD_FIELD, "data.memory_mb", new ResourceUsage(1, v, 1, 1));
        assertTyped(DeadLetterReason.BAD_FIELD, "data.screen_region.width", new Screenshot(SHOT_ID, ImageFormat.PNG,
          PNG, "t", "a", new Screenshot.Region(0, 0, v, 1), false));
        assertTyped(DeadLetterReason.BAD_FIELD, "data.screen_region.height", new Screenshot(SHOT_ID, ImageFormat.PNG,
          PNG, "t", "a", new Screenshot.Region(0, 0, 1, v), false));
      }
      valid(new Keystroke(4294967295L, none, 4294967295L));
      valid(new Keystroke(0, none, 0L));
      valid(new ResourceUsage(0, 4294967295L, 0, 0));
    }

    @Test
    void floats() {
      for (double v : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.5}) {
        assertTyped(DeadLetterReason.BAD_FIELD, "data.velocity", new MouseMove(0, 0, v));
        assertTyped(DeadLetterReason.BAD_FIELD, "data.cpu_percent", new ResourceUsage(v, 1, 1, 1));
        assertTyped(DeadLetterReason.BAD_FIELD, "data.disk_io_mb_per_sec", new ResourceUsage(1, 1, v, 1));
        assertTyped(DeadLetterReason.BAD_FIELD, "data.network_io_mb_per_sec", new ResourceUsage(1, 1, 1, v));
      }
      valid(new ResourceUsage(3200.0, 1, 0, Double.MAX_VALUE));
    }

    @Test
    void nullRequiredFieldsAreMissing() {
      Keystroke.Modifiers none = new Keystroke.Modifiers(false, false, false, false);
      Screenshot.Region r = new Screenshot.Region(0, 0, 1, 1);
      assertTyped(DeadLetterReason.MISSING_FIELD, "data.modifiers", new Keystroke(1, null, null));
      assertTyped(DeadLetterReason.MISSING_FIELD, "data.button",
        new MouseClick(0, 0, null, MouseClick.ClickType.SINGLE));
      assertTyped(DeadLetterReason.MISSING_FIELD, "data.click_type",
        new MouseClick(0, 0, MouseClick.Button.LEFT, null));
      assertTyped(DeadLetterReason.MISSING_FIELD, "data.window_title", new WindowFocus(null, "a", 1, null));
      assertTyped(DeadLetterReason.MISSING_FIELD, "data.app_name", new WindowFocus("t", null, 1, null));
      assertTyped(DeadLetterReason.MISSING_FIELD, "data.process_name",
        new ProcessEvent(1, null, ProcessEvent.Change.STOPPED));
      assertTyped(DeadLetterReason.MISSING_FIELD, "data.event_type", new ProcessEvent(1, "p", null));
      assertTyped(DeadLetterReason.MISSING_FIELD, "data.screenshot_id",
        new Screenshot(null, ImageFormat.PNG, PNG, "t", "a", r, false));
      assertTyped(DeadLetterReason.MISSING_FIELD, "data.format",
        new Screenshot(SHOT_ID, null, PNG, "t", "a", r, false));
      assertTyped(DeadLetterReason.MISSING_FIELD, "data.window_title",
        new Screenshot(SHOT_ID, ImageFormat.PNG, PNG, null, "a", r, false));
      assertTyped(DeadLetterReason.MISSING_FIELD, "data.app_name",
        new Screenshot(SHOT_ID, ImageFormat.PNG, PNG, "t", null, r, false));
      assertTyped(DeadLetterReason.MISSING_FIELD, "data.screen_region",
        new Screenshot(SHOT_ID, ImageFormat.PNG, PNG, "t", "a", null, false));
      assertTyped(DeadLetterReason.MISSING_FIELD, "data.image", shot(null, false));
      valid(new Keystroke(1, none, null));
    }

    @Test
    void stringLengths() {
      String max = "ü".repeat(ValidationLimits.MAX_STRING_CHARS);
      String over = max + "x";
      valid(new WindowFocus(max, max, 1, null));
      valid(new ProcessEvent(1, max, ProcessEvent.Change.STARTED));
      assertTyped(DeadLetterReason.TOO_LARGE, "data.window_title", new WindowFocus(over, "a", 1, null));
      assertTyped(DeadLetterReason.TOO_LARGE, "data.app_name", new WindowFocus("t", over, 1, null));
      assertTyped(DeadLetterReason.TOO_LARGE, "data.process_name",
        new ProcessEvent(1, over, ProcessEvent.Change.STARTED));
      assertTyped(DeadLetterReason.TOO_LARGE, "data.window_title", new Screenshot(SHOT_ID, ImageFormat.PNG, PNG, over,
        "a", new Screenshot.Region(0, 0, 1, 1), false));
      assertTyped(DeadLetterReason.TOO_LARGE, "data.app_name", new Screenshot(SHOT_ID, ImageFormat.PNG, PNG, "t",
        over, new Screenshot.Region(0, 0, 1, 1), false));
    }

    @Test
    void imageChecks() {
      assertTyped(DeadLetterReason.BAD_IMAGE, "data.image", shot(new byte[0], false));
      assertTyped(DeadLetterReason.BAD_IMAGE, "data.image", shot(Arrays.copyOf(PNG, 20), false));
      assertTyped(DeadLetterReason.BAD_IMAGE, "data.image", shot("GIF89a and then some more bytes".getBytes(), false));
      assertTyped(DeadLetterReason.BAD_IMAGE, "data.image", new Screenshot(SHOT_ID, ImageFormat.WEBP, PNG, "t", "a",
        new Screenshot.Region(0, 0, 1, 1), false));
      // Masked captures may come without pixels.
      assertNull(((Screenshot) valid(shot(null, true)).data()).image());
      assertEquals(0, ((Screenshot) valid(shot(new byte[0], true)).data()).imageLength());

      ValidationLimits small = new ValidationLimits(5000, 1000);
      RawEvent over = ev(shot(png(8, 8, 1001 - 33), false));
      assertRejected(DeadLetterReason.TOO_LARGE, "data.image",
        assertThrows(InvalidEventException.class, () -> EventValidator.validate(over, NOW, small)));
      RawEvent exact = ev(shot(png(8, 8, 1000 - 33), false));
      assertSame(exact, EventValidator.validate(exact, NOW, small));
    }

    @Test
    void precedenceOnTypedEvents() {
      // bad_uuid + bad_field → bad_uuid
      assertTyped(DeadLetterReason.BAD_UUID, "id", new RawEvent("x", SESSION, TS, new MouseMove(0, 0, -1)));
      // missing_field + bad_uuid → missing_field
      assertTyped(DeadLetterReason.MISSING_FIELD, "data.window_title",
        new RawEvent("x", SESSION, TS, new WindowFocus(null, "a", 1, null)));
      // future_timestamp + too_large → future_timestamp
      assertTyped(DeadLetterReason.FUTURE_TIMESTAMP, "timestamp",
        new RawEvent(ID, SESSION, NOW + 10_000, new WindowFocus("x".repeat(5000), "a", 1, null)));
      // too_large + bad_image → too_large
      assertTyped(DeadLetterReason.TOO_LARGE, "data.app_name", new Screenshot(SHOT_ID, ImageFormat.WEBP, PNG, "t",
        "x".repeat(5000), new Screenshot.Region(0, 0, 1, 1), false));
      // bad_field + too_large → bad_field
      assertTyped(DeadLetterReason.BAD_FIELD, "data.process_id",
        new ProcessEvent(-1, "x".repeat(5000), ProcessEvent.Change.STARTED));
    }
  }

  // ---------------------------------------------------------------- timestamps out

  @Nested
  class TimestampText {

    @Test
    void exactContractForm() {
      assertEquals("1970-01-01T00:00:00.000Z", Timestamps.format(0));
      assertEquals("1970-01-01T00:00:00.001Z", Timestamps.format(1));
      assertEquals("2024-02-29T23:59:59.999Z",
        Timestamps.format(Instant.parse("2024-02-29T23:59:59.999Z").toEpochMilli()));
      assertEquals("2000-02-29T00:00:00.000Z", Timestamps.format(951782400000L));
      assertEquals("2026-11-26T10:00:00.123Z", Timestamps.format(TS));
      assertEquals("2026-11-26T10:00:30.000Z", Timestamps.format(1_795_687_230_000L));
      assertEquals("2038-01-19T03:14:08.000Z", Timestamps.format(2_147_483_648_000L));
      assertEquals("9999-12-31T23:59:59.999Z", Timestamps.format(253402300799999L));
    }

    @Test
    void agreesWithJavaTimeForRandomInstants() {
      DateTimeFormatter ref = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
      Random rnd = new Random(20261126);
      for (int i = 0; i < 20_000; i++) {
        long ms = Math.floorMod(rnd.nextLong(), 253402300800000L);
        assertEquals(ref.format(Instant.ofEpochMilli(ms)), Timestamps.format(ms), String.valueOf(ms));
        assertEquals(ms, Timestamps.parse(Timestamps.format(ms)));
      }
    }
  }

  // ---------------------------------------------------------------- EventBatch JSON (§3)

  @Nested
  class BatchJson {

    static final String WINDOW = "0f0e0d0c-4444-4b0a-9c0b-0a0b0c0d0e0f";

    EventBatch batch(boolean withImage, boolean late, boolean replayed) {
      List<RawEvent> events = new ArrayList<>();
      for (RawEvent e : samplesExpected().values()) {
        events.add(withImage ? e : e.withoutImage());
      }
      events.add(new RawEvent("aaaaaaaa-5555-4a2b-8c3d-0123456789ab", SESSION, TS + 5,
        new Screenshot("bbbbbbbb-6666-4a2b-8c3d-0123456789ab", ImageFormat.HEIC, null, "", "lock",
          new Screenshot.Region(0, 0, 0, 0), true)));
      List<ScreenshotRef> refs = List.of(
        new ScreenshotRef(SHOT_ID, TS, ImageFormat.PNG, PNG.length, 1920, 1080, ScreenshotStorage.MEMORY),
        new ScreenshotRef("dddddddd-7777-4a2b-8c3d-0123456789ab", TS + 9, ImageFormat.WEBP, 6_000_000L, 3840, 2160,
          ScreenshotStorage.DISK),
        new ScreenshotRef("eeeeeeee-8888-4a2b-8c3d-0123456789ab", TS + 10, ImageFormat.HEIC, 1, 1, 1,
          ScreenshotStorage.DELETED));
      long start = Instant.parse("2026-11-26T10:00:00Z").toEpochMilli();
      return new EventBatch(WINDOW, SESSION, start, start + 30_000, 1, 3, late, replayed, events, refs);
    }

    @Test
    void fieldByField() {
      EventBatch b = batch(true, true, false);
      JsonObject j = EventJson.encode(b);
      assertEquals(Set.of("window_id", "session_id", "window_start", "window_end", "part", "parts", "late",
        "replayed", "paused_ms", "events", "screenshot_refs"), j.fieldNames());
      assertEquals(WINDOW, j.getString("window_id"));
      assertEquals(SESSION, j.getString("session_id"));
      assertEquals("2026-11-26T10:00:00.000Z", j.getString("window_start"));
      assertEquals("2026-11-26T10:00:30.000Z", j.getString("window_end"));
      assertEquals(1, j.getInteger("part"));
      assertEquals(3, j.getInteger("parts"));
      assertEquals(true, j.getBoolean("late"));
      assertEquals(false, j.getBoolean("replayed"));
      assertEquals(0L, j.getLong("paused_ms"));

      JsonArray events = j.getJsonArray("events");
      assertEquals(8, events.size());
      for (int i = 0; i < events.size(); i++) {
        JsonObject e = events.getJsonObject(i);
        RawEvent typed = b.events().get(i);
        // Every field as received plus id and session_id; screenshots without image.
        assertEquals(typed.id(), e.getString("id"));
        assertEquals(SESSION, e.getString("session_id"));
        assertEquals(typed.eventType().wireName(), e.getString("event_type"));
        assertEquals(Timestamps.format(typed.timestampMs()), e.getString("timestamp"));
        assertFalse(data(e).containsKey("image"), e.encode());
        assertEquals(EventJson.encode(typed.withoutImage()), e);
      }
      JsonObject shot = events.getJsonObject(4);
      assertEquals(new JsonObject("{\"screenshot_id\":\"" + SHOT_ID + "\",\"format\":\"png\","
        + "\"window_title\":\"Report.docx\",\"app_name\":\"Word\","
        + "\"screen_region\":{\"x\":-1920,\"y\":0,\"width\":1920,\"height\":1080},\"privacy_masked\":false}"),
        data(shot));
      assertEquals(new JsonObject(samplesText().get(EventType.KEYSTROKE)), events.getJsonObject(0));

      JsonArray refs = j.getJsonArray("screenshot_refs");
      assertEquals(3, refs.size());
      assertEquals(new JsonObject().put("screenshot_id", SHOT_ID).put("timestamp", TS_TEXT).put("format", "png")
        .put("size_bytes", PNG.length).put("width", 1920).put("height", 1080).put("storage", "memory"),
        new JsonObject(refs.getJsonObject(0).encode()));
      JsonObject disk = refs.getJsonObject(1);
      assertEquals(Set.of("screenshot_id", "timestamp", "format", "size_bytes", "width", "height", "storage"),
        disk.fieldNames());
      assertEquals("webp", disk.getString("format"));
      assertEquals(6_000_000L, disk.getLong("size_bytes"));
      assertEquals("disk", disk.getString("storage"));
      assertEquals(Timestamps.format(TS + 9), disk.getString("timestamp"));
      assertEquals("deleted", refs.getJsonObject(2).getString("storage"));
      assertEquals("heic", refs.getJsonObject(2).getString("format"));
    }

    @Test
    void flagsBothWays() {
      JsonObject j = EventJson.encode(batch(false, false, true));
      assertEquals(false, j.getBoolean("late"));
      assertEquals(true, j.getBoolean("replayed"));
    }

    @Test
    void decodeBatchOfEncodeIsTheBatch() {
      for (boolean late : new boolean[] {false, true}) {
        for (boolean replayed : new boolean[] {false, true}) {
          EventBatch b = batch(false, late, replayed);
          assertEquals(b, EventJson.decodeBatch(EventJson.encode(b)));
          // Through text too, as a consumer on skelly.event-batch.json gets it over a bridge.
          assertEquals(b, EventJson.decodeBatch(new JsonObject(EventJson.encode(b).encode())));
        }
      }
      EventBatch empty = new EventBatch(WINDOW, SESSION, 0, 30_000, 0, 1, false, false, List.of(), List.of());
      JsonObject j = EventJson.encode(empty);
      assertEquals(new JsonArray(), j.getJsonArray("events"));
      assertEquals(new JsonArray(), j.getJsonArray("screenshot_refs"));
      assertEquals(empty, EventJson.decodeBatch(j));
    }

    @Test
    void batchWithImagesDecodesToItsEventsWithoutImages() {
      EventBatch b = batch(true, false, false);
      assertEquals(batch(false, false, false), EventJson.decodeBatch(EventJson.encode(b)));
      assertNotNull(((Screenshot) b.events().get(4).data()).image());
    }
  }
}
