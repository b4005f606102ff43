package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.EventType;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Uuids;
import dev.skellyjelly.storage.codecs.WireFormat;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** An event's fields in the module's wire form, windows, and reading every committed event back. */
public final class EventRows {

  private EventRows() {
  }

  /** The {@code data} column: the event's type-specific fields, never image bytes. */
  public static byte[] data(RawEvent e) {
    Buffer b = Buffer.buffer(64);
    WireFormat.writeData(b, e.data(), false);
    return b.getBytes();
  }

  /**
   * Every committed event of a database of any schema level, in commit order, decoded from its blocks. Blocking (plain JDBC): for
   * readers outside the module, such as tests and the bench.
   */
  public static List<RawEvent> readAll(java.sql.Connection conn) throws java.sql.SQLException {
    List<EventBlocks.Entry> all = new ArrayList<>();
    try (var st = conn.createStatement()) {
      boolean keyed;
      try (var rs = st.executeQuery("SELECT count(*) FROM pragma_table_info('event_blocks') WHERE name = 'sk'")) {
        keyed = rs.next() && rs.getInt(1) > 0;
      }
      // Before migration 7 a block held its session's 16 bytes.
      try (var rs = st.executeQuery(keyed ? "SELECT s.session_id, e.event_type, e.data FROM event_blocks e "
        + "JOIN sessions s ON s.sk = e.sk" : "SELECT session, event_type, data FROM event_blocks")) {
        while (rs.next()) {
          EventType type = EventType.fromCode(rs.getInt(2));
          String session = keyed ? rs.getString(1) : Uuids.fromBytes(rs.getBytes(1));
          all.addAll(EventBlocks.decode(rs.getBytes(3), session, type));
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
}
