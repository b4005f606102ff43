package dev.skellyjelly.storage.codecs;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;

import java.io.IOException;

/**
 * The JSON form of one kind of record as a fixed list of keys: which of them a given record has and what
 * each holds. These forms (with {@link EventForm} and {@link ScreenshotForm} beside them) are the one place that
 * spells the field names of an event and of a screenshot ref, their
 * order, the Java type of each value (a u32 is a {@code Long}, an i32 an {@code Integer}, a float a
 * {@code Double}) and which keys are left out rather than written as null, so the eager objects of
 * {@link EventJson#encode(RawEvent)} and {@link EventJson#encode(ScreenshotRef)}, the read-only events and
 * screenshot refs of a published batch and the text {@link #write} streams cannot drift apart.
 *
 * <p>A key that a record lacks is absent from its object ({@code id}, {@code session_id}, {@code modifiers},
 * {@code image}, {@code screen_region} when null); every other key is present, with a null value when the
 * record holds none. At most one key of a form holds an object ({@code data}, {@code modifiers},
 * {@code screen_region}); its {@link #value} is the record that object shows, in the form {@link #child}
 * names.
 */
abstract class JsonForm {

  /** An event as {@link EventJson#encode(RawEvent)} writes it: a screenshot with its image. */
  static final JsonForm EVENT = new EventForm(true);
  /** An event as a batch carries it: a screenshot without its image. */
  static final JsonForm BATCH_EVENT = new EventForm(false);

  /** A screenshot ref, as {@link EventJson#encode(ScreenshotRef)} writes it and a batch lists it. */
  static final JsonForm SCREENSHOT_REF =
    new JsonForm(-1, "screenshot_id", "timestamp", "format", "size_bytes", "width", "height", "storage") {
      @Override
      Object value(Object record, int i) {
        ScreenshotRef r = (ScreenshotRef) record;
        return switch (i) {
          case 0 -> r.screenshotId();
          case 1 -> Timestamps.format(r.timestampMs());
          case 2 -> r.format().wireName();
          case 3 -> r.sizeBytes();
          case 4 -> r.width();
          case 5 -> r.height();
          default -> r.storage().wireName();
        };
      }
    };

  private static final JsonForm KEYSTROKE = new JsonForm(1, "key_code", "modifiers", "inter_key_interval_ms") {
    @Override
    boolean has(Object record, int i) {
      return i != 1 || ((Keystroke) record).modifiers() != null;
    }

    @Override
    Object value(Object record, int i) {
      Keystroke k = (Keystroke) record;
      return switch (i) {
        case 0 -> k.keyCode();
        case 1 -> k.modifiers();
        default -> k.interKeyIntervalMs();
      };
    }

    @Override
    JsonForm child(Object record) {
      return MODIFIERS;
    }
  };

  private static final JsonForm MODIFIERS = new JsonForm(-1, "shift", "ctrl", "alt", "meta") {
    @Override
    Object value(Object record, int i) {
      Keystroke.Modifiers m = (Keystroke.Modifiers) record;
      return switch (i) {
        case 0 -> m.shift();
        case 1 -> m.ctrl();
        case 2 -> m.alt();
        default -> m.meta();
      };
    }
  };

  private static final JsonForm MOUSE_MOVE = new JsonForm(-1, "x", "y", "velocity") {
    @Override
    Object value(Object record, int i) {
      MouseMove m = (MouseMove) record;
      return switch (i) {
        case 0 -> m.x();
        case 1 -> m.y();
        default -> m.velocity();
      };
    }
  };

  private static final JsonForm MOUSE_CLICK = new JsonForm(-1, "x", "y", "button", "click_type") {
    @Override
    Object value(Object record, int i) {
      MouseClick c = (MouseClick) record;
      return switch (i) {
        case 0 -> c.x();
        case 1 -> c.y();
        case 2 -> c.button() == null ? null : c.button().wireName();
        default -> c.clickType() == null ? null : c.clickType().wireName();
      };
    }
  };

  private static final JsonForm WINDOW_FOCUS =
    new JsonForm(-1, "window_title", "app_name", "process_id", "duration_ms") {
      @Override
      Object value(Object record, int i) {
        WindowFocus w = (WindowFocus) record;
        return switch (i) {
          case 0 -> w.windowTitle();
          case 1 -> w.appName();
          case 2 -> w.processId();
          default -> w.durationMs();
        };
      }
    };

  private static final JsonForm SCREENSHOT = new ScreenshotForm(true);
  private static final JsonForm BATCH_SCREENSHOT = new ScreenshotForm(false);

  private static final JsonForm PROCESS = new JsonForm(-1, "process_id", "process_name", "event_type") {
    @Override
    Object value(Object record, int i) {
      ProcessEvent p = (ProcessEvent) record;
      return switch (i) {
        case 0 -> p.processId();
        case 1 -> p.processName();
        default -> p.eventType() == null ? null : p.eventType().wireName();
      };
    }
  };

  private static final JsonForm RESOURCE =
    new JsonForm(-1, "cpu_percent", "memory_mb", "disk_io_mb_per_sec", "network_io_mb_per_sec") {
      @Override
      Object value(Object record, int i) {
        ResourceUsage r = (ResourceUsage) record;
        return switch (i) {
          case 0 -> r.cpuPercent();
          case 1 -> r.memoryMb();
          case 2 -> r.diskIoMbPerSec();
          default -> r.networkIoMbPerSec();
        };
      }
    };

  private final String[] keys;
  /** The keys quoted and encoded once, for {@link #write}: a generator copies them as they are. */
  private final SerializedString[] names;
  /** The bytes of each key's text: quoted, with the colon after it. */
  private final int[] nameBytes;
  private final int nested;

