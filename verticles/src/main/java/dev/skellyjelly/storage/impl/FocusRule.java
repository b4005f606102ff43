package dev.skellyjelly.storage.impl;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The contract's focus rule (§8), without the database: in a session, a {@code window_focus} at t gives its app
 * the focus from t until the session's next focus change or the start of a pause; time counts as focused only
 * while the person is active; every event belongs to the app focused at its timestamp ({@code ""} when none).
 * Events and focus changes are ordered by (timestamp, commit sequence number): a focus change applies to the
 * events after it in that order, itself included, and of two changes at one millisecond the later one holds
 * the focus from that millisecond.
 */
public final class FocusRule {

  /** Past any time: the end of a pause until resumed, the end of a range with no end. */
  public static final long FOREVER = Long.MAX_VALUE;

  /** A stored focus change of one session: its event's timestamp and commit sequence number, and its app. */
  public record FocusChange(long tsMs, long seq, String app) {
  }

  /** A half-open time span [startMs, endMs): a stretch of activity, or a pause ({@link #FOREVER} while it lasts). */
  public record Span(long startMs, long endMs) {
  }

  /** Receives one stretch of focused, active time. */
  public interface FocusedSink {
    void add(long startMs, long endMs, String app);
  }

  public static final Comparator<FocusChange> ORDER =
    Comparator.comparingLong(FocusChange::tsMs).thenComparingLong(FocusChange::seq);

  private FocusRule() {
  }

  /** Input events make the person active: keystrokes, mouse moves and mouse clicks. */
  public static boolean isInput(dev.skellyjelly.storage.codecs.EventType type) {
    return type == dev.skellyjelly.storage.codecs.EventType.KEYSTROKE
      || type == dev.skellyjelly.storage.codecs.EventType.MOUSE_MOVE
      || type == dev.skellyjelly.storage.codecs.EventType.MOUSE_CLICK;
  }

  /** Whether {@code f} comes at or before the event at ({@code tsMs}, {@code seq}). */
  public static boolean atOrBefore(FocusChange f, long tsMs, long seq) {
    return f.tsMs() < tsMs || f.tsMs() == tsMs && f.seq() <= seq;
  }

  /**
   * The app focused for the event at ({@code tsMs}, {@code seq}).
   *
   * @param changes the session's focus changes in {@link #ORDER}, at least those from the last one at or before
   *                the event on
   * @param pauses  pauses by start
   */
  public static String appAt(List<FocusChange> changes, List<Span> pauses, long tsMs, long seq) {
    int lo = 0;
    int hi = changes.size() - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (atOrBefore(changes.get(mid), tsMs, seq)) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found < 0) {
      return "";
    }
    FocusChange f = changes.get(found);
    return focusEnd(f.tsMs(), pauses) <= tsMs ? "" : f.app();
  }

  /** Where a focus given at {@code fromMs} ends at the latest: the first pause that starts after it. */
  static long focusEnd(long fromMs, List<Span> pauses) {
    for (Span p : pauses) {
      if (p.startMs() > fromMs) {
        return p.startMs();
      }
    }
    return FOREVER;
  }

  /**
   * Hands {@code sink} every stretch of [fromMs, toMs) that is both active and focused, with its app.
   *
   * @param changes the focus changes in {@link #ORDER}, from the last one at or before {@code fromMs} on
   * @param active  disjoint active spans by start
   * @param pauses  pauses by start
   */
  public static void focused(List<FocusChange> changes, List<Span> active, List<Span> pauses, long fromMs, long toMs,
                             FocusedSink sink) {
    int a = 0;
    for (int i = 0; i < changes.size(); i++) {
      FocusChange f = changes.get(i);
      long start = Math.max(f.tsMs(), fromMs);
      long end = Math.min(i + 1 < changes.size() ? changes.get(i + 1).tsMs() : FOREVER, focusEnd(f.tsMs(), pauses));
      end = Math.min(end, toMs);
      if (start >= end) {
        continue;
      }
      while (a < active.size() && active.get(a).endMs() <= start) {
        a++;
      }
      for (int j = a; j < active.size() && active.get(j).startMs() < end; j++) {
        long s = Math.max(start, active.get(j).startMs());
        long e = Math.min(end, active.get(j).endMs());
        if (s < e) {
          sink.add(s, e, f.app());
        }
      }
    }
  }

  /** The union of {@code spans} as disjoint spans by start; touching spans join. */
  public static List<Span> union(List<Span> spans) {
    List<Span> sorted = new ArrayList<>(spans);
    sorted.sort(Comparator.comparingLong(Span::startMs));
    List<Span> out = new ArrayList<>();
    for (Span s : sorted) {
      if (!out.isEmpty() && s.startMs() <= out.get(out.size() - 1).endMs()) {
        Span last = out.remove(out.size() - 1);
        out.add(new Span(last.startMs(), Math.max(last.endMs(), s.endMs())));
      } else {
        out.add(s);
      }
    }
    return out;
  }

  /** What of {@code span} none of {@code covered} (disjoint, by start) covers. */
  public static List<Span> minus(Span span, List<Span> covered) {
    List<Span> out = new ArrayList<>();
    long at = span.startMs();
    for (Span c : covered) {
      if (c.endMs() <= at || c.startMs() >= span.endMs()) {
        continue;
      }
      if (c.startMs() > at) {
        out.add(new Span(at, c.startMs()));
      }
      at = Math.max(at, c.endMs());
    }
    if (at < span.endMs()) {
      out.add(new Span(at, span.endMs()));
    }
    return out;
  }
}
