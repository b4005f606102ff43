package dev.skellyjelly.storage.codecs;

import io.vertx.core.json.JsonObject;

import java.util.Base64;

/**
 * The JSON form of one kind of record as a fixed list of keys: which of them a given record has and what
 * each holds. This is the one place that spells an event's field names, their order, the Java type of each
 * value (a u32 is a {@code Long}, an i32 an {@code Integer}, a float a {@code Double}) and which keys are
 * left out rather than written as null, so the eager object of {@link EventJson#encode(RawEvent)} and the
 * {@link JsonView} a batch publishes cannot drift apart.
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

  private static final JsonForm KEYSTROKE = new JsonForm(1, "key_code", "modifiers", "inter_key_interval_ms") {
    @Override
    boolean has(Object record, int i) {
      return i != 1 || ((Keystroke) record).modifiers() != null;
    }

    @Override
    Object value(Object record, int i) {
      Keystroke k = (Keystroke) record;
      switch (i) {
        case 0:
          return k.keyCode();
        case 1:
          return k.modifiers();
        default:
          return k.interKeyIntervalMs();
      }
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
      switch (i) {
        case 0:
          return m.shift();
        case 1:
          return m.ctrl();
        case 2:
          return m.alt();
        default:
          return m.meta();
      }
    }
  };

  private static final JsonForm MOUSE_MOVE = new JsonForm(-1, "x", "y", "velocity") {
    @Override
    Object value(Object record, int i) {
      MouseMove m = (MouseMove) record;
      switch (i) {
        case 0:
          return m.x();
        case 1:
          return m.y();
        default:
          return m.velocity();
      }
    }
  };

  private static final JsonForm MOUSE_CLICK = new JsonForm(-1, "x", "y", "button", "click_type") {
    @Override
    Object value(Object record, int i) {
      MouseClick c = (MouseClick) record;
      switch (i) {
        case 0:
          return c.x();
        case 1:
          return c.y();
        case 2:
          return c.button() == null ? null : c.button().wireName();
        default:
          return c.clickType() == null ? null : c.clickType().wireName();
      }
    }
  };

  private static final JsonForm WINDOW_FOCUS =
    new JsonForm(-1, "window_title", "app_name", "process_id", "duration_ms") {
      @Override
      Object value(Object record, int i) {
        WindowFocus w = (WindowFocus) record;
        switch (i) {
          case 0:
            return w.windowTitle();
          case 1:
            return w.appName();
          case 2:
            return w.processId();
          default:
            return w.durationMs();
        }
      }
    };

  private static final JsonForm SCREENSHOT = new ScreenshotForm(true);
  private static final JsonForm BATCH_SCREENSHOT = new ScreenshotForm(false);

  private static final JsonForm REGION = new JsonForm(-1, "x", "y", "width", "height") {
    @Override
    Object value(Object record, int i) {
      Screenshot.Region r = (Screenshot.Region) record;
      switch (i) {
        case 0:
          return r.x();
        case 1:
          return r.y();
        case 2:
          return r.width();
        default:
          return r.height();
      }
    }
  };

  private static final JsonForm PROCESS = new JsonForm(-1, "process_id", "process_name", "event_type") {
    @Override
    Object value(Object record, int i) {
      ProcessEvent p = (ProcessEvent) record;
      switch (i) {
        case 0:
          return p.processId();
        case 1:
          return p.processName();
        default:
          return p.eventType() == null ? null : p.eventType().wireName();
      }
    }
  };

  private static final JsonForm RESOURCE =
    new JsonForm(-1, "cpu_percent", "memory_mb", "disk_io_mb_per_sec", "network_io_mb_per_sec") {
      @Override
      Object value(Object record, int i) {
        ResourceUsage r = (ResourceUsage) record;
        switch (i) {
          case 0:
            return r.cpuPercent();
          case 1:
            return r.memoryMb();
          case 2:
            return r.diskIoMbPerSec();
          default:
            return r.networkIoMbPerSec();
        }
      }
    };

  private final String[] keys;
  private final int nested;

  /**
   * @param nested the index of the key whose value is an object, -1 when there is none
   * @param keys   every key the form can have, in the order they are written
   */
  private JsonForm(int nested, String... keys) {
    this.nested = nested;
    this.keys = keys;
  }

  /** The form of an event's {@code data}; {@code withImage} false leaves a screenshot's image out. */
  static JsonForm of(EventData data, boolean withImage) {
    switch (data.type()) {
      case KEYSTROKE:
        return KEYSTROKE;
      case MOUSE_MOVE:
        return MOUSE_MOVE;
      case MOUSE_CLICK:
        return MOUSE_CLICK;
      case WINDOW_FOCUS:
        return WINDOW_FOCUS;
      case SCREENSHOT:
        return withImage ? SCREENSHOT : BATCH_SCREENSHOT;
      case PROCESS:
        return PROCESS;
      case RESOURCE:
        return RESOURCE;
      default:
        throw new IllegalStateException("unhandled event type " + data.type());
    }
  }

  /** How many keys the form can have; indexes run from 0 to this, exclusive. */
  final int width() {
    return keys.length;
  }

  final String key(int i) {
    return keys[i];
  }

  /** The index of the key that holds an object, -1 when there is none. */
  final int nested() {
    return nested;
  }

  /** The index of {@code key} in the form, -1 when the form has no such key (whatever the record). */
  final int indexOf(Object key) {
    for (int i = 0; i < keys.length; i++) {
      if (keys[i] == key) {
        return i;
      }
    }
    for (int i = 0; i < keys.length; i++) {
      if (keys[i].equals(key)) {
        return i;
      }
    }
    return -1;
  }

  /** The first index at or after {@code from} whose key the record has; {@link #width()} when none. */
  final int next(Object record, int from) {
    int i = from;
    while (i < keys.length && !has(record, i)) {
      i++;
    }
    return i;
  }

  /** How many keys the record's object has. */
  final int count(Object record) {
    int n = 0;
    for (int i = 0; i < keys.length; i++) {
      if (has(record, i)) {
        n++;
      }
    }
    return n;
  }

  /** Whether the record's object has key {@code i}. */
  boolean has(Object record, int i) {
    return true;
  }

  /** The value of key {@code i}; for the {@link #nested()} key, the record its object shows. */
  abstract Object value(Object record, int i);

  /** The form of the object at the {@link #nested()} key. */
  JsonForm child(Object record) {
    throw new IllegalStateException("no nested object");
  }

  /** The record's object with every value computed now, nested objects included. */
  final JsonObject build(Object record) {
    JsonFields m = new JsonFields(keys.length);
    for (int i = next(record, 0); i < keys.length; i = next(record, i + 1)) {
      Object v = value(record, i);
      m.put(keys[i], i == nested ? child(record).build(v) : v);
    }
    return new JsonObject(m);
  }

  /** The record's object as a {@link JsonView}: values computed when read. */
  final JsonObject view(Object record) {
    return new JsonObject(new JsonView(this, record));
  }

  private static final class EventForm extends JsonForm {
    private final boolean withImage;

    EventForm(boolean withImage) {
      super(4, "id", "session_id", "timestamp", "event_type", "data");
      this.withImage = withImage;
    }

    @Override
    boolean has(Object record, int i) {
      RawEvent e = (RawEvent) record;
      switch (i) {
        case 0:
          return e.id() != null;
        case 1:
          return e.sessionId() != null;
        default:
          return true;
      }
    }

    @Override
    Object value(Object record, int i) {
      RawEvent e = (RawEvent) record;
      switch (i) {
        case 0:
          return e.id();
        case 1:
          return e.sessionId();
        case 2:
          return Timestamps.format(e.timestampMs());
        case 3:
          return e.eventType().wireName();
        default:
          return e.data();
      }
    }

    @Override
    JsonForm child(Object record) {
      return of(((RawEvent) record).data(), withImage);
    }
  }

  private static final class ScreenshotForm extends JsonForm {
    private final boolean withImage;

    ScreenshotForm(boolean withImage) {
      super(5, "screenshot_id", "format", "image", "window_title", "app_name", "screen_region", "privacy_masked");
      this.withImage = withImage;
    }

    @Override
    boolean has(Object record, int i) {
      Screenshot s = (Screenshot) record;
      switch (i) {
        case 2:
          return withImage && s.image() != null;
        case 5:
          return s.screenRegion() != null;
        default:
          return true;
      }
    }

    @Override
    Object value(Object record, int i) {
      Screenshot s = (Screenshot) record;
      switch (i) {
        case 0:
          return s.screenshotId();
        case 1:
          return s.format() == null ? null : s.format().wireName();
        case 2:
          return Base64.getUrlEncoder().withoutPadding().encodeToString(s.image());
        case 3:
          return s.windowTitle();
        case 4:
          return s.appName();
        case 5:
          return s.screenRegion();
        default:
          return s.privacyMasked();
      }
    }

    @Override
    JsonForm child(Object record) {
      return REGION;
    }
  }
}
