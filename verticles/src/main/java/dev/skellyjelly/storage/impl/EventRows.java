package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.EventType;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Uuids;
import dev.skellyjelly.storage.codecs.WireFormat;
import io.vertx.core.buffer.Buffer;

/** How an event maps to a row of {@code events}: 16-byte ids, the type code, data in the wire form. */
public final class EventRows {

  private EventRows() {
  }

  /** The {@code data} column: the event's type-specific fields, never image bytes. */
  public static byte[] data(RawEvent e) {
    Buffer b = Buffer.buffer(64);
    WireFormat.writeData(b, e.data(), false);
    return b.getBytes();
  }

  /** Rebuilds an event from its row. */
  public static RawEvent event(byte[] id, byte[] session, long tsMs, int type, byte[] data) {
    Buffer b = Buffer.buffer(data);
    WireFormat.Reader r = new WireFormat.Reader(b, 0, data.length);
    EventType t = EventType.fromCode(type);
    if (t == null) {
      throw new IllegalStateException("unknown event type code " + type + " in the database");
    }
    return new RawEvent(Uuids.fromBytes(id), Uuids.fromBytes(session), tsMs, WireFormat.readData(t, r));
  }

  /** The start of the window of length {@code windowMs} that holds {@code tsMs}. */
  public static long windowStart(long tsMs, long windowMs) {
    return Math.floorDiv(tsMs, windowMs) * windowMs;
  }
}
