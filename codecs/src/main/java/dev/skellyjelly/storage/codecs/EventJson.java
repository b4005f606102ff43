package dev.skellyjelly.storage.codecs;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON forms of the contract (snake_case field names): {@link RawEvent} both ways with validation,
 * {@link EventBatch} and {@link ScreenshotRef} both ways.
 */
public final class EventJson {

  /** For events read back from a batch, already held to the receiver's rules when they came in. */
  private static final ValidationLimits TRUSTING = new ValidationLimits(Long.MAX_VALUE / 2, Long.MAX_VALUE);

  private EventJson() {
  }

  // ---------------------------------------------------------------- RawEvent in

  /**
   * Decodes and validates a raw-event message body.
   *
   * @param body  what arrived on the bus: only a {@link JsonObject} is a valid JSON form
   * @param nowMs the receiver's clock, for the future-timestamp rule
   * @throws InvalidEventException with the reason of highest precedence and a detail naming the field
   */
  public static RawEvent decode(Object body, long nowMs, ValidationLimits limits) {
    return decode(body, nowMs, limits, true);
  }

  private static RawEvent decode(Object body, long nowMs, ValidationLimits limits, boolean validate) {
    if (!(body instanceof JsonObject json)) {
      throw new InvalidEventException(DeadLetterReason.NOT_AN_OBJECT, null,
        "body is " + describeType(body) + ", not a JSON object");
    }
    Problems p = new Problems();
    Object typeValue = json.getValue("event_type");
    if (typeValue == null) {
      throw new InvalidEventException(DeadLetterReason.MISSING_FIELD, "event_type", "event_type is missing");
    }
    EventType type = typeValue instanceof String s ? EventType.fromWireName(s) : null;
    if (type == null) {
      throw new InvalidEventException(DeadLetterReason.UNKNOWN_EVENT_TYPE, "event_type",
        "event_type " + (typeValue instanceof String s ? Problems.clip(s) : "is " + describeType(typeValue))
          + " is not one of keystroke, mouse_move, mouse_click, window_focus, screenshot, process, resource");
    }
    String id = uuidField(json, "id", "id", false, p);
    String session = uuidField(json, "session_id", "session_id", false, p);
    long ts = timestamp(json.getValue("timestamp"), p);
    if (ts >= 0) {
      p.timestamp(ts, nowMs, limits);
    }
    Object dataValue = json.getValue("data");
    EventData data = null;
    if (dataValue == null) {
      p.add(DeadLetterReason.MISSING_FIELD, "data", "data is missing");
    } else if (!(dataValue instanceof JsonObject d)) {
      p.add(DeadLetterReason.BAD_FIELD, "data", "data is " + describeType(dataValue) + ", not an object");
    } else {
      data = decodeData(type, d, limits, p);
    }
    p.throwIfAny();
    if (!validate) {
      return new RawEvent(id, session, ts, data);
    }
    // Representation is sound: the typed rules (ranges, lengths, image header) decide the rest.
    return EventValidator.validate(new RawEvent(id, session, ts, data), nowMs, limits);
  }

  private static EventData decodeData(EventType type, JsonObject d, ValidationLimits limits, Problems p) {
    switch (type) {
      case KEYSTROKE: {
        long keyCode = u32(d, "key_code", false, p);
        Keystroke.Modifiers mods = modifiers(d, p);
        long interval = u32(d, "inter_key_interval_ms", true, p);
        return new Keystroke(keyCode, mods, interval < 0 ? null : interval);
      }
      case MOUSE_MOVE:
        return new MouseMove(i32(d, "x", "data.x", p), i32(d, "y", "data.y", p), number(d, "velocity", "data.velocity", p));
      case MOUSE_CLICK:
        return new MouseClick(i32(d, "x", "data.x", p), i32(d, "y", "data.y", p),
          enumField(d, "button", MouseClick.Button.class, p), enumField(d, "click_type", MouseClick.ClickType.class, p));
      case WINDOW_FOCUS: {
        String title = string(d, "window_title", p);
        String app = string(d, "app_name", p);
        long pid = u32(d, "process_id", false, p);
        long duration = u32(d, "duration_ms", true, p);
        return new WindowFocus(title, app, pid, duration < 0 ? null : duration);
      }
      case SCREENSHOT:
        return screenshot(d, limits, p);
      case PROCESS: {
        long pid = u32(d, "process_id", false, p);
        String name = string(d, "process_name", p);
        return new ProcessEvent(pid, name, enumField(d, "event_type", ProcessEvent.Change.class, p));
      }
      case RESOURCE:
        return new ResourceUsage(number(d, "cpu_percent", "data.cpu_percent", p), u32(d, "memory_mb", false, p),
          number(d, "disk_io_mb_per_sec", "data.disk_io_mb_per_sec", p),
          number(d, "network_io_mb_per_sec", "data.network_io_mb_per_sec", p));
      default:
        throw new IllegalStateException("unhandled event type " + type);
    }
  }

