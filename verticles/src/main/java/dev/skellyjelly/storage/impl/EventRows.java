package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.EventType;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Uuids;
import dev.skellyjelly.storage.codecs.WireFormat;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

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

  /**
   * Every committed event of a database, in commit order: compacted blocks and rows not yet compacted.
   * Blocking (plain JDBC): for readers outside the module, such as tests and the bench.
   */
  public static List<RawEvent> readAll(java.sql.Connection conn) throws java.sql.SQLException {
    List<EventBlocks.Entry> all = new ArrayList<>();
    try (var st = conn.createStatement()) {
      try (var rs = st.executeQuery("SELECT session, event_type, data FROM event_blocks")) {
        while (rs.next()) {
          EventType type = EventType.fromCode(rs.getInt(2));
          all.addAll(EventBlocks.decode(rs.getBytes(3), Uuids.fromBytes(rs.getBytes(1)), type));
        }
      }
      try (var rs = st.executeQuery("SELECT seq, id, session, ts_ms, event_type, data FROM events")) {
        while (rs.next()) {
          all.add(new EventBlocks.Entry(rs.getLong(1),
            event(rs.getBytes(2), rs.getBytes(3), rs.getLong(4), rs.getInt(5), rs.getBytes(6))));
        }
      }
    }
    all.sort(Comparator.comparingLong(EventBlocks.Entry::seq));
    List<RawEvent> out = new ArrayList<>(all.size());
    for (EventBlocks.Entry e : all) {
      out.add(e.event());
    }
    return out;
  }

  /** The start of the window of length {@code windowMs} that holds {@code tsMs}. */
  public static long windowStart(long tsMs, long windowMs) {
    return Math.floorDiv(tsMs, windowMs) * windowMs;
  }
}
