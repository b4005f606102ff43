package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.EventType;
import dev.skellyjelly.storage.codecs.ResourceUsage;
import dev.skellyjelly.storage.impl.FocusRule.FocusChange;
import dev.skellyjelly.storage.impl.FocusRule.Span;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Corrects one session's rollups after a commit whose focus changes came before events already stored, at a
 * cost that follows what they re-attribute. A focus change at t takes over the events and the focused time
 * from t to the session's next focus change; the spans of a commit's changes are merged, and only they are
 * touched:
 * <ul>
 *   <li>the stored events in them (read from the blocks of the windows they overlap, only those events built)
 *   move, one by one, from the app they had before the commit to the app they have now, in their minute and
 *   hour rows; a row they leave empty is removed, and where one leaves a row whose largest memory it was,
 *   that largest memory is found again among the row's other resource samples;</li>
 *   <li>their focused time becomes what the focus changes and the activity now give, less what was counted for
 *   them before the commit (the focus changes and activity then, these spans' share of the time the commit's
 *   own input made active taken out) and what the commit's own input already counted.</li>
 * </ul>
 * Nothing before the {@code lifecycle} row {@code raw_kept_from_ms} is touched: the rollups there summarise
 * events no longer stored.
 */
final class LateFocus {

  /** Focused time counted by the commit's incremental pass ({@code sign} -1: taken away). */
  record Credit(long startMs, long endMs, String app, int sign) {
  }

  private static final Comparator<Span> BY_START = Comparator.comparingLong(Span::startMs);

  private final WriterConnection c;
  private final String id;
  private final long windowMs;
  private final long lastSeqBefore;
  private final List<Span> pauses;
  private final RollupDelta delta = new RollupDelta();
  /** Minute (0) and hour (1) rows resource samples moved away from, with the largest memory among them. */
  private final List<Map<RollupDelta.Key, Long>> leftMemory = List.of(new HashMap<>(), new HashMap<>());

  LateFocus(WriterConnection c, String sessionId, long windowMs, long lastSeqBefore, List<Span> pauses) {
    this.c = c;
    this.id = sessionId;
    this.windowMs = windowMs;
    this.lastSeqBefore = lastSeqBefore;
    this.pauses = pauses;
  }

  /**
   * Corrects the rollups for the commit's focus changes {@code changes} (stored already, as are the commit's
   * events and activity); {@code end} is past everything stored of the session, {@code fresh} the time the
   * commit's input newly made active and {@code credited} the focused time the commit already counted.
   */
  void apply(List<FocusChange> changes, long end, List<Span> fresh, List<Credit> credited) throws SQLException {
    long keptFrom = RollupRecompute.rawKeptFrom(c);
    List<Span> spans = new ArrayList<>();
    for (FocusChange f : changes) {
      long to = c.query(RollupSql.NEXT_FOCUS_TS, rs -> rs.getObject(1) == null ? end : rs.getLong(1) + 1, id,
        f.tsMs()).get(0);
      long from = Math.max(f.tsMs(), keptFrom);
      if (from < to) {
        spans.add(new Span(from, to));
      }
    }
    List<Span> merged = FocusRule.union(spans);
    if (merged.isEmpty()) {
      return;
    }
    List<List<EventBlocks.Entry>> events = storedEvents(merged);
    List<Span> freshSorted = new ArrayList<>(fresh);
    freshSorted.sort(BY_START);
    for (int i = 0; i < merged.size(); i++) {
      Span s = merged.get(i);
      FocusChange lb = c.query(RollupSql.LAST_FOCUS_UP_TO_SEQ, RollupSql::change, id, s.startMs(), lastSeqBefore)
        .stream().findFirst().orElse(null);
      long from = lb != null ? lb.tsMs() : s.startMs();
      List<FocusChange> after = c.query(RollupSql.FOCUS_CHANGES, RollupSql::change, id, id, from, from, s.endMs());
      List<FocusChange> before = after.stream().filter(f -> f.seq() <= lastSeqBefore).toList();
      for (EventBlocks.Entry e : events.get(i)) {
        long t = e.event().timestampMs();
        String was = FocusRule.appAt(before, pauses, t, e.seq());
        String is = FocusRule.appAt(after, pauses, t, e.seq());
        if (!was.equals(is)) {
          delta.removeEvent(e.event(), was);
          delta.addEvent(e.event(), is);
          if (e.event().data() instanceof ResourceUsage r) {
            for (int tier = 0; tier < 2; tier++) {
              long bucket = tier == 1 ? RollupDelta.HOUR_MS : RollupDelta.MINUTE_MS;
              leftMemory.get(tier).merge(new RollupDelta.Key(RollupDelta.floor(t, bucket), id, EventType.RESOURCE,
                was), r.memoryMb(), Math::max);
            }
          }
        }
      }
      List<Span> activeNow = RollupRecompute.activity(c, id, s.startMs(), s.endMs());
      List<Span> activeBefore = new ArrayList<>();
      for (Span a : activeNow) {
        activeBefore.addAll(FocusRule.minus(a, freshSorted));
      }
      FocusRule.focused(after, activeNow, pauses, s.startMs(), s.endMs(),
        (a, b, app) -> delta.addFocused(id, a, b, app, 1));
      FocusRule.focused(before, activeBefore, pauses, s.startMs(), s.endMs(),
        (a, b, app) -> delta.addFocused(id, a, b, app, -1));
      for (Credit k : credited) {
        long a = Math.max(k.startMs(), s.startMs());
        long b = Math.min(k.endMs(), s.endMs());
        if (a < b) {
          delta.addFocused(id, a, b, k.app(), -k.sign());
        }
      }
    }
    Rollups.write(c, delta);
    memoryMaxima();
  }