  private static Screenshot screenshot(JsonObject d, ValidationLimits limits, Problems p) {
    String sid = uuidField(d, "screenshot_id", "data.screenshot_id", true, p);
    ImageFormat format = null;
    Object f = d.getValue("format");
    if (f == null) {
      p.add(DeadLetterReason.MISSING_FIELD, "data.format", "data.format is missing");
    } else if (!(f instanceof String fs) || (format = ImageFormat.fromWireName(fs)) == null) {
      p.add(DeadLetterReason.BAD_FIELD, "data.format", "data.format must be one of png, webp, heic, got " + show(f));
    }
    String title = string(d, "window_title", p);
    String app = string(d, "app_name", p);
    Screenshot.Region region = null;
    Object r = d.getValue("screen_region");
    if (r == null) {
      p.add(DeadLetterReason.MISSING_FIELD, "data.screen_region", "data.screen_region is missing");
    } else if (!(r instanceof JsonObject ro)) {
      p.add(DeadLetterReason.BAD_FIELD, "data.screen_region", "data.screen_region is " + describeType(r) + ", not an object");
    } else {
      region = new Screenshot.Region(i32(ro, "x", "data.screen_region.x", p), i32(ro, "y", "data.screen_region.y", p),
        u32Path(ro, "width", "data.screen_region.width", false, p), u32Path(ro, "height", "data.screen_region.height", false, p));
    }
    boolean masked = bool(d, "privacy_masked", "data.privacy_masked", p);
    byte[] image = image(d.getMap().get("image"), limits, p);
    return new Screenshot(sid, format, image, title, app, region, masked);
  }

  private static byte[] image(Object v, ValidationLimits limits, Problems p) {
    if (v == null) {
      return null;
    }
    if (v instanceof byte[] bytes) {
      return bytes;
    }
    if (v instanceof Buffer b) {
      return b.getBytes();
    }
    if (!(v instanceof String s)) {
      p.add(DeadLetterReason.BAD_FIELD, "data.image", "data.image is " + describeType(v) + ", not base64 text");
      return null;
    }
    long estimate = (long) s.length() * 3 / 4;
    if (estimate > limits.maxImageBytes() + 2) {
      p.add(DeadLetterReason.TOO_LARGE, "data.image", "data.image has about " + estimate + " bytes, at most "
        + limits.maxImageBytes() + " allowed");
      return null;
    }
    try {
      boolean standard = s.indexOf('+') >= 0 || s.indexOf('/') >= 0;
      return (standard ? Base64.getDecoder() : Base64.getUrlDecoder()).decode(s);
    } catch (IllegalArgumentException e) {
      p.add(DeadLetterReason.BAD_IMAGE, "data.image", "data.image is not valid base64");
      return null;
    }
  }

  private static Keystroke.Modifiers modifiers(JsonObject d, Problems p) {
    Object m = d.getValue("modifiers");
    if (m == null) {
      p.add(DeadLetterReason.MISSING_FIELD, "data.modifiers", "data.modifiers is missing");
      return null;
    }
    if (!(m instanceof JsonObject mo)) {
      p.add(DeadLetterReason.BAD_FIELD, "data.modifiers", "data.modifiers is " + describeType(m) + ", not an object");
      return null;
    }
    return new Keystroke.Modifiers(bool(mo, "shift", "data.modifiers.shift", p), bool(mo, "ctrl", "data.modifiers.ctrl", p),
      bool(mo, "alt", "data.modifiers.alt", p), bool(mo, "meta", "data.modifiers.meta", p));
  }

  private static String uuidField(JsonObject o, String key, String path, boolean required, Problems p) {
    Object v = o.getValue(key);
    if (v == null) {
      return p.uuid(path, null, required);
    }
    if (!(v instanceof String s)) {
      p.add(DeadLetterReason.BAD_UUID, path, path + " is " + describeType(v) + ", not a UUID");
      return null;
    }
    return p.uuid(path, s, required);
  }

