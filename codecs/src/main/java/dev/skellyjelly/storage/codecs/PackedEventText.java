package dev.skellyjelly.storage.codecs;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import io.vertx.core.buffer.Buffer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * A packed event's text in a published batch ({@link JsonForm#BATCH_EVENT}), written straight from its bytes in
 * a {@link MeasuredEvents} buffer for the kinds that make up almost every window (keystrokes, mouse moves and
 * clicks): no event, data record, id string or boxed number is made on the way. Reading each event back first and
 * writing its records took about half again as long for a 30 000-event batch, most of it the young collections of
 * what the reading made. Each event's text is composed as bytes ({@link AsciiValue}: its keys, ids, timestamp and
 * names are ASCII that needs no escaping) and handed to the generator as one raw value: writing it key by key
 * through the generator took about twice as long under C1. The keys, their order and their values' text are
 * {@link JsonForm}'s: this writes the same bytes, which {@code JsonBatchTest} checks against the records' text for
 * every kind of event.
 */
final class PackedEventText {

  private static final JsonForm EVENT = JsonForm.BATCH_EVENT;
  private static final JsonForm KEYSTROKE = JsonForm.of(EventType.KEYSTROKE, false);
  private static final JsonForm MODIFIERS = KEYSTROKE.child(null);
  private static final JsonForm MOUSE_MOVE = JsonForm.of(EventType.MOUSE_MOVE, false);
  private static final JsonForm MOUSE_CLICK = JsonForm.of(EventType.MOUSE_CLICK, false);
  /** Ids or a session kept as text, not bits: read back and written from the records instead. */
  private static final int TEXT_FLAGS = WireFormat.ID_TEXT | WireFormat.SESSION_TEXT;

  // The text between the values, each key with the comma before it (but the first) and the colon after it.
  private static final byte[] ID = key(EVENT, 0, true);
  private static final byte[] SESSION_FIRST = key(EVENT, 1, true);
  private static final byte[] SESSION = key(EVENT, 1, false);
  private static final byte[] TIMESTAMP_FIRST = key(EVENT, 2, true);
  private static final byte[] TIMESTAMP = key(EVENT, 2, false);
  private static final byte[] EVENT_TYPE = key(EVENT, 3, false);
  /** Each packed kind's event type, quoted, with the data key after it and its object begun. */
  private static final byte[][] TYPE_AND_DATA = new byte[EventType.values().length][];
  private static final byte[] KEY_CODE = key(KEYSTROKE, 0, true);
  /** Each combination of modifier keys ({@link Keystroke.Modifiers#bits}): the key and its object's whole text. */
  private static final byte[][] MODIFIER_TEXTS = new byte[16][];
  private static final byte[] INTERVAL = key(KEYSTROKE, 2, false);
  private static final byte[] NULL_END = bytes("null}}");
  private static final byte[] END = bytes("}}");
  private static final byte[] MOVE_X = key(MOUSE_MOVE, 0, true);
  private static final byte[] MOVE_Y = key(MOUSE_MOVE, 1, false);
  private static final byte[] VELOCITY = key(MOUSE_MOVE, 2, false);
  private static final byte[] CLICK_X = key(MOUSE_CLICK, 0, true);
  private static final byte[] CLICK_Y = key(MOUSE_CLICK, 1, false);
  /** Each button, the key before it included, by ordinal. */
  private static final byte[][] BUTTONS = Arrays.stream(MouseClick.Button.values())
    .map(b -> concat(key(MOUSE_CLICK, 2, false), quoted(b.wireName()))).toArray(byte[][]::new);
  /** Each click type, the key before it included, and the end of the event, by ordinal. */
  private static final byte[][] CLICK_TYPES = Arrays.stream(MouseClick.ClickType.values())
    .map(t -> concat(key(MOUSE_CLICK, 3, false), quoted(t.wireName()), END)).toArray(byte[][]::new);

  static {
    for (EventType t : new EventType[] {EventType.KEYSTROKE, EventType.MOUSE_MOVE, EventType.MOUSE_CLICK}) {
      TYPE_AND_DATA[t.ordinal()] = concat(EVENT_TYPE, quoted(t.wireName()), key(EVENT, 4, false), bytes("{"));
    }
    for (int bits = 0; bits < MODIFIER_TEXTS.length; bits++) {
      MODIFIER_TEXTS[bits] = concat(key(KEYSTROKE, 1, false), generated(MODIFIERS, Keystroke.Modifiers.ofBits(bits)));
    }
  }

  private PackedEventText() {
  }

  /**
   * Where the type code of the event packed at {@code pos} is (after its flags, ids and timestamp); -1 when its id or
   * session is kept as text, whose length the bytes before it tell.
   */
  static int typeAt(Buffer in, int pos) {
    int flags = in.getByte(pos);
    if ((flags & TEXT_FLAGS) != 0) {
      return -1;
    }
    return pos + 1 + ((flags & WireFormat.HAS_ID) != 0 ? 16 : 0) + ((flags & WireFormat.HAS_SESSION) != 0 ? 16 : 0) + 8;
  }

