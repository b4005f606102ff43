package dev.skellyjelly.storage.codecs;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Decodes the JSON form of a raw event (CONTRACT §2, snake_case field names) into a {@link RawEvent}: every
 * field's representation checked, each problem reported with its dead-letter reason, the field's path and a
 * message naming it, the reason of highest precedence first ({@link Problems}); the typed rules are then
 * {@link EventValidator}'s.
 */
public final class EventJsonDecoder {

  /** For events read back from a batch, already held to the receiver's rules when they came in. */
  private static final ValidationLimits TRUSTING = new ValidationLimits(Long.MAX_VALUE / 2, Long.MAX_VALUE);

  private EventJsonDecoder() {
  }

  /**
   * Decodes and validates a raw-event message body.
   *
   * @param body  what arrived on the bus: only a {@link JsonObject} is a valid JSON form
   * @param nowMs the receiver's clock, for the future-timestamp rule
   * @throws InvalidEventException with the reason of highest precedence and a detail naming the field
   */
  public static RawEvent decode(Object body, long nowMs, ValidationLimits limits) {
    return decode(body, nowMs, limits, true, false);
  }

  /**
   * Decodes and validates an event of an export read back (CONTRACT §8 Export format): the receiver's rules,
   * except that a screenshot carries no image (pixels are never exported), so none is required or read.
   *
   * @throws InvalidEventException with the reason of highest precedence and a detail naming the field
   */
  public static RawEvent decodeExported(Object body, long nowMs, ValidationLimits limits) {
    return decode(body, nowMs, limits, true, true);
  }

  /**
   * An event of a batch's JSON form read back: checked for shape, not held to the receiver's rules (a batched
   * screenshot event has no image).
   */
  static RawEvent decodeBatched(JsonObject json) {
    return decode(json, 0, TRUSTING, false, false);
  }

  private static RawEvent decode(Object body, long nowMs, ValidationLimits limits, boolean validate,
                                 boolean imageless) {
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
      data = decodeData(type, d, limits, imageless, p);
    }
    p.throwIfAny();
    if (!validate) {
      return new RawEvent(id, session, ts, data);
    }
    // Representation is sound: the typed rules (ranges, lengths, image header) decide the rest.
    return EventValidator.validate(new RawEvent(id, session, ts, data), nowMs, limits, imageless);
  }

  private static EventData decodeData(EventType type, JsonObject d, ValidationLimits limits, boolean imageless,
                                      Problems p) {
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
        return screenshot(d, limits, imageless, p);
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

  private static Screenshot screenshot(JsonObject d, ValidationLimits limits, boolean imageless, Problems p) {
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
    byte[] image = imageless ? null : image(d.getMap().get("image"), limits, p);
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
    return Keystroke.Modifiers.of(bool(mo, "shift", "data.modifiers.shift", p), bool(mo, "ctrl", "data.modifiers.ctrl", p),
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

  /** By enum type, its constants by wire name (the name in lower case): looked up for every event a bridge reads. */
  private static final ClassValue<Map<String, Enum<?>>> WIRE_NAMES = new ClassValue<>() {
    @Override
    protected Map<String, Enum<?>> computeValue(Class<?> type) {
      Map<String, Enum<?>> byName = new HashMap<>();
      for (Object constant : type.getEnumConstants()) {
        Enum<?> e = (Enum<?>) constant;
        byName.put(e.name().toLowerCase(Locale.ROOT), e);
      }
      return Map.copyOf(byName);
    }
  };

  /** The constant of {@code type} whose name in lower case is {@code name} (a wire name is exactly that), else null. */
  static <E extends Enum<E>> E fromWireName(Class<E> type, String name) {
    return name == null ? null : type.cast(WIRE_NAMES.get(type).get(name));
  }

  private static <E extends Enum<E>> E enumField(JsonObject o, String key, Class<E> type, Problems p) {
    String path = "data." + key;
    Object v = o.getValue(key);
    if (v == null) {
      p.add(DeadLetterReason.MISSING_FIELD, path, path + " is missing");
      return null;
    }
    E e = v instanceof String s ? fromWireName(type, s) : null;
    if (e != null) {
      return e;
    }
    StringBuilder allowed = new StringBuilder();
    for (E c : type.getEnumConstants()) {
      allowed.append(allowed.length() == 0 ? "" : ", ").append(c.name().toLowerCase(Locale.ROOT));
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
}
