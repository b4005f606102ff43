package dev.skellyjelly.storage.codecs;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;

/**
 * Reads the JSON form of a raw event (CONTRACT §2) from a streaming parser straight into a {@link RawEvent}, with
 * no tree in between: what a bridge does with every event frame. It reads the common case only, an event whose
 * every field has the representation {@link EventJsonDecoder} accepts; for anything else (a wrong type, a value out
 * of range, a screenshot, a missing field) it answers null, and the caller decodes the same input the checking way,
 * which names each problem. Where it answers, its event is the one {@link EventJsonDecoder} builds before the typed
 * rules, so {@link EventValidator} then decides the same.
 */
public final class EventJsonReader {

  private EventJsonReader() {
  }

  /**
   * Reads one event; the parser's current token is the event's {@code START_OBJECT}. On an answer the parser is at
   * its {@code END_OBJECT}; after null its position is undefined.
   */
  public static RawEvent read(JsonParser p) throws IOException {
    return read(p, null);
  }

  /**
   * As {@link #read(JsonParser)}, giving the event {@code knownSession} itself (not a new string) when its
   * {@code session_id} has the same text: a producer sends one session's events one after another, and a window
   * holds up to 30 s of them, so one string serves them all instead of one per event (80 bytes each).
   */
  public static RawEvent read(JsonParser p, String knownSession) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      return null;
    }
    String id = null;
    String session = null;
    long ts = -1;
    EventType type = null;
    Fields data = null;
    for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
      JsonToken t = p.nextToken();
      switch (name) {
        case "id" -> {
          if (t != JsonToken.VALUE_NULL && t != JsonToken.VALUE_STRING) {
            return null;
          }
          id = p.getValueAsString();
        }
        case "session_id" -> {
          if (t != JsonToken.VALUE_NULL && t != JsonToken.VALUE_STRING) {
            return null;
          }
          session = knownSession != null && t == JsonToken.VALUE_STRING && sameText(p, knownSession) ? knownSession
            : p.getValueAsString();
        }
        case "timestamp" -> {
          if ((ts = timestamp(p, t)) < 0) {
            return null;
          }
        }
        case "event_type" -> {
          String s = string(p, t);
          if (s == null || (type = EventType.fromWireName(s)) == null) {
            return null;
          }
        }
        case "data" -> {
          if (t != JsonToken.START_OBJECT || (data = Fields.read(p)) == null) {
            return null;
          }
        }
        default -> p.skipChildren();
      }
    }
    if (type == null || ts < 0 || data == null) {
      return null;
    }
    EventData d = data.as(type);
    return d == null ? null : new RawEvent(id, session, ts, d);
  }

  /** Whether the current string token's text is {@code s}, read from the parser's buffer without making a string. */
  private static boolean sameText(JsonParser p, String s) throws IOException {
    int length = p.getTextLength();
    if (length != s.length()) {
      return false;
    }
    char[] chars = p.getTextCharacters();
    int offset = p.getTextOffset();
    for (int i = 0; i < length; i++) {
      if (chars[offset + i] != s.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static String string(JsonParser p, JsonToken t) throws IOException {
    return t == JsonToken.VALUE_STRING ? p.getText() : null;
  }

  /** Epoch milliseconds from ISO-8601 text with a zone or a non-negative integer; -1 for anything else. */
  private static long timestamp(JsonParser p, JsonToken t) throws IOException {
    if (t == JsonToken.VALUE_NUMBER_INT) {
      return integer(p);
    }
    if (t == JsonToken.VALUE_STRING) {
      try {
        return Math.max(-1, Timestamps.parse(p.getText()));
      } catch (IllegalArgumentException notIso) {
        return -1;
      }
    }
    return -1;
  }

  /** A JSON integer that fits a long, else -1 (so a negative one is -1 too: every caller wants 0 or more). */
  private static long integer(JsonParser p) throws IOException {
    JsonParser.NumberType n = p.getNumberType();
    if (n != JsonParser.NumberType.INT && n != JsonParser.NumberType.LONG) {
      return -1;
    }
    return Math.max(-1, p.getLongValue());
  }

  /**
   * The fields of {@code data} every event type reads, as far as their representation is right; a known field of
   * the wrong JSON type makes the whole event the checking decoder's (as would a field an event type reads and
   * misses).
   */
  private static final class Fields {
    static final long ABSENT = Long.MIN_VALUE;
    long keyCode = ABSENT;
    long interKeyInterval = ABSENT;
    long x = ABSENT;
    long y = ABSENT;
    long processId = ABSENT;
    long durationMs = ABSENT;
    long memoryMb = ABSENT;
    double velocity = Double.NaN;
    double cpuPercent = Double.NaN;
    double diskIo = Double.NaN;
    double networkIo = Double.NaN;
    String button;
    String clickType;
    String windowTitle;
    String appName;
    String processName;
    String change;
    Keystroke.Modifiers modifiers;

    static Fields read(JsonParser p) throws IOException {
      Fields f = new Fields();
      for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
        JsonToken t = p.nextToken();
        boolean ok = switch (name) {
          case "key_code" -> (f.keyCode = u32(p, t)) >= 0;
          case "inter_key_interval_ms" -> (f.interKeyInterval = nullableU32(p, t)) != -1;
          case "x" -> (f.x = i32(p, t)) != ABSENT;
          case "y" -> (f.y = i32(p, t)) != ABSENT;
          case "process_id" -> (f.processId = u32(p, t)) >= 0;
          case "duration_ms" -> (f.durationMs = nullableU32(p, t)) != -1;
          case "memory_mb" -> (f.memoryMb = u32(p, t)) >= 0;
          case "velocity" -> !Double.isNaN(f.velocity = number(p, t));
          case "cpu_percent" -> !Double.isNaN(f.cpuPercent = number(p, t));
          case "disk_io_mb_per_sec" -> !Double.isNaN(f.diskIo = number(p, t));
          case "network_io_mb_per_sec" -> !Double.isNaN(f.networkIo = number(p, t));
          case "button" -> (f.button = string(p, t)) != null;
          case "click_type" -> (f.clickType = string(p, t)) != null;
          case "window_title" -> (f.windowTitle = string(p, t)) != null;
          case "app_name" -> (f.appName = string(p, t)) != null;
          case "process_name" -> (f.processName = string(p, t)) != null;
          case "event_type" -> (f.change = string(p, t)) != null;
          case "modifiers" -> t == JsonToken.START_OBJECT && (f.modifiers = modifiers(p)) != null;
          default -> {
            p.skipChildren();
            yield true;
          }
        };
        if (!ok) {
          return null;
        }
      }
      return f;
    }

    /** The type's data when every field it reads is here, else null. */
    EventData as(EventType type) {
      return switch (type) {
        case KEYSTROKE -> keyCode == ABSENT || modifiers == null ? null
          : new Keystroke(keyCode, modifiers, interKeyInterval == ABSENT ? null : interKeyInterval);
        case MOUSE_MOVE -> x == ABSENT || y == ABSENT || Double.isNaN(velocity) ? null
          : new MouseMove((int) x, (int) y, velocity);
        case MOUSE_CLICK -> {
          MouseClick.Button b = EventJsonDecoder.fromWireName(MouseClick.Button.class, button);
          MouseClick.ClickType c = EventJsonDecoder.fromWireName(MouseClick.ClickType.class, clickType);
          yield x == ABSENT || y == ABSENT || b == null || c == null ? null : new MouseClick((int) x, (int) y, b, c);
        }
        case WINDOW_FOCUS -> windowTitle == null || appName == null || processId == ABSENT ? null
          : new WindowFocus(windowTitle, appName, processId, durationMs == ABSENT ? null : durationMs);
        case PROCESS -> {
          ProcessEvent.Change c = EventJsonDecoder.fromWireName(ProcessEvent.Change.class, change);
          yield processId == ABSENT || processName == null || c == null ? null : new ProcessEvent(processId, processName, c);
        }
        case RESOURCE -> Double.isNaN(cpuPercent) || memoryMb == ABSENT || Double.isNaN(diskIo) || Double.isNaN(networkIo)
          ? null : new ResourceUsage(cpuPercent, memoryMb, diskIo, networkIo);
        // A screenshot carries an image: its frames are large and read the checking way.
        case SCREENSHOT -> null;
      };
    }

    private static Keystroke.Modifiers modifiers(JsonParser p) throws IOException {
      int shift = -1;
      int ctrl = -1;
      int alt = -1;
      int meta = -1;
      for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
        JsonToken t = p.nextToken();
        int b = t == JsonToken.VALUE_TRUE ? 1 : t == JsonToken.VALUE_FALSE ? 0 : -1;
        switch (name) {
          case "shift" -> shift = b;
          case "ctrl" -> ctrl = b;
          case "alt" -> alt = b;
          case "meta" -> meta = b;
          default -> {
            p.skipChildren();
            continue;
          }
        }
        if (b < 0) {
          return null;
        }
      }
      if (shift < 0 || ctrl < 0 || alt < 0 || meta < 0) {
        return null;
      }
      return Keystroke.Modifiers.of(shift == 1, ctrl == 1, alt == 1, meta == 1);
    }

    private static long u32(JsonParser p, JsonToken t) throws IOException {
      if (t != JsonToken.VALUE_NUMBER_INT) {
        return -1;
      }
      long n = integer(p);
      return n > Problems.U32_MAX ? -1 : n;
    }

    /** A u32 or JSON null ({@link #ABSENT}); -1 for anything else. */
    private static long nullableU32(JsonParser p, JsonToken t) throws IOException {
      return t == JsonToken.VALUE_NULL ? ABSENT : u32(p, t);
    }

    private static long i32(JsonParser p, JsonToken t) throws IOException {
      if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT) {
        return ABSENT;
      }
      return p.getIntValue();
    }

    /** A finite number ≥ 0, else NaN. */
    private static double number(JsonParser p, JsonToken t) throws IOException {
      if (t == JsonToken.VALUE_NUMBER_INT) {
        long n = integer(p);
        return n < 0 ? Double.NaN : n;
      }
      if (t != JsonToken.VALUE_NUMBER_FLOAT || p.getNumberType() != JsonParser.NumberType.DOUBLE) {
        return Double.NaN;
      }
      double d = p.getDoubleValue();
      return Double.isFinite(d) && d >= 0 ? d : Double.NaN;
    }
  }
}
