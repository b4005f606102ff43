package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.EventType;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.WindowFocus;
import dev.skellyjelly.storage.impl.FocusRule.FocusChange;
import dev.skellyjelly.storage.impl.FocusRule.Span;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Keeps the minute and hour rollups, the focus rows and the focus rule's inputs (focus changes, activity) exact
 * in every commit's transaction. Events are taken in (timestamp, sequence) order, session by session, as if
 * they had arrived one at a time. In order, the usual case, each costs no query: the writer remembers per
 * session the latest focus change, the last stretch of activity and the latest timestamp stored, so an event's
 * app, the active time it adds and the focus a {@code window_focus} moves are worked out in memory and added
 * to the rows. A late event looks up the focus changes and activity around it. A {@code window_focus} before
 * events already stored re-attributes them: {@link LateFocus} moves just the events and the focused time from
 * it to the session's next focus change (for all of a commit's late changes at once), reading only the blocks
 * of the windows those spans overlap. Deletion and pauses rebuild a range from the stored events instead
 * ({@link #recompute}). Neither ever touches rollups before the {@code lifecycle} row {@code raw_kept_from_ms}
 * (retention sets it, hour-aligned, before raw events go): those summarise events no longer stored.
 */
final class Rollups {

  /** Sessions remembered at most (a few dozen bytes each); a forgotten one is read back when it returns. */
  private static final int CACHED_SESSIONS = 4096;
  private static final Comparator<EventBlocks.Entry> BY_TIME =
    Comparator.comparingLong((EventBlocks.Entry e) -> e.event().timestampMs()).thenComparingLong(EventBlocks.Entry::seq);

  /** What the writer remembers of one session, as stored. */
  static final class Session {
    FocusChange latest;
    Span tail;
    /** Whether {@link #tail} has changed since it was written. */
    boolean tailDirty;
    long maxTs = Long.MIN_VALUE;
  }

  private final long idleMs;
  private final long windowMs;
  private final RollupRecompute recompute;
  private final Map<String, Session> sessions = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Session> eldest) {
      return size() > CACHED_SESSIONS;
    }
  };
  private List<Span> pauses = List.of();

  Rollups(long idleMs, long windowMs) {
    this.idleMs = idleMs;
    this.windowMs = windowMs;
    this.recompute = new RollupRecompute(idleMs, windowMs);
  }

  /** Reads the pauses (the focus ends at the start of each). */
  void load(WriterConnection c) throws SQLException {
    pauses = List.copyOf(c.query(RollupSql.PAUSES, RollupSql::span));
  }

  /** After a failed transaction: what was remembered may be ahead of the database; read it back when needed. */
  void forget() {
    sessions.clear();
  }

  /**
   * Recomputes the rollups (minute, hour, focus) and the focus rule's inputs of {@code sessionId} over
   * [{@code fromMs}, {@code toMs}) from the events stored, in the caller's transaction: for a deletion (after
   * the events are gone) or anything else the incremental path did not see. {@code toMs} may be
   * {@link FocusRule#FOREVER}. The range is widened to whole hours and to the stretches of activity crossing it.
   */
  void recompute(WriterConnection c, String sessionId, long fromMs, long toMs) throws SQLException {
    Session s = sessions.remove(sessionId);
    if (s != null && s.tailDirty) {
      c.update(RollupSql.PUT_ACTIVITY, sessionId, s.tail.startMs(), s.tail.endMs());
    }
    recompute.recompute(c, sessionId, fromMs, toMs, pauses);
  }

  /**
   * The pauses changed from {@code fromMs} on (one started, ended or was removed): reads them again and
   * recomputes every session with anything from then on, in the caller's transaction.
   */
  void pausesChanged(WriterConnection c, long fromMs) throws SQLException {
    load(c);
    for (String session : c.query(RollupSql.SESSIONS_SINCE, rs -> rs.getString(1), fromMs, fromMs,
      RollupDelta.floor(fromMs, RollupDelta.MINUTE_MS))) {
      recompute(c, session, fromMs, FocusRule.FOREVER);
    }
  }

  /** Before the commit's events are written: reads what is stored of sessions not remembered. */
  Map<String, Session> prepare(WriterConnection c, List<EventBlocks.Entry> stored) throws SQLException {
    Map<String, Session> states = new LinkedHashMap<>();
    for (EventBlocks.Entry e : stored) {
      String id = e.event().sessionId();
      if (!states.containsKey(id)) {
        Session s = sessions.get(id);
        states.put(id, s != null ? s : read(c, id));
      }
    }
    return states;
  }

  /**
   * Adds the commit's events, written already, to the rollups; {@code states} from {@link #prepare} and
   * {@code lastSeqBefore} the last sequence number before this commit.
   */
  void apply(WriterConnection c, Map<String, Session> states, List<EventBlocks.Entry> stored, long lastSeqBefore)
    throws SQLException {
    Map<String, List<EventBlocks.Entry>> bySession = new LinkedHashMap<>();
    List<RollupSql.SessionChange> changes = new ArrayList<>();
    for (EventBlocks.Entry e : stored) {
      bySession.computeIfAbsent(e.event().sessionId(), k -> new ArrayList<>()).add(e);
      if (e.event().data() instanceof WindowFocus f) {
        changes.add(new RollupSql.SessionChange(e.event().sessionId(),
          new FocusChange(e.event().timestampMs(), e.seq(), f.appName())));
      }
    }
    c.writeAll(RollupSql.INSERT_FOCUS_CHANGE, changes);
    RollupDelta delta = new RollupDelta();
    List<SessionCommit> late = new ArrayList<>();
    for (Map.Entry<String, List<EventBlocks.Entry>> s : bySession.entrySet()) {
      Session state = states.get(s.getKey());
      SessionCommit commit = new SessionCommit(c, s.getKey(), state, s.getValue(), lastSeqBefore, delta);
      commit.run();
      if (commit.late) {
        late.add(commit);
      }
      sessions.put(s.getKey(), state);
    }
    write(c, delta);
    for (Map.Entry<String, Session> s : states.entrySet()) {
      Session state = s.getValue();
      if (state.tailDirty) {
        c.update(RollupSql.PUT_ACTIVITY, s.getKey(), state.tail.startMs(), state.tail.endMs());
        state.tailDirty = false;
      }
    }
    for (SessionCommit s : late) {
      // Past everything stored of the session: its last event and the end of its activity.
      long end = Math.max(s.s.maxTs + 1, s.s.tail == null ? Long.MIN_VALUE : s.s.tail.endMs());
      new LateFocus(c, s.id, windowMs, lastSeqBefore, pauses).apply(s.changes, end, s.fresh, s.credited);
    }
  }

  /** Writes the rows of {@code delta}, adding to those stored. */
  static void write(WriterConnection c, RollupDelta delta) throws SQLException {
    List<List<RollupDelta.RollupRow>> rollups = List.of(new ArrayList<>(), new ArrayList<>());
    for (RollupDelta.RollupRow r : delta.rollupRows()) {
      rollups.get(r.hour() ? 1 : 0).add(r);
    }
    List<List<RollupDelta.FocusRow>> focus = List.of(new ArrayList<>(), new ArrayList<>());
    for (RollupDelta.FocusRow r : delta.focusRows()) {
      focus.get(r.hour() ? 1 : 0).add(r);
    }
    for (int i = 0; i < 2; i++) {
      c.writeAll(RollupSql.ADD_ROLLUP.get(i), rollups.get(i));
      if (delta.removedEvents()) {
        c.writeAll(RollupSql.DROP_EMPTY_ROLLUP.get(i), rollups.get(i));
      }
      c.writeAll(RollupSql.ADD_FOCUS.get(i), focus.get(i));
      if (delta.tookAway()) {
        c.writeAll(RollupSql.DROP_EMPTY_FOCUS.get(i), focus.get(i));
      }
    }
  }

  private Session read(WriterConnection c, String sessionId) throws SQLException {
    Session s = new Session();
    s.latest = c.query(RollupSql.LATEST_FOCUS, RollupSql::change, sessionId).stream().findFirst().orElse(null);
    s.tail = c.query(RollupSql.LAST_ACTIVITY, RollupSql::span, sessionId).stream().findFirst().orElse(null);
    for (Long w : c.query(RollupSql.LAST_WINDOW_START, rs -> rs.getObject(1) == null ? null : rs.getLong(1),
      sessionId)) {
      if (w != null) {
        record Block(EventType type, byte[] data) {
        }
        for (Block b : c.query(RollupSql.WINDOW_BLOCKS, rs -> new Block(EventType.fromCode(rs.getInt(1)),
          rs.getBytes(2)), sessionId, w, w + 1)) {
          for (EventBlocks.Entry e : EventBlocks.decode(b.data(), sessionId, b.type())) {
            s.maxTs = Math.max(s.maxTs, e.event().timestampMs());
          }
        }
      }
    }
    return s;
  }

  /** One session's events of one commit, taken in (timestamp, sequence) order. */
  private final class SessionCommit {
    private final WriterConnection c;
    private final String id;
    private final Session s;
    private final List<EventBlocks.Entry> events;
    private final long lastSeqBefore;
    private final RollupDelta delta;
    private final long storedMaxTs;
    /** Whether a focus change of this commit came before events already stored. */
    boolean late;
    /** This commit's focus changes, the time its input newly made active, and the focused time it counted. */
    final List<FocusChange> changes = new ArrayList<>();
    final List<Span> fresh = new ArrayList<>();
    final List<LateFocus.Credit> credited = new ArrayList<>();
    /** The session's focus changes around this commit's events so far, read when first needed. */
    private TreeSet<FocusChange> around;
    /** How many of {@link #events} have been taken, the current one included. */
    private int taken;

    SessionCommit(WriterConnection c, String id, Session s, List<EventBlocks.Entry> events, long lastSeqBefore,
                  RollupDelta delta) {
      this.c = c;
      this.id = id;
      this.s = s;
      this.events = events;
      this.lastSeqBefore = lastSeqBefore;
      this.delta = delta;
      this.storedMaxTs = s.maxTs;
      events.sort(BY_TIME);
    }

    void run() throws SQLException {
      for (EventBlocks.Entry en : events) {
        RawEvent e = en.event();
        long t = e.timestampMs();
        taken++;
        if (e.data() instanceof WindowFocus f) {
          FocusChange change = new FocusChange(t, en.seq(), f.appName());
          if (around != null) {
            around.add(change);
          }
          focusChange(change);
        }
        if (FocusRule.isInput(e.eventType())) {
          active(t, en.seq());
        }
        String app = s.latest == null || FocusRule.atOrBefore(s.latest, t, en.seq())
          ? FocusRule.appAt(latestOnly(), pauses, t, en.seq())
          : FocusRule.appAt(focusSoFar(t, en.seq()), pauses, t, en.seq());
        delta.addEvent(e, app);
        s.maxTs = Math.max(s.maxTs, t);
      }
    }

    private void focusChange(FocusChange f) {
      delta.addSwitch(id, f.tsMs(), f.app());
      changes.add(f);
      // Events stored after it belong to it now: LateFocus moves them and the time it holds the focus, and
      // with them those of the commit's later changes (taken after it: this pass's view of its focus is
      // then the one before the commit).
      late |= f.tsMs() < storedMaxTs;
      if (!late && s.tail != null && s.tail.endMs() > f.tsMs()) {
        // Nothing stored after it: the focus of the active time from here on moves to its app.
        List<Span> tail = List.of(s.tail);
        FocusRule.focused(latestOnly(), tail, pauses, f.tsMs(), FocusRule.FOREVER,
          (a, b, app) -> credit(a, b, app, -1));
        List<FocusChange> both = s.latest == null ? List.of(f) : List.of(s.latest, f);
        FocusRule.focused(both, tail, pauses, f.tsMs(), FocusRule.FOREVER,
          (a, b, app) -> credit(a, b, app, 1));
      }
      if (s.latest == null || FocusRule.ORDER.compare(f, s.latest) > 0) {
        s.latest = f;
      }
    }

    /** An input event at {@code t} makes [t, t + idle) active: the newly active time is credited to its apps. */
    private void active(long t, long seq) throws SQLException {
      Span span = new Span(t, t + idleMs);
      List<Span> fresh;
      if (s.tail == null || t >= s.tail.startMs()) {
        if (s.tail != null && t <= s.tail.endMs()) {
          if (span.endMs() <= s.tail.endMs()) {
            return;
          }
          fresh = List.of(new Span(s.tail.endMs(), span.endMs()));
          s.tail = new Span(s.tail.startMs(), span.endMs());
        } else {
          if (s.tail != null && s.tailDirty) {
            c.update(RollupSql.PUT_ACTIVITY, id, s.tail.startMs(), s.tail.endMs());
          }
          fresh = List.of(span);
          s.tail = span;
        }
        s.tailDirty = true;
      } else {
        // Before the last stretch: merge with the stretches stored around it.
        if (s.tailDirty) {
          c.update(RollupSql.PUT_ACTIVITY, id, s.tail.startMs(), s.tail.endMs());
          s.tailDirty = false;
        }
        List<Span> touching = new ArrayList<>();
        for (Span r : c.query(RollupSql.ACTIVITY_BEFORE, RollupSql::span, id, span.endMs())) {
          if (r.endMs() >= t) {
            touching.add(0, r);
          }
        }
        fresh = FocusRule.minus(span, touching);
        List<Span> all = new ArrayList<>(touching);
        all.add(span);
        Span merged = FocusRule.union(all).get(0);
        for (Span r : touching) {
          c.update(RollupSql.DELETE_ACTIVITY, id, r.startMs());
        }
        c.update(RollupSql.PUT_ACTIVITY, id, merged.startMs(), merged.endMs());
        if (merged.startMs() <= s.tail.startMs() && merged.endMs() >= s.tail.startMs()) {
          s.tail = merged;
        }
      }
      for (Span f : fresh) {
        this.fresh.add(f);
        List<FocusChange> owners = s.latest == null || s.latest.tsMs() <= f.startMs() ? latestOnly()
          : focusSoFar(f.startMs(), Long.MAX_VALUE, f.endMs());
        FocusRule.focused(owners, List.of(f), pauses, f.startMs(), f.endMs(), (a, b, app) -> credit(a, b, app, 1));
      }
    }

    private void credit(long startMs, long endMs, String app, int sign) {
      delta.addFocused(id, startMs, endMs, app, sign);
      credited.add(new LateFocus.Credit(startMs, endMs, app, sign));
    }

    private List<FocusChange> latestOnly() {
      return s.latest == null ? List.of() : List.of(s.latest);
    }

    /** The session's focus changes stored before this commit or taken so far in it (those at or before (t, seq)). */
    private List<FocusChange> focusSoFar(long t, long seq) throws SQLException {
      return focusSoFar(t, seq, t);
    }

    /** As {@link #focusSoFar(long, long)}, covering [from, to]: the last change at or before from, then those up to to. */
    private List<FocusChange> focusSoFar(long from, long seq, long to) throws SQLException {
      if (around == null) {
        long lo = events.get(0).event().timestampMs();
        long hi = events.get(events.size() - 1).event().timestampMs() + idleMs + 1;
        around = new TreeSet<>(FocusRule.ORDER);
        for (FocusChange f : c.query(RollupSql.FOCUS_CHANGES, RollupSql::change, id, id, lo, lo, hi)) {
          if (f.seq() <= lastSeqBefore) {
            around.add(f);
          }
        }
        // This commit's changes join as they are taken, in order.
        for (EventBlocks.Entry en : events.subList(0, taken)) {
          if (en.event().data() instanceof WindowFocus w) {
            around.add(new FocusChange(en.event().timestampMs(), en.seq(), w.appName()));
          }
        }
      }
      FocusChange floor = around.floor(new FocusChange(from, seq, ""));
      FocusChange first = floor != null ? floor : new FocusChange(Long.MIN_VALUE, Long.MIN_VALUE, "");
      return new ArrayList<>(around.subSet(first, true, new FocusChange(to, Long.MAX_VALUE, ""), true));
    }
  }
}
