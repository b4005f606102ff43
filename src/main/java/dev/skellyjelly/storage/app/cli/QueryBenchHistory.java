package dev.skellyjelly.storage.app.cli;

import dev.skellyjelly.storage.app.sim.EventMix;
import dev.skellyjelly.storage.codecs.EventData;
import dev.skellyjelly.storage.codecs.EventType;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.impl.EventBlocks;
import dev.skellyjelly.storage.impl.SessionKeys;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The history {@code bench --queries} queries, written straight into the tables as the lifecycle would have left
 * them: each day 8 active hours (09:00–17:00 UTC) at 100 events/s on average in the simulator's proportions, over
 * four apps; hour rows for every day, minute rows for the days within minute retention, and the raw events of
 * the days within raw retention. Each day's session gets its row in sessions first; the tables hold its key (sk).
 */
final class QueryBenchHistory {

  static final long MINUTE_MS = 60_000L;
  static final long HOUR_MS = 3_600_000L;
  static final long DAY_MS = 86_400_000L;
  static final int FIRST_HOUR = 9;
  static final int ACTIVE_HOURS = 8;
  private static final String[] APPS = {"code", "firefox", "slack", "terminal"};
  private static final double[] APP_SHARE = {0.4, 0.3, 0.2, 0.1};
  /** Events of an active hour by type code (keystroke, move, click, focus, screenshot, process, resource). */
  private static final long[] HOUR_EVENTS = {118_800, 198_000, 25_200, 12_600, 0, 5_400, 3_600};
  /** A session's key, as an expression of one parameter, the session's id (its row made by {@link #ADD_SESSION}). */
  private static final String SK = SessionKeys.OF_ID;
  private static final String ADD_SESSION = SessionKeys.ADD;

  private QueryBenchHistory() {}

  /**
   * Rows for {@code days} days before {@code today} (UTC midnight) and today itself, minute rows for the last
   * {@code minuteDays} of them; nothing for the hour starting at {@code skipHour}, which the module's own
   * ingestion fills. Returns the rows written.
   */
  static long write(Path db, long today, int days, int minuteDays, long skipHour) throws SQLException {
    long rows = 0;
    try (Connection c = open(db)) {
      c.setAutoCommit(false);
      try (PreparedStatement addSession = c.prepareStatement(ADD_SESSION);
           PreparedStatement hourRow = c.prepareStatement("INSERT INTO hour_rollups (bucket_ms, sk, event_type, "
             + "app, n) VALUES (?, " + SK + ", ?, ?, ?)");
           PreparedStatement hourFocus = c.prepareStatement("INSERT INTO hour_focus VALUES (?, " + SK + ", ?, ?, ?)");
           PreparedStatement minuteRow = c.prepareStatement("INSERT INTO minute_rollups (bucket_ms, sk, "
             + "event_type, app, n) VALUES (?, " + SK + ", ?, ?, ?)");
           PreparedStatement minuteFocus = c.prepareStatement("INSERT INTO minute_focus VALUES (?, " + SK + ", ?, ?, ?)")) {
        for (int d = days; d >= 0; d--) {
          long day = today - d * DAY_MS;
          String session = new UUID(0x5b1d0c2e00004000L, 0x8000000000000000L | day).toString();
          addSession.setString(1, session);
          addSession.executeUpdate();
          for (int h = FIRST_HOUR; h < FIRST_HOUR + ACTIVE_HOURS; h++) {
            long hour = day + h * HOUR_MS;
            if (hour == skipHour) {
              continue;
            }
            for (int a = 0; a < APPS.length; a++) {
              for (int t = 0; t < HOUR_EVENTS.length; t++) {
                if (HOUR_EVENTS[t] > 0) {
                  rows += add(hourRow, hour, session, t, APPS[a], Math.round(HOUR_EVENTS[t] * APP_SHARE[a]));
                }
              }
              rows += add(hourFocus, hour, session, APPS[a], Math.round(HOUR_MS * 0.9 * APP_SHARE[a]),
                Math.round(HOUR_EVENTS[3] * APP_SHARE[a]));
            }
            if (d <= minuteDays) {
              rows += minutes(minuteRow, minuteFocus, hour, session, d);
            }
          }
          hourRow.executeBatch();
          hourFocus.executeBatch();
          minuteRow.executeBatch();
          minuteFocus.executeBatch();
        }
      }
      c.commit();
    }
    return rows;
  }

  /** Minute rows of one hour: one app per minute, the app changing every five minutes. */
  private static long minutes(PreparedStatement row, PreparedStatement focus, long hour, String session, int day)
    throws SQLException {
    long rows = 0;
    for (int m = 0; m < 60; m++) {
      int slot = (int) ((hour / MINUTE_MS + m) / 5 + day);
      String app = APPS[Math.floorMod(slot * 7, 10) < 4 ? 0 : Math.floorMod(slot * 7, 10) < 7 ? 1
        : Math.floorMod(slot * 7, 10) < 9 ? 2 : 3];
      long bucket = hour + m * MINUTE_MS;
      for (int t = 0; t < HOUR_EVENTS.length; t++) {
        if (HOUR_EVENTS[t] > 0) {
          rows += add(row, bucket, session, t, app, HOUR_EVENTS[t] / 60);
        }
      }
      rows += add(focus, bucket, session, app, 54_000L, m % 5 == 0 ? 1L : 0L);
    }
    return rows;
  }