  /**
   * @param nested the index of the key whose value is an object, -1 when there is none
   * @param keys   every key the form can have, in the order they are written
   */
  JsonForm(int nested, String... keys) {
    this.nested = nested;
    this.keys = keys;
    this.names = new SerializedString[keys.length];
    this.nameBytes = new int[keys.length];
    for (int i = 0; i < keys.length; i++) {
      names[i] = new SerializedString(keys[i]);
      nameBytes[i] = names[i].asQuotedUTF8().length + 3;
    }
  }

  /** The form of an event's {@code data}; {@code withImage} false leaves a screenshot's image out. */
  static JsonForm of(EventData data, boolean withImage) {
    return of(data.type(), withImage);
  }

  /** The form of the {@code data} of an event of {@code type}. */
  static JsonForm of(EventType type, boolean withImage) {
    return switch (type) {
      case KEYSTROKE -> KEYSTROKE;
      case MOUSE_MOVE -> MOUSE_MOVE;
      case MOUSE_CLICK -> MOUSE_CLICK;
      case WINDOW_FOCUS -> WINDOW_FOCUS;
      case SCREENSHOT -> withImage ? SCREENSHOT : BATCH_SCREENSHOT;
      case PROCESS -> PROCESS;
      case RESOURCE -> RESOURCE;
    };
  }

  /** Key {@code i} quoted, as {@link #write} writes it. */
  final SerializableString name(int i) {
    return names[i];
  }

  /** Whether the record's object has key {@code i}. */
  boolean has(Object record, int i) {
    return true;
  }

  /** The value of key {@code i}; for the nested key, the record its object shows. */
  abstract Object value(Object record, int i);

  /** The form of the object at the nested key. */
  JsonForm child(Object record) {
    throw new IllegalStateException("no nested object");
  }

  /** The record's object with every value computed now, nested objects included, which its holder may change. */
  final JsonObject build(Object record) {
    return new JsonObject(fields(record, false));
  }

  /**
   * The same object, read-only all the way down: every attempt to change it, or an object nested in it,
   * throws {@link UnsupportedOperationException}.
   */
  final JsonObject buildReadOnly(Object record) {
    return new JsonObject(fields(record, true).readOnly());
  }

  /**
   * Writes the record's object to a streaming generator, byte for byte as Vert.x writes the object {@link #build}
   * makes, without making it: each value as Vert.x's own encoding writes its type ({@link #writeScalar}), or the
   * same text made more cheaply where a form knows how ({@link #writeText}).
   */
  final void write(Object record, JsonGenerator gen, JsonTextScratch scratch) throws IOException {
    gen.writeStartObject();
    for (int i = 0; i < keys.length; i++) {
      if (has(record, i)) {
        gen.writeFieldName(names[i]);
        if (i == nested) {
          child(record).write(value(record, i), gen, scratch);
        } else if (!writeText(record, i, gen, scratch)) {
          writeScalar(value(record, i), gen, scratch);
        }
      }
    }
    gen.writeEndObject();
  }

  /**
   * The number of bytes {@link #write} makes of the record with Vert.x's byte generator (the text of
   * {@link JsonObject#toBuffer()}, which the TCP bridge sends), computed without making them: a framing that puts
   * a text's length before it counts a batch's events this way, at a fraction of the cost of writing them.
   */
  final long textLength(Object record, JsonTextScratch scratch) {
    long n = 2;
    int fields = 0;
    for (int i = 0; i < keys.length; i++) {
      if (has(record, i)) {
        n += fields++ == 0 ? nameBytes[i] : nameBytes[i] + 1;
        if (i == nested) {
          n += child(record).textLength(value(record, i), scratch);
        } else {
          long text = textLength(record, i, scratch);
          n += text >= 0 ? text : scratch.length(value(record, i));
        }
      }
    }
    return n;
  }

  /** The length of what {@link #writeText} writes for key {@code i}; -1 when it writes nothing. */
  long textLength(Object record, int i, JsonTextScratch scratch) {
    return -1;
  }

  /** Writes the value of key {@code i} in a cheaper way than through {@link #value}; false when there is none. */
  boolean writeText(Object record, int i, JsonGenerator gen, JsonTextScratch scratch) throws IOException {
    return false;
  }

  /**
   * Writes a value as {@link JacksonCodec#encodeJson} does, with the types a record holds tried first: that
   * method asks whether each value is an object, an array, a map or a list before it gets to them.
   */
  private static void writeScalar(Object v, JsonGenerator gen, JsonTextScratch scratch) throws IOException {
    if (v == null) {
      gen.writeNull();
    } else if (v instanceof String s) {
      scratch.writeString(s, gen);
    } else if (v instanceof Integer n) {
      gen.writeNumber(n.intValue());
    } else if (v instanceof Long n) {
      gen.writeNumber(n.longValue());
    } else if (v instanceof Double n) {
      gen.writeNumber(n.doubleValue());
    } else if (v instanceof Boolean b) {
      gen.writeBoolean(b);
    } else {
      JacksonCodec.encodeJson(v, gen);
    }
  }

  private JsonFields fields(Object record, boolean readOnly) {
    JsonFields m = new JsonFields(keys.length);
    for (int i = 0; i < keys.length; i++) {
      if (has(record, i)) {
        Object v = value(record, i);
        if (i == nested) {
          v = readOnly ? child(record).buildReadOnly(v) : child(record).build(v);
        }
        m.add(keys[i], v);
      }
    }
    return m;
  }
}
