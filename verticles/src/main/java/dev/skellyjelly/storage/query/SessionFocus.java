package dev.skellyjelly.storage.query;

import dev.skellyjelly.storage.impl.FocusRule;
import dev.skellyjelly.storage.impl.FocusRule.FocusChange;
import dev.skellyjelly.storage.impl.FocusRule.Span;
import dev.skellyjelly.storage.impl.SessionKeys;
import io.vertx.core.Future;

import java.util.List;

/**
 * One session's focus changes and the pauses over a span of time, read for a listing of events: which app each
 * event is attributed to is the rollups' own {@link FocusRule}. Only focus changes committed up to a snapshot
 * count, so the pages of one listing agree.
 */
final class SessionFocus {

  /** A session's key (focus_changes holds sk). */
  private static final String SK = SessionKeys.OF_ID;

  private final List<FocusChange> changes;
  private final List<Span> pauses;

  private SessionFocus(List<FocusChange> changes, List<Span> pauses) {
    this.changes = changes;
    this.pauses = pauses;
  }

  /**
   * The focus of {@code session} for events in {@code [fromTs, toTs]}: its focus changes of seq ≤ {@code snapshot}
   * from the last one before {@code fromTs} on (those at {@code fromTs} itself may follow an event there), and the
   * pauses that start from the first of them on.
   */
  static Future<SessionFocus> load(Reads reads, String session, long fromTs, long toTs, long snapshot) {
    Future<List<FocusChange>> changes = reads.query("SELECT ts_ms, seq, app FROM focus_changes WHERE sk = " + SK
        + " AND seq <= ? AND ts_ms <= ? AND ts_ms >= coalesce((SELECT max(ts_ms) FROM focus_changes WHERE sk = " + SK
        + " AND seq <= ? AND ts_ms < ?), 0) ORDER BY ts_ms, seq", session, snapshot, toTs, session, snapshot, fromTs)
      .map(rows -> rows.list().stream()
        .map(r -> new FocusChange(ReadPool.num(r, 0), ReadPool.num(r, 1), ReadPool.text(r, 2))).toList());
    return changes.compose(list -> {
      if (list.isEmpty()) {
        return Future.succeededFuture(new SessionFocus(list, List.of()));
      }
      return reads.query("SELECT start_ms, coalesce(end_ms, " + FocusRule.FOREVER + ") FROM pauses "
          + "WHERE start_ms >= ? AND start_ms <= ? ORDER BY start_ms", list.get(0).tsMs(), toTs)
        .map(rows -> new SessionFocus(list,
          rows.list().stream().map(r -> new Span(ReadPool.num(r, 0), ReadPool.num(r, 1))).toList()));
    });
  }

  /** The app focused for the event at ({@code tsMs}, {@code seq}); "" when none. */
  String appAt(long tsMs, long seq) {
    return FocusRule.appAt(changes, pauses, tsMs, seq);
  }
}
