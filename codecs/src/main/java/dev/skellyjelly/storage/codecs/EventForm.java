package dev.skellyjelly.storage.codecs;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;

import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;

/** An event's form: its id, session, time, type and data, the data in the form of its type. */
final class EventForm extends JsonForm {

  /** Each event type's wire name quoted once (they are ASCII), by ordinal. */
  static final SerializableString[] EVENT_TYPES = quotedWireNames();
  /** The bytes of each of {@link #EVENT_TYPES}, quotes included. */
  private static final int[] EVENT_TYPE_BYTES = Arrays.stream(EVENT_TYPES).mapToInt(t -> t.asQuotedUTF8().length + 2)
    .toArray();

  private static SerializableString[] quotedWireNames() {
    EventType[] types = EventType.values();
    SerializableString[] quoted = new SerializableString[types.length];
    for (EventType t : types) {
      quoted[t.ordinal()] = Objects.requireNonNull(JsonTextScratch.quotedAscii(t.wireName()), t.wireName());
    }
    return quoted;
  }

  private final boolean withImage;

  EventForm(boolean withImage) {
    super(4, "id", "session_id", "timestamp", "event_type", "data");
    this.withImage = withImage;
  }

  @Override
  boolean has(Object record, int i) {
    RawEvent e = (RawEvent) record;
    return switch (i) {
      case 0 -> e.id() != null;
      case 1 -> e.sessionId() != null;
      default -> true;
    };
  }

  @Override
  Object value(Object record, int i) {
    RawEvent e = (RawEvent) record;
    return switch (i) {
      case 0 -> e.id();
      case 1 -> e.sessionId();
      case 2 -> Timestamps.format(e.timestampMs());
      case 3 -> e.eventType().wireName();
      default -> e.data();
    };
  }

  @Override
  boolean writeText(Object record, int i, JsonGenerator gen, JsonTextScratch scratch) throws IOException {
    RawEvent e = (RawEvent) record;
    switch (i) {
      case 1 -> scratch.writeSession(e.sessionId(), gen);
      case 2 -> scratch.writeTimestamp(e.timestampMs(), gen);
      case 3 -> gen.writeString(EVENT_TYPES[e.eventType().ordinal()]);
      default -> {
        return false;
      }
    }
    return true;
  }

  @Override
  long textLength(Object record, int i, JsonTextScratch scratch) {
    RawEvent e = (RawEvent) record;
    return switch (i) {
      case 1 -> scratch.sessionLength(e.sessionId());
      case 2 -> Timestamps.textLength(e.timestampMs()) + 2;
      case 3 -> EVENT_TYPE_BYTES[e.eventType().ordinal()];
      default -> -1;
    };
  }

  @Override
  JsonForm child(Object record) {
    return of(((RawEvent) record).data(), withImage);
  }
}