  /**
   * Writes the event packed at {@code pos} in {@code in} (as {@link WireFormat#writeEvent(Buffer, RawEvent, boolean,
   * String)} packs it with {@code implied}); false, having written nothing, for an event it leaves to its records.
   */
  static boolean write(Buffer in, int pos, String implied, JsonGenerator gen, JsonTextScratch scratch)
    throws IOException {
    // The event's bytes copied out at once: each of a buffer's getters is several calls deep under C1 (bounds and
    // reference-count checks), about as costly as all of the event's text when it was read field by field.
    byte[] b = scratch.packed();
    int n = Math.min(b.length, in.length() - pos);
    in.getBytes(pos, pos + n, b);
    int flags = b[0];
    if ((flags & TEXT_FLAGS) != 0) {
      return false;
    }
    boolean hasId = (flags & WireFormat.HAS_ID) != 0;
    int sessionAt = 1 + (hasId ? 16 : 0);
    int typeAt = sessionAt + ((flags & WireFormat.HAS_SESSION) != 0 ? 16 : 0) + 8;
    EventType type = EventType.fromCode(b[typeAt]);
    if (type != EventType.KEYSTROKE && type != EventType.MOUSE_MOVE && type != EventType.MOUSE_CLICK) {
      return false;
    }
    AsciiValue text = scratch.value().clear().put('{');
    if (hasId) {
      text.put(ID).uuid(longAt(b, 1), longAt(b, 9));
    }
    boolean hasSession = true;
    if ((flags & WireFormat.HAS_SESSION) != 0) {
      text.put(hasId ? SESSION : SESSION_FIRST).uuid(longAt(b, sessionAt), longAt(b, sessionAt + 8));
    } else if ((flags & WireFormat.IMPLIED_SESSION) != 0) {
      byte[] quoted = scratch.quotedSession(implied);
      if (quoted == null) {
        return false;
      }
      text.put(hasId ? SESSION : SESSION_FIRST).quoted(quoted);
    } else {
      hasSession = false;
    }
    text.put(hasId || hasSession ? TIMESTAMP : TIMESTAMP_FIRST);
    if (!text.timestamp(longAt(b, typeAt - 8))) {
      return false;
    }
    text.put(TYPE_AND_DATA[type.ordinal()]);
    int p = typeAt + 1;
    switch (type) {
      case KEYSTROKE -> {
        text.put(KEY_CODE).number(intAt(b, p) & 0xFFFF_FFFFL);
        int bits = b[p + 4];
        text.put(MODIFIER_TEXTS[bits & 15]).put(INTERVAL);
        if ((bits & 16) != 0) {
          text.number(intAt(b, p + 5) & 0xFFFF_FFFFL).put(END);
        } else {
          text.put(NULL_END);
        }
      }
      case MOUSE_MOVE -> text.put(MOVE_X).number(intAt(b, p)).put(MOVE_Y).number(intAt(b, p + 4)).put(VELOCITY)
        .number(Double.longBitsToDouble(longAt(b, p + 8))).put(END);
      default -> text.put(CLICK_X).number(intAt(b, p)).put(CLICK_Y).number(intAt(b, p + 4))
        .put(BUTTONS[b[p + 8]]).put(CLICK_TYPES[b[p + 9]]);
    }
    text.writeTo(gen);
    return true;
  }

  /** The most bytes an event of the kinds written here takes packed: flags, two ids, a timestamp, type, data. */
  static final int MOST_PACKED_BYTES = 1 + 16 + 16 + 8 + 1 + 16;

  /** The big-endian int at {@code i}, as a buffer packs it. */
  private static int intAt(byte[] b, int i) {
    return b[i] << 24 | (b[i + 1] & 0xFF) << 16 | (b[i + 2] & 0xFF) << 8 | b[i + 3] & 0xFF;
  }

  private static long longAt(byte[] b, int i) {
    return (long) intAt(b, i) << 32 | intAt(b, i + 4) & 0xFFFF_FFFFL;
  }

  /** Key {@code i} of a form quoted, the colon after it, and a comma before it unless it is an object's first. */
  private static byte[] key(JsonForm form, int i, boolean first) {
    SerializableString name = form.name(i);
    return concat(bytes(first ? "" : ","), quoted(name.getValue()), bytes(":"));
  }

  private static byte[] quoted(String ascii) {
    return concat(bytes("\""), JsonTextScratch.quotedAscii(ascii).asQuotedUTF8(), bytes("\""));
  }

  /** The text a generator makes of a record in its form: such constant parts are the generator's own bytes. */
  private static byte[] generated(JsonForm form, Object record) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator gen = new JsonFactory().createGenerator(out)) {
      form.write(record, gen, new JsonTextScratch());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static byte[] bytes(String ascii) {
    return ascii.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] all = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, all, at, p.length);
      at += p.length;
    }
    return all;
  }
}
