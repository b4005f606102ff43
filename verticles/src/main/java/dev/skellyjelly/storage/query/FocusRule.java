package dev.skellyjelly.storage.query;

import io.vertx.core.Future;

import java.util.ArrayList;
import java.util.List;

/**
 * The focus rule of CONTRACT §8 for one session over a span of time: a {@code window_focus} at t gives its app the
 * focus from t until the session's next focus change or the start of a pause; before any, the app is "". Only
 * focus changes committed up to a snapshot count, so pages of one listing agree.
 */
final class FocusRule {

  private final long[] changeTs;
  private final String[] changeApp;
  private final long[] pauseStarts;

  private FocusRule(long[] changeTs, String[] changeApp, long[] pauseStarts) {
    this.changeTs = changeTs;
    this.changeApp = changeApp;
    this.pauseStarts = pauseStarts;
  }

  /** The rule for {@code session} over {@code [fromTs, toTs]}, with focus changes of seq ≤ {@code snapshot}. */
  static Future<FocusRule> load(Reads reads, String session, long fromTs, long toTs, long snapshot) {
    Future<List<Row>> changes = reads.query("SELECT ts_ms, app FROM focus_changes WHERE session_id = ? "
        + "AND seq <= ? AND ts_ms <= ? AND ts_ms >= coalesce((SELECT max(ts_ms) FROM focus_changes WHERE session_id = ? "
        + "AND seq <= ? AND ts_ms <= ?), 0) ORDER BY ts_ms, seq", session, snapshot, toTs, session, snapshot, fromTs)
      .map(FocusRule::list);
    return changes.compose(rows -> {
      long since = rows.isEmpty() ? toTs : ReadPool.num(rows.get(0), 0);
      return reads.query("SELECT start_ms FROM pauses WHERE start_ms >= ? AND start_ms <= ? ORDER BY start_ms",
        since, toTs).map(pauses -> {
          long[] ts = new long[rows.size()];
          String[] apps = new String[rows.size()];
          for (int i = 0; i < ts.length; i++) {
            ts[i] = ReadPool.num(rows.get(i), 0);
            apps[i] = ReadPool.text(rows.get(i), 1);
          }
          long[] starts = new long[pauses.size()];
          int i = 0;
          for (Row p : pauses) {
            starts[i++] = ReadPool.num(p, 0);
          }
          return new FocusRule(ts, apps, starts);
        });
    });
  }

  private static List<Row> list(Iterable<Row> rows) {
    List<Row> out = new ArrayList<>();
    rows.forEach(out::add);
    return out;
  }

  /** The app focused at {@code t}. */
  String appAt(long t) {
    int lo = 0;
    int hi = changeTs.length - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (changeTs[mid] <= t) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found < 0) {
      return "";
    }
    long since = changeTs[found];
    for (long p : pauseStarts) {
      if (p >= since && p <= t) {
        return "";
      }
    }
    return changeApp[found];
  }
}