  /**
   * The raw events a module keeps of the {@code days} days before {@code today} (UTC midnight): each day's 8 active
   * hours at about 100 events/s of the simulator's mix (screenshots aside), one session a day, as the writer stores
   * them — a block per window, session and type, LZ4 and columns by {@link EventBlocks} — with commit sequence
   * numbers from 1 up, in time order. Written before the module opens the file, so its own sequence numbers follow
   * these. Returns the events written.
   */
  static long writeRaw(Path db, long today, int days) throws SQLException {
    long events = 0;
    long seq = 0;
    long window = 30_000L;
    int perWindow = (int) (Arrays.stream(HOUR_EVENTS).sum() * window / HOUR_MS);
    EventMix mix = new EventMix(365);
    try (Connection c = open(db)) {
      c.setAutoCommit(false);
      try (PreparedStatement addSession = c.prepareStatement(ADD_SESSION);
           PreparedStatement block = c.prepareStatement("INSERT INTO event_blocks (sk, window_start_ms, "
             + "event_type, n, min_seq, max_seq, data) VALUES (" + SK + ", ?, ?, ?, ?, ?, ?)")) {
        for (int d = days; d >= 1; d--) {
          long day = today - d * DAY_MS;
          UUID sessionId = new UUID(0x5b1d0c2e00004000L, 0x8000000000000000L | day);
          String session = sessionId.toString();
          addSession.setString(1, session);
          addSession.executeUpdate();
          for (long start = day + FIRST_HOUR * HOUR_MS; start < day + (FIRST_HOUR + ACTIVE_HOURS) * HOUR_MS; start += window) {
            Map<EventType, List<EventBlocks.Entry>> byType = new EnumMap<>(EventType.class);
            for (int i = 0; i < perWindow; i++) {
              long ts = start + i * window / perWindow;
              EventData data = i % 100 == 0 ? mix.resource() : mix.next();
              String id = new UUID(sessionId.getMostSignificantBits() ^ 0x1000L, ++seq).toString();
              RawEvent e = new RawEvent(id, session, ts, data);
              byType.computeIfAbsent(e.eventType(), t -> new ArrayList<>()).add(new EventBlocks.Entry(seq, e));
            }
            for (Map.Entry<EventType, List<EventBlocks.Entry>> t : byType.entrySet()) {
              List<EventBlocks.Entry> entries = t.getValue();
              add(block, session, start, t.getKey().code(), entries.size(), entries.get(0).seq(),
                entries.get(entries.size() - 1).seq(), EventBlocks.encode(entries));
              events += entries.size();
            }
          }
          block.executeBatch();
          c.commit();
        }
      }
    }
    return events;
  }

  /** Minute rows for {@code hour} unless the module already wrote some (its rollups): true if it had. */
  static boolean fillHourIfEmpty(Path db, long hour) throws SQLException {
    try (Connection c = open(db)) {
      try (PreparedStatement st = c.prepareStatement("SELECT count(*) FROM minute_rollups WHERE bucket_ms >= ? AND bucket_ms < ?")) {
        st.setLong(1, hour);
        st.setLong(2, hour + HOUR_MS);
        try (ResultSet rs = st.executeQuery()) {
          if (rs.next() && rs.getLong(1) > 0) {
            return true;
          }
        }
      }
      c.setAutoCommit(false);
      String session = new UUID(0x5b1d0c2e00004000L, 0x8000000000000000L | hour).toString();
      try (PreparedStatement addSession = c.prepareStatement(ADD_SESSION);
           PreparedStatement row = c.prepareStatement("INSERT OR IGNORE INTO minute_rollups (bucket_ms, sk, "
             + "event_type, app, n) VALUES (?, " + SK + ", ?, ?, ?)");
           PreparedStatement focus = c.prepareStatement("INSERT OR IGNORE INTO minute_focus VALUES (?, " + SK + ", ?, ?, ?)")) {
        addSession.setString(1, session);
        addSession.executeUpdate();
        minutes(row, focus, hour, session, 0);
        row.executeBatch();
        focus.executeBatch();
      }
      c.commit();
      return false;
    }
  }

  private static int add(PreparedStatement st, Object... values) throws SQLException {
    for (int i = 0; i < values.length; i++) {
      st.setObject(i + 1, values[i]);
    }
    st.addBatch();
    return 1;
  }

  private static Connection open(Path db) throws SQLException {
    Connection c = DriverManager.getConnection("jdbc:sqlite:" + db + "?busy_timeout=30000");
    return c;
  }
}
