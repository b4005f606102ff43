package dev.skellyjelly.storage.codecs;

import com.fasterxml.jackson.core.JsonGenerator;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;

/**
 * A packed event's text in a published batch ({@link JsonForm#BATCH_EVENT}), written straight from its bytes in
 * a {@link MeasuredEvents} buffer for the kinds that make up almost every window (keystrokes, mouse moves and
 * clicks): no event, data record, id string or boxed number is made on the way. Reading each event back first and
 * writing its records took about half again as long for a 30 000-event batch, most of it the young collections of
 * what the reading made. The keys, their order and their values' text are {@link JsonForm}'s: this writes the same
 * bytes, which {@code JsonBatchTest} checks against the records' text for every kind of event.
 */
final class PackedEventText {

  private static final JsonForm EVENT = JsonForm.BATCH_EVENT;
  private static final JsonForm KEYSTROKE = JsonForm.of(EventType.KEYSTROKE, false);
  private static final JsonForm MODIFIERS = KEYSTROKE.child(null);
  private static final JsonForm MOUSE_MOVE = JsonForm.of(EventType.MOUSE_MOVE, false);
  private static final JsonForm MOUSE_CLICK = JsonForm.of(EventType.MOUSE_CLICK, false);
  private static final MouseClick.Button[] BUTTONS = MouseClick.Button.values();
  private static final MouseClick.ClickType[] CLICK_TYPES = MouseClick.ClickType.values();
  /** Ids or a session kept as text, not bits: read back and written from the records instead. */
  private static final int TEXT_FLAGS = WireFormat.ID_TEXT | WireFormat.SESSION_TEXT;

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
    int typeAt = typeAt(in, pos);
    if (typeAt < 0) {
      return false;
    }
    int flags = in.getByte(pos);
    int idAt = pos + 1;
    int sessionAt = idAt + ((flags & WireFormat.HAS_ID) != 0 ? 16 : 0);
    long timestamp = in.getLong(typeAt - 8);
    EventType type = EventType.fromCode(in.getByte(typeAt));
    int p = typeAt + 1;
    if (type != EventType.KEYSTROKE && type != EventType.MOUSE_MOVE && type != EventType.MOUSE_CLICK) {
      return false;
    }
    gen.writeStartObject();
    if ((flags & WireFormat.HAS_ID) != 0) {
      gen.writeFieldName(EVENT.name(0));
      scratch.writeUuid(in.getLong(idAt), in.getLong(idAt + 8), gen);
    }
    if ((flags & WireFormat.HAS_SESSION) != 0) {
      gen.writeFieldName(EVENT.name(1));
      scratch.writeUuid(in.getLong(sessionAt), in.getLong(sessionAt + 8), gen);
    } else if ((flags & WireFormat.IMPLIED_SESSION) != 0) {
      gen.writeFieldName(EVENT.name(1));
      scratch.writeSession(implied, gen);
    }
    gen.writeFieldName(EVENT.name(2));
    scratch.writeTimestamp(timestamp, gen);
    gen.writeFieldName(EVENT.name(3));
    gen.writeString(EventForm.EVENT_TYPES[type.ordinal()]);
    gen.writeFieldName(EVENT.name(4));
    gen.writeStartObject();
    switch (type) {
      case KEYSTROKE -> {
        gen.writeFieldName(KEYSTROKE.name(0));
        gen.writeNumber(in.getUnsignedInt(p));
        int bits = in.getByte(p + 4);
        gen.writeFieldName(KEYSTROKE.name(1));
        MODIFIERS.write(Keystroke.Modifiers.ofBits(bits), gen, scratch);
        gen.writeFieldName(KEYSTROKE.name(2));
        if ((bits & 16) != 0) {
          gen.writeNumber(in.getUnsignedInt(p + 5));
        } else {
          gen.writeNull();
        }
      }
      case MOUSE_MOVE -> {
        gen.writeFieldName(MOUSE_MOVE.name(0));
        gen.writeNumber(in.getInt(p));
        gen.writeFieldName(MOUSE_MOVE.name(1));
        gen.writeNumber(in.getInt(p + 4));
        gen.writeFieldName(MOUSE_MOVE.name(2));
        gen.writeNumber(in.getDouble(p + 8));
      }
      default -> {
        gen.writeFieldName(MOUSE_CLICK.name(0));
        gen.writeNumber(in.getInt(p));
        gen.writeFieldName(MOUSE_CLICK.name(1));
        gen.writeNumber(in.getInt(p + 4));
        gen.writeFieldName(MOUSE_CLICK.name(2));
        scratch.writeString(BUTTONS[in.getByte(p + 8)].wireName(), gen);
        gen.writeFieldName(MOUSE_CLICK.name(3));
        scratch.writeString(CLICK_TYPES[in.getByte(p + 9)].wireName(), gen);
      }
    }
    gen.writeEndObject();
    gen.writeEndObject();
    return true;
  }
}
