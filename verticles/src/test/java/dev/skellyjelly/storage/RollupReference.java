package dev.skellyjelly.storage;

import dev.skellyjelly.storage.codecs.EventType;
import dev.skellyjelly.storage.codecs.Keystroke;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.ResourceUsage;
import dev.skellyjelly.storage.codecs.WindowFocus;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The rollups the contract's focus rule gives for a list of events, worked out the plain way, millisecond by
 * millisecond, independently of the module's code: what the tests compare the module's tables with. Events are
 * in the order they were committed; of two at one millisecond the later-committed comes later. No pauses.
 */
public final class RollupReference {

  private static final long MINUTE = 60_000;
  private static final long HOUR = 3_600_000;

  private RollupReference() {
  }

  /** Rollup rows as "bucket|session|type|app" → "n,interval_n,interval_sum,cpu_sum,memory_max". */
  public static Map<String, String> rollups(List<RawEvent> committed, long bucketMs) {
    Map<String, long[]> sums = new TreeMap<>();
    Map<String, Double> cpu = new TreeMap<>();
    for (int i = 0; i < committed.size(); i++) {
      RawEvent e = committed.get(i);
      String key = Math.floorDiv(e.timestampMs(), bucketMs) * bucketMs + "|" + e.sessionId() + "|"
        + e.eventType().wireName() + "|" + appOf(committed, i);
      long[] v = sums.computeIfAbsent(key, k -> new long[4]);
      v[0]++;
      if (e.data() instanceof Keystroke k && k.interKeyIntervalMs() != null) {
        v[1]++;
        v[2] += k.interKeyIntervalMs();
      }
      if (e.data() instanceof ResourceUsage r) {
        cpu.merge(key, r.cpuPercent(), Double::sum);
        v[3] = Math.max(v[3], r.memoryMb());
      }
    }
    Map<String, String> out = new TreeMap<>();
    sums.forEach((k, v) -> out.put(k, v[0] + "," + v[1] + "," + v[2] + "," + cpu.getOrDefault(k, 0.0) + "," + v[3]));
    return out;
  }

  /** Focus rows as "bucket|session|app" → "focused_ms,switches". */
  public static Map<String, String> focus(List<RawEvent> committed, long idleMs, long bucketMs) {
    Map<String, long[]> rows = new TreeMap<>();
    Map<String, List<Integer>> bySession = new TreeMap<>();
    for (int i = 0; i < committed.size(); i++) {
      bySession.computeIfAbsent(committed.get(i).sessionId(), k -> new ArrayList<>()).add(i);
      RawEvent e = committed.get(i);
      if (e.data() instanceof WindowFocus f) {
        String key = Math.floorDiv(e.timestampMs(), bucketMs) * bucketMs + "|" + e.sessionId() + "|" + f.appName();
        rows.computeIfAbsent(key, k -> new long[2])[1]++;
      }
    }
    for (Map.Entry<String, List<Integer>> s : bySession.entrySet()) {
      List<Long> inputs = new ArrayList<>();
      List<Integer> changes = new ArrayList<>();
      for (int i : s.getValue()) {
        RawEvent e = committed.get(i);
        EventType t = e.eventType();
        if (t == EventType.KEYSTROKE || t == EventType.MOUSE_MOVE || t == EventType.MOUSE_CLICK) {
          inputs.add(e.timestampMs());
        }
        if (e.data() instanceof WindowFocus) {
          changes.add(i);
        }
      }
      Collections.sort(inputs);
      // By time; of two at one millisecond the later-committed last (the list is in commit order already).
      changes.sort(Comparator.comparingLong(i -> committed.get(i).timestampMs()));
      // Every active millisecond once, in order, with the app of the last focus change at or before it.
      long done = Long.MIN_VALUE;
      int next = 0;
      String app = null;
      for (long t : inputs) {
        for (long ms = Math.max(t, done); ms < t + idleMs; ms++) {
          while (next < changes.size() && committed.get(changes.get(next)).timestampMs() <= ms) {
            app = ((WindowFocus) committed.get(changes.get(next)).data()).appName();
            next++;
          }
          if (app != null) {
            String key = Math.floorDiv(ms, bucketMs) * bucketMs + "|" + s.getKey() + "|" + app;
            rows.computeIfAbsent(key, k -> new long[2])[0]++;
          }
        }
        done = Math.max(done, t + idleMs);
      }
    }
    Map<String, String> out = new TreeMap<>();
    rows.forEach((k, v) -> out.put(k, v[0] + "," + v[1]));
    return out;
  }

  /** The app event {@code index} is attributed to: the last focus change of its session before it in time. */
  static String appOf(List<RawEvent> committed, int index) {
    RawEvent e = committed.get(index);
    String app = "";
    long at = Long.MIN_VALUE;
    for (int i = 0; i < committed.size(); i++) {
      RawEvent f = committed.get(i);
      boolean before = f.timestampMs() < e.timestampMs() || f.timestampMs() == e.timestampMs() && i <= index;
      if (f.data() instanceof WindowFocus w && f.sessionId().equals(e.sessionId()) && before && f.timestampMs() >= at) {
        app = w.appName();
        at = f.timestampMs();
      }
    }
    return app;
  }

  /** The rows of minute_rollups or hour_rollups, in the form of {@link #rollups}. */
  public static Map<String, String> readRollups(Connection c, String table) throws SQLException {
    Map<String, String> out = new TreeMap<>();
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT r.bucket_ms, s.session_id, t.name, "
      + "r.app, r.n, r.interval_n, r.interval_sum_ms, r.cpu_sum, r.memory_max_mb FROM " + table
      + " r JOIN sessions s ON s.sk = r.sk JOIN event_types t ON t.code = r.event_type")) {
      while (rs.next()) {
        out.put(rs.getLong(1) + "|" + rs.getString(2) + "|" + rs.getString(3) + "|" + rs.getString(4),
          rs.getLong(5) + "," + rs.getLong(6) + "," + rs.getLong(7) + "," + rs.getDouble(8) + "," + rs.getLong(9));
      }
    }
    return out;
  }

  /** The rows of minute_focus or hour_focus, in the form of {@link #focus}. */
  public static Map<String, String> readFocus(Connection c, String table) throws SQLException {
    Map<String, String> out = new TreeMap<>();
    try (Statement s = c.createStatement();
         ResultSet rs = s.executeQuery("SELECT f.bucket_ms, s.session_id, f.app, f.focused_ms, f.switches FROM "
           + table + " f JOIN sessions s ON s.sk = f.sk")) {
      while (rs.next()) {
        out.put(rs.getLong(1) + "|" + rs.getString(2) + "|" + rs.getString(3), rs.getLong(4) + "," + rs.getLong(5));
      }
    }
    return out;
  }
}