  private static long timestamp(Object v, Problems p) {
    if (v == null) {
      p.add(DeadLetterReason.MISSING_FIELD, "timestamp", "timestamp is missing");
      return -1;
    }
    if (v instanceof String s) {
      try {
        long ms = Timestamps.parse(s);
        if (ms < 0) {
          p.add(DeadLetterReason.BAD_TIMESTAMP, "timestamp", "timestamp is before 1970: " + Problems.clip(s));
          return -1;
        }
        return ms;
      } catch (IllegalArgumentException e) {
        p.add(DeadLetterReason.BAD_TIMESTAMP, "timestamp", "timestamp " + e.getMessage());
        return -1;
      }
    }
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      long ms = ((Number) v).longValue();
      if (ms < 0) {
        p.add(DeadLetterReason.BAD_TIMESTAMP, "timestamp", "timestamp is negative: " + ms);
        return -1;
      }
      return ms;
    }
    p.add(DeadLetterReason.BAD_TIMESTAMP, "timestamp",
      "timestamp must be ISO-8601 text with a zone or integer epoch milliseconds, got " + show(v));
    return -1;
  }

  /** A u32 field of {@code data}; -1 when absent (nullable) or invalid. */
  private static long u32(JsonObject o, String key, boolean nullable, Problems p) {
    return u32Path(o, key, "data." + key, nullable, p);
  }

  private static long u32Path(JsonObject o, String key, String path, boolean nullable, Problems p) {
    Object v = o.getValue(key);
    if (v == null) {
      if (!nullable) {
        p.add(DeadLetterReason.MISSING_FIELD, path, path + " is missing");
      }
      return -1;
    }
    Long n = integer(v);
    if (n == null || n < 0 || n > Problems.U32_MAX) {
      p.add(DeadLetterReason.BAD_FIELD, path, path + " must be an integer 0…4294967295, got " + show(v));
      return -1;
    }
    return n;
  }

  private static int i32(JsonObject o, String key, String path, Problems p) {
    Object v = o.getValue(key);
    if (v == null) {
      p.add(DeadLetterReason.MISSING_FIELD, path, path + " is missing");
      return 0;
    }
    Long n = integer(v);
    if (n == null || n < Integer.MIN_VALUE || n > Integer.MAX_VALUE) {
      p.add(DeadLetterReason.BAD_FIELD, path, path + " must be an integer −2147483648…2147483647, got " + show(v));
      return 0;
    }
    return n.intValue();
  }

  private static Long integer(Object v) {
    if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      return ((Number) v).longValue();
    }
    if (v instanceof BigInteger b && b.bitLength() < 64) {
      return b.longValue();
    }
    return null;
  }

  private static double number(JsonObject o, String key, String path, Problems p) {
    Object v = o.getValue(key);
    if (v == null) {
      p.add(DeadLetterReason.MISSING_FIELD, path, path + " is missing");
      return 0;
    }
    if (!(v instanceof Number n)) {
      p.add(DeadLetterReason.BAD_FIELD, path, path + " must be a number, got " + show(v));
      return 0;
    }
    double d = n instanceof BigDecimal bd ? bd.doubleValue() : n.doubleValue();
    if (!Double.isFinite(d) || d < 0) {
      p.add(DeadLetterReason.BAD_FIELD, path, path + " must be a finite number ≥ 0, got " + show(v));
      return 0;
    }
    return d;
  }

  private static boolean bool(JsonObject o, String key, String path, Problems p) {
    Object v = o.getValue(key);
    if (v == null) {
      p.add(DeadLetterReason.MISSING_FIELD, path, path + " is missing");
      return false;
    }
    if (!(v instanceof Boolean b)) {
      p.add(DeadLetterReason.BAD_FIELD, path, path + " must be true or false, got " + show(v));
      return false;
    }
    return b;
  }

  private static String string(JsonObject o, String key, Problems p) {
    String path = "data." + key;
    Object v = o.getValue(key);
    if (v == null) {
      p.add(DeadLetterReason.MISSING_FIELD, path, path + " is missing");
      return null;
    }
    if (!(v instanceof String s)) {
      p.add(DeadLetterReason.BAD_FIELD, path, path + " must be a string, got " + describeType(v));
      return null;
    }
    // Checked here too, so a too-long string outranks an image problem found while decoding base64.
    p.text(path, s);
    return s;
  }

  private static <E extends Enum<E>> E enumField(JsonObject o, String key, Class<E> type, Problems p) {
    String path = "data." + key;
    Object v = o.getValue(key);
    if (v == null) {
      p.add(DeadLetterReason.MISSING_FIELD, path, path + " is missing");
      return null;
    }
    if (v instanceof String s) {
      for (E e : type.getEnumConstants()) {
        if (e.name().toLowerCase(java.util.Locale.ROOT).equals(s)) {
          return e;
        }
      }
    }
    StringBuilder allowed = new StringBuilder();
    for (E e : type.getEnumConstants()) {
      allowed.append(allowed.length() == 0 ? "" : ", ").append(e.name().toLowerCase(java.util.Locale.ROOT));
    }
    p.add(DeadLetterReason.BAD_FIELD, path, path + " must be one of " + allowed + ", got " + show(v));
    return null;
  }

  private static String describeType(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof String) {
      return "a string";
    }
    if (v instanceof Number) {
      return "a number";
    }
    if (v instanceof Boolean) {
      return "a boolean";
    }
    if (v instanceof JsonArray || v instanceof List) {
      return "an array";
    }
    if (v instanceof JsonObject || v instanceof Map) {
      return "an object";
    }
    if (v instanceof Buffer b) {
      return "a buffer of " + b.length() + " bytes";
    }
    return "a " + v.getClass().getSimpleName();
  }

  private static String show(Object v) {
    if (v instanceof String s) {
      return Problems.clip(s);
    }
    if (v instanceof Number || v instanceof Boolean) {
      return String.valueOf(v);
    }
    return describeType(v);
  }

  // ---------------------------------------------------------------- RawEvent out

  /**
   * The JSON form of an event, its values computed now; a screenshot's image, when present, as base64url.
   * The fields are those of {@link JsonForm#EVENT}, which a batch's events show too.
   */
  public static JsonObject encode(RawEvent e) {
    return JsonForm.EVENT.build(e);
  }

  /**
   * What a dead letter shows of a rejected input: its text, an image replaced by its length, cut at 1024
   * bytes of UTF-8.
   */
  public static String describeInput(Object body) {
    String text;
    if (body instanceof JsonObject json) {
      // Encoding is recursive: an input nested hundreds of levels deep would overflow an event loop's stack.
      JsonObject shown = (JsonObject) shallow(json, DESCRIBE_DEPTH);
      Object data = shown.getValue("data");
      if (data instanceof JsonObject d && d.containsKey("image")) {
        d.put("image", "<" + imageLength(json.getJsonObject("data").getValue("image")) + " bytes>");
      }
      text = shown.encode();
    } else if (body instanceof RawEvent e) {
      JsonObject json = encode(e.withoutImage());
      if (e.data() instanceof Screenshot s && s.image() != null) {
        json.getJsonObject("data").put("image", "<" + s.image().length + " bytes>");
      }
      text = json.encode();
    } else if (body instanceof Buffer b) {
      text = "<" + b.length() + " bytes>";
    } else if (body instanceof byte[] b) {
      text = "<" + b.length + " bytes>";
    } else {
      text = String.valueOf(body);
    }
    return cutUtf8(text, 1024);
  }

  /** Levels of nesting a dead letter shows of its input; deeper values are elided. */
  static final int DESCRIBE_DEPTH = 16;

  /** A copy of {@code v} at most {@code depth} levels deep (bounded recursion), deeper containers elided. */
  private static Object shallow(Object v, int depth) {
    if (v instanceof JsonObject o) {
      if (depth == 0) {
        return "<object nested too deeply>";
      }
      Map<String, Object> out = new LinkedHashMap<>(Math.max(4, o.size() * 2));
      for (Map.Entry<String, Object> e : o) {
        out.put(e.getKey(), shallow(e.getValue(), depth - 1));
      }
      return new JsonObject(out);
    }
    if (v instanceof JsonArray a) {
      if (depth == 0) {
        return "<array nested too deeply>";
      }
      List<Object> out = new ArrayList<>(a.size());
      for (Object e : a) {
        out.add(shallow(e, depth - 1));
      }
      return new JsonArray(out);
    }
    return v;
  }

  private static long imageLength(Object image) {
    if (image instanceof String s) {
      return (long) s.replace("=", "").length() * 3 / 4;
    }
    if (image instanceof byte[] b) {
      return b.length;
    }
    if (image instanceof Buffer b) {
      return b.length();
    }
    return 0;
  }

  /** Text from an input, shortened so a dead letter stays small (at most 128 characters). */
  public static String cutForDisplay(String s) {
    return s.length() <= 128 ? s : s.substring(0, 128);
  }

  static String cutUtf8(String text, int maxBytes) {
    if (text.length() * 3 <= maxBytes) {
      return text;
    }
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    if (utf8.length <= maxBytes) {
      return text;
    }
    int end = maxBytes;
    while (end > 0 && (utf8[end] & 0xC0) == 0x80) {
      end--;
    }
    return new String(utf8, 0, end, StandardCharsets.UTF_8);
  }

  // ---------------------------------------------------------------- EventBatch and ScreenshotRef

  /**
   * The JSON form of a batch as it is published: read-only at every level, screenshot events without their
   * image, each event's object (equal to {@code encode(event.withoutImage())}) built only when read, so that
   * building it costs about a kilobyte whatever its number of events, and the copy each local consumer gets
   * costs a few bytes. See {@link JsonBatch} for how a consumer gets an object it can change.
   */
  public static JsonObject encode(EventBatch b) {
    LinkedHashMap<String, Object> m = new LinkedHashMap<>(12);
    m.put("window_id", b.windowId());
    m.put("session_id", b.sessionId());
    m.put("window_start", Timestamps.format(b.windowStartMs()));
    m.put("window_end", Timestamps.format(b.windowEndMs()));
    m.put("part", b.part());
    m.put("parts", b.parts());
    m.put("late", b.late());
    m.put("replayed", b.replayed());
    m.put("events", JsonBatch.events(b.events()));
    List<Object> refs = new ArrayList<>(b.screenshotRefs().size());
    for (ScreenshotRef r : b.screenshotRefs()) {
      refs.add(new JsonObject(Collections.unmodifiableMap(refFields(r))));
    }
    m.put("screenshot_refs", JsonBatch.readOnly(refs));
    return new JsonBatch(m);
  }

  public static JsonObject encode(ScreenshotRef r) {
    return new JsonObject(refFields(r));
  }

  private static Map<String, Object> refFields(ScreenshotRef r) {
    Map<String, Object> m = new LinkedHashMap<>(8);
    m.put("screenshot_id", r.screenshotId());
    m.put("timestamp", Timestamps.format(r.timestampMs()));
    m.put("format", r.format().wireName());
    m.put("size_bytes", r.sizeBytes());
    m.put("width", r.width());
    m.put("height", r.height());
    m.put("storage", r.storage().wireName());
    return m;
  }

  /**
   * Reads a batch's JSON form back (for consumers and tests). Its events are checked for shape, not held
   * to the receiver's rules (a batched screenshot event has no image).
   */
  public static EventBatch decodeBatch(JsonObject json) {
    JsonArray eventsJson = json.getJsonArray("events");
    List<RawEvent> events = new ArrayList<>(eventsJson.size());
    for (int i = 0; i < eventsJson.size(); i++) {
      events.add(decode(eventsJson.getJsonObject(i), 0, TRUSTING, false));
    }
    JsonArray refsJson = json.getJsonArray("screenshot_refs");
    List<ScreenshotRef> refs = new ArrayList<>(refsJson.size());
    for (int i = 0; i < refsJson.size(); i++) {
      refs.add(decodeRef(refsJson.getJsonObject(i)));
    }
    return new EventBatch(json.getString("window_id"), json.getString("session_id"),
      Timestamps.parse(json.getString("window_start")), Timestamps.parse(json.getString("window_end")),
      json.getInteger("part"), json.getInteger("parts"), json.getBoolean("late"), json.getBoolean("replayed"),
      events, refs);
  }

  public static ScreenshotRef decodeRef(JsonObject r) {
    return new ScreenshotRef(r.getString("screenshot_id"), Timestamps.parse(r.getString("timestamp")),
      ImageFormat.fromWireName(r.getString("format")), r.getLong("size_bytes"), r.getInteger("width"),
      r.getInteger("height"), ScreenshotStorage.fromWireName(r.getString("storage")));
  }
}