  /** The events committed before this commit in each of {@code spans} (disjoint, by start). */
  private List<List<EventBlocks.Entry>> storedEvents(List<Span> spans) throws SQLException {
    TreeSet<Long> windows = new TreeSet<>();
    for (Span s : spans) {
      for (long w = WindowRules.start(s.startMs(), windowMs); w < s.endMs(); w += windowMs) {
        windows.add(w);
      }
    }
    List<List<EventBlocks.Entry>> out = new ArrayList<>();
    for (int i = 0; i < spans.size(); i++) {
      out.add(new ArrayList<>());
    }
    record Block(EventType type, byte[] data) {
    }
    for (long w : windows) {
      for (Block b : c.query(RollupSql.WINDOW_BLOCKS, rs -> new Block(EventType.fromCode(rs.getInt(1)),
        rs.getBytes(2)), id, w, w + 1)) {
        for (EventBlocks.Entry e : EventBlocks.decode(b.data(), id, b.type(),
          (seq, ts) -> seq <= lastSeqBefore && spanOf(spans, ts) >= 0)) {
          out.get(spanOf(spans, e.event().timestampMs())).add(e);
        }
      }
    }
    return out;
  }

  /** The index of the span holding {@code t}, or -1. */
  private static int spanOf(List<Span> spans, long t) {
    int lo = 0;
    int hi = spans.size() - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      Span s = spans.get(mid);
      if (t < s.startMs()) {
        hi = mid - 1;
      } else if (t >= s.endMs()) {
        lo = mid + 1;
      } else {
        return mid;
      }
    }
    return -1;
  }

  /**
   * Rows that resource samples left, where one of those had the row's largest memory: the largest memory of
   * the samples still in the row, looked for from the largest down.
   */
  private void memoryMaxima() throws SQLException {
    Map<Long, List<EventBlocks.Memory>> samples = new HashMap<>();
    for (int tier = 0; tier < 2; tier++) {
      long bucketMs = tier == 1 ? RollupDelta.HOUR_MS : RollupDelta.MINUTE_MS;
      for (Map.Entry<RollupDelta.Key, Long> left : leftMemory.get(tier).entrySet()) {
        RollupDelta.Key k = left.getKey();
        List<Long> stored = c.query(RollupSql.ROW_MEMORY_MAX.get(tier), rs -> rs.getLong(1), k.bucketMs(), id,
          EventType.RESOURCE.code(), k.app());
        if (stored.isEmpty() || left.getValue() < stored.get(0)) {
          continue;
        }
        List<EventBlocks.Memory> inBucket = new ArrayList<>();
        for (long w = WindowRules.start(k.bucketMs(), windowMs); w < k.bucketMs() + bucketMs; w += windowMs) {
          List<EventBlocks.Memory> window = samples.get(w);
          if (window == null) {
            window = resourceSamples(w);
            samples.put(w, window);
          }
          for (EventBlocks.Memory e : window) {
            if (e.timestampMs() >= k.bucketMs() && e.timestampMs() < k.bucketMs() + bucketMs) {
              inBucket.add(e);
            }
          }
        }
        // Usually another sample of the row has the same memory: then nothing changes.
        long was = stored.get(0);
        boolean kept = false;
        for (EventBlocks.Memory e : inBucket) {
          if (e.memoryMb() == was && appNow(e).equals(k.app())) {
            kept = true;
            break;
          }
        }
        if (kept) {
          continue;
        }
        inBucket.sort(Comparator.comparingLong(EventBlocks.Memory::memoryMb).reversed());
        long max = 0;
        for (EventBlocks.Memory e : inBucket) {
          if (appNow(e).equals(k.app())) {
            max = e.memoryMb();
            break;
          }
        }
        c.update(RollupSql.SET_MEMORY_MAX.get(tier), max, k.bucketMs(), id, EventType.RESOURCE.code(), k.app());
      }
    }
  }

  /** The resource samples of the session stored in one window. */
  private List<EventBlocks.Memory> resourceSamples(long windowStart) throws SQLException {
    List<EventBlocks.Memory> out = new ArrayList<>();
    for (byte[] data : c.query(RollupSql.WINDOW_TYPE_BLOCKS, rs -> rs.getBytes(1), id, windowStart,
      EventType.RESOURCE.code())) {
      out.addAll(EventBlocks.resourceMemory(data));
    }
    return out;
  }

  /** The app the sample at (ts, seq) belongs to now. */
  private String appNow(EventBlocks.Memory e) throws SQLException {
    long t = e.timestampMs();
    List<FocusChange> f = c.query(RollupSql.FOCUS_AT, RollupSql::change, id, t, t, e.seq());
    return FocusRule.appAt(f, pauses, t, e.seq());
  }
}
