package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.RollupReference;
import dev.skellyjelly.storage.TestSupport;
import dev.skellyjelly.storage.codecs.EventData;
import dev.skellyjelly.storage.codecs.EventType;
import dev.skellyjelly.storage.codecs.Keystroke;
import dev.skellyjelly.storage.codecs.MouseClick;
import dev.skellyjelly.storage.codecs.MouseMove;
import dev.skellyjelly.storage.codecs.ProcessEvent;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.ResourceUsage;
import dev.skellyjelly.storage.codecs.WindowFocus;
import dev.skellyjelly.storage.impl.Messages.Accepted;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rollup tables after commits of generated activity (two sessions, app switches, idle gaps, every kind of
 * event, across an hour's end) equal what the focus rule gives computed the plain way from the same events —
 * committed in order, and committed out of order with late focus changes.
 */
class RollupsTest {

  private static final long IDLE_MS = 10_000;
  private static final long WINDOW_MS = 30_000;
  private static final long T0 = Instant.parse("2026-11-26T09:41:07.250Z").toEpochMilli();
  private static final String[] SESSIONS = {"7a000000-0000-4000-8000-00000000000a", "7b000000-0000-4000-8000-00000000000b"};
  private static final String[] APPS = {"Editor", "Browser", "Mail", "Terminal"};

  @TempDir
  Path dir;

  @Test
  void inOrderCommitsGiveTheRollupsOfTheFocusRule() throws Exception {
    Random rnd = new Random(141);
    List<RawEvent> events = generate(rnd, 1200);
    events.sort(Comparator.comparingLong(RawEvent::timestampMs));
    commitAndCompare(events, rnd);
  }

  @Test
  void lateEventsAndLateFocusChangesUpdateEveryBucketTheyTouch() throws Exception {
    Random rnd = new Random(1414);
    List<RawEvent> events = generate(rnd, 1200);
    events.sort(Comparator.comparingLong(RawEvent::timestampMs));
    // One event in ten arrives late, some by seconds, some by most of an hour; focus changes among them.
    List<RawEvent> late = new ArrayList<>();
    List<RawEvent> onTime = new ArrayList<>();
    for (RawEvent e : events) {
      (rnd.nextInt(10) == 0 ? late : onTime).add(e);
    }
    List<RawEvent> order = new ArrayList<>(onTime);
    for (RawEvent e : late) {
      int at = 0;
      while (at < order.size() && order.get(at).timestampMs() <= e.timestampMs()) {
        at++;
      }
      order.add(Math.min(order.size(), at + rnd.nextInt(rnd.nextBoolean() ? 20 : 600)), e);
    }
    assertTrue(late.stream().anyMatch(e -> e.data() instanceof WindowFocus));
    commitAndCompare(order, rnd);
  }

  @Test
  void aLateFocusChangeReattributesTheEventsAfterItUpToTheNextChange() throws Exception {
    String s = SESSIONS[0];
    List<RawEvent> order = new ArrayList<>();
    order.add(event(s, T0, new WindowFocus("t", "Editor", 1, null)));
    for (int i = 1; i <= 40; i++) {
      order.add(event(s, T0 + i * 3_000L, new Keystroke(65, new Keystroke.Modifiers(false, false, false, false), 120L)));
    }
    order.add(event(s, T0 + 100_000, new WindowFocus("t", "Mail", 1, null)));
    // Arrives after all of the above: the keystrokes from 45 s to 99 s were in the browser.
    order.add(event(s, T0 + 44_000, new WindowFocus("t", "Browser", 1, null)));
    commitAndCompare(order, new Random(7));
    assertEquals(19, TestSupport.scalar(dir.resolve("events.db"),
      "SELECT sum(n) FROM minute_rollups WHERE app = 'Browser' AND event_type = 0"));
  }

  @Test
  void severalLateFocusChangesInOneCommitEachReattributeTheirStretch() throws Exception {
    String s = SESSIONS[1];
    List<RawEvent> onTime = new ArrayList<>();
    onTime.add(event(s, T0, new WindowFocus("t", "Editor", 1, null)));
    for (int i = 1; i <= 60; i++) {
      onTime.add(event(s, T0 + i * 2_000L, new MouseMove(i, i, 1.0)));
    }
    onTime.add(event(s, T0 + 50_000, new WindowFocus("t", "Mail", 1, null)));
    onTime.sort(Comparator.comparingLong(RawEvent::timestampMs));
    List<RawEvent> late = List.of(event(s, T0 + 10_000, new WindowFocus("t", "Browser", 1, null)),
      event(s, T0 + 70_000, new WindowFocus("t", "Terminal", 1, null)),
      event(s, T0 + 30_000, new WindowFocus("t", "Editor", 1, null)));
    try (WriterConnection db = open()) {
      Committer committer = committer(db);
      committer.commit(db, accepted(onTime), List.of(), List.of(), T0);
      committer.commit(db, accepted(late), List.of(), List.of(), T0);
    }
    List<RawEvent> all = new ArrayList<>(onTime);
    all.addAll(late);
    compare(all);
    assertEquals(10, TestSupport.scalar(dir.resolve("events.db"),
      "SELECT sum(n) FROM minute_rollups WHERE app = 'Browser' AND event_type = 1"));
    assertEquals(25, TestSupport.scalar(dir.resolve("events.db"),
      "SELECT sum(n) FROM minute_rollups WHERE app = 'Terminal' AND event_type = 1"));
  }

  @Test
  void manyLateFocusChangesInOneCommitInsideALargeWindowMoveExactlyWhatTheyTakeOver() throws Exception {
    String s = SESSIONS[0];
    Random rnd = new Random(2718);
    // Two and a half minutes across an hour's end, 6 000 events at random times (whole windows arrive out of
    // order), a focus change in ten, resource samples of few memory sizes (a row's largest is often shared).
    long start = RollupDelta.floor(T0, RollupDelta.HOUR_MS) + RollupDelta.HOUR_MS - 70_000;
    List<RawEvent> stored = new ArrayList<>();
    for (int i = 0; i < 6_000; i++) {
      EventData d = i % 10 == 0 ? new WindowFocus("t", APPS[rnd.nextInt(APPS.length)], 1, null)
        : i % 10 == 1 ? new ResourceUsage(rnd.nextInt(400) * 0.25, 100 * (1 + rnd.nextInt(4)), 0, 0) : data(rnd, i);
      stored.add(event(s, start + rnd.nextInt(150_000), d));
    }
    // Then one commit of 500 focus changes and 200 keystrokes, all among what is stored.
    List<RawEvent> late = new ArrayList<>();
    for (int i = 0; i < 700; i++) {
      EventData d = i < 500 ? new WindowFocus("t", APPS[rnd.nextInt(APPS.length)], 1, null)
        : new Keystroke(70, new Keystroke.Modifiers(false, false, false, false), (long) i);
      late.add(event(s, start + rnd.nextInt(150_000), d));
    }
    Collections.shuffle(late, rnd);
    try (WriterConnection db = open()) {
      Committer committer = committer(db);
      commit(db, committer, stored, rnd);
      committer.commit(db, accepted(late), List.of(), List.of(), T0);
    }
    List<RawEvent> all = new ArrayList<>(stored);
    all.addAll(late);
    compare(all);
    assertEquals(2, TestSupport.scalar(dir.resolve("events.db"), "SELECT count(DISTINCT bucket_ms) FROM hour_focus"));
  }

  @Test
  void aSampleThatMovesAwayTakesItsMemoryWithItAndTheRowKeepsTheLargestLeft() throws Exception {
    String s = SESSIONS[0];
    List<RawEvent> onTime = List.of(event(s, T0, new WindowFocus("t", "Editor", 1, null)),
      event(s, T0 + 1_000, new ResourceUsage(10, 300, 0, 0)),
      event(s, T0 + 20_000, new ResourceUsage(20, 900, 0, 0)),
      event(s, T0 + 40_000, new WindowFocus("t", "Mail", 1, null)));
    RawEvent late = event(s, T0 + 10_000, new WindowFocus("t", "Browser", 1, null));
    try (WriterConnection db = open()) {
      Committer committer = committer(db);
      committer.commit(db, accepted(onTime), List.of(), List.of(), T0);
      committer.commit(db, accepted(List.of(late)), List.of(), List.of(), T0);
    }
    List<RawEvent> all = new ArrayList<>(onTime);
    all.add(late);
    compare(all);
    for (String table : List.of("minute_rollups", "hour_rollups")) {
      assertEquals(300, TestSupport.scalar(dir.resolve("events.db"), "SELECT memory_max_mb FROM " + table
        + " WHERE app = 'Editor' AND event_type = " + EventType.RESOURCE.code()));
      assertEquals(900, TestSupport.scalar(dir.resolve("events.db"), "SELECT memory_max_mb FROM " + table
        + " WHERE app = 'Browser' AND event_type = " + EventType.RESOURCE.code()));
    }
  }

  @Test
  void aLateFocusChangeNeverRebuildsWhatIsBeforeTheRawEventsKept() throws Exception {
    String s = SESSIONS[1];
    long bound = RollupDelta.floor(T0, RollupDelta.HOUR_MS) + RollupDelta.HOUR_MS;
    List<RawEvent> onTime = new ArrayList<>();
    onTime.add(event(s, bound - 30_000, new WindowFocus("t", "Editor", 1, null)));
    for (int i = 1; i < 20; i++) {
      onTime.add(event(s, bound - 30_000 + i * 3_000L, new Keystroke(65, new Keystroke.Modifiers(false, false, false,
        false), 100L)));
    }
    RawEvent late = event(s, bound - 20_000, new WindowFocus("t", "Browser", 1, null));
    try (WriterConnection db = open()) {
      Committer committer = committer(db);
      committer.commit(db, accepted(onTime), List.of(), List.of(), T0);
      // Retention says raw events before the hour are gone: their rollups are final.
      db.transaction(c -> c.update("INSERT INTO lifecycle (name, value) VALUES ('raw_kept_from_ms', ?)", bound));
      committer.commit(db, accepted(List.of(late)), List.of(), List.of(), T0);
    }
    List<RawEvent> all = new ArrayList<>(onTime);
    all.add(late);
    Path database = dir.resolve("events.db");
    // Before the hour: the keystrokes stay the editor's; from it on they are the browser's.
    assertEquals(9, TestSupport.scalar(database, "SELECT sum(n) FROM hour_rollups WHERE app = 'Editor' AND "
      + "event_type = 0"));
    assertEquals(10, TestSupport.scalar(database, "SELECT sum(n) FROM hour_rollups WHERE app = 'Browser' AND "
      + "event_type = 0"));
    assertEquals(0, TestSupport.scalar(database, "SELECT coalesce(sum(focused_ms), 0) FROM hour_focus WHERE "
      + "app = 'Browser' AND bucket_ms < " + bound));
    try (Connection c = TestSupport.open(database)) {
      Map<String, String> after = new TreeMap<>(RollupReference.rollups(all, 60_000));
      after.keySet().removeIf(k -> Long.parseLong(k.substring(0, k.indexOf('|'))) < bound);
      Map<String, String> before = new TreeMap<>(RollupReference.rollups(onTime, 60_000));
      before.keySet().removeIf(k -> Long.parseLong(k.substring(0, k.indexOf('|'))) >= bound);
      // The late change itself is counted, in its minute, for its app.
      before.put(RollupDelta.floor(late.timestampMs(), 60_000) + "|" + s + "|window_focus|Browser", "1,0,0,0.0,0");
      after.putAll(before);
      assertEquals(after, RollupReference.readRollups(c, "minute_rollups"));
    }
  }

  private static List<Accepted> accepted(List<RawEvent> events) {
    return events.stream().map(e -> new Accepted(e, false, null, 0, null)).toList();
  }

  @Test
  void recomputingAfterADeletionGivesTheRollupsOfWhatIsLeft() throws Exception {
    Random rnd = new Random(99);
    List<RawEvent> events = generate(rnd, 800);
    events.sort(Comparator.comparingLong(RawEvent::timestampMs));
    // The keystrokes and focus changes of session A in ten minutes go, as a deletion would remove them.
    long from = WindowRules.start(T0 + 600_000, WINDOW_MS);
    long to = from + 600_000;
    try (WriterConnection db = open()) {
      Committer committer = committer(db);
      commit(db, committer, events, rnd);
      db.transaction(c -> {
        c.update("DELETE FROM event_blocks WHERE sk = (SELECT sk FROM sessions WHERE session_id = ?) "
          + "AND event_type IN (0, 3) AND window_start_ms >= ? AND window_start_ms < ?", SESSIONS[0], from, to);
        committer.rollups().recompute(c, SESSIONS[0], from, to);
        return null;
      });
    }
    List<RawEvent> left = events.stream().filter(e -> !(e.sessionId().equals(SESSIONS[0])
      && (e.data() instanceof Keystroke || e.data() instanceof WindowFocus)
      && e.timestampMs() >= from && e.timestampMs() < to)).toList();
    assertTrue(left.size() < events.size());
    compare(left);
  }

  @Test
  void aPauseEndsEveryFocusFromItsStartOn() throws Exception {
    Random rnd = new Random(5);
    List<RawEvent> generated = generate(rnd, 400);
    generated.sort(Comparator.comparingLong(RawEvent::timestampMs));
    long pause = RollupDelta.floor(generated.get(generated.size() / 2).timestampMs(), 60_000) + 30_000;
    // No focus change in the three minutes after the pause begins.
    List<RawEvent> events = generated.stream().filter(e -> !(e.data() instanceof WindowFocus
      && e.timestampMs() >= pause && e.timestampMs() < pause + 180_000)).toList();
    try (WriterConnection db = open()) {
      Committer committer = committer(db);
      commit(db, committer, events, rnd);
      db.transaction(c -> {
        c.update("INSERT INTO pauses (start_ms, end_ms) VALUES (?, NULL)", pause);
        committer.rollups().pausesChanged(c, pause);
        return null;
      });
    }
    // Until each session's next focus change after the pause began, nothing has the focus: no focused time and
    // every event belongs to "".
    Path database = dir.resolve("events.db");
    long next = pause + 30_000;
    long checked = 0;
    for (String session : SESSIONS) {
      long refocus = events.stream().filter(e -> e.sessionId().equals(session) && e.timestampMs() >= pause
        && e.data() instanceof WindowFocus).mapToLong(RawEvent::timestampMs).min().orElse(Long.MAX_VALUE);
      long until = RollupDelta.floor(refocus, 60_000);
      String where = " WHERE sk = (SELECT sk FROM sessions WHERE session_id = '" + session + "') AND bucket_ms >= " + next + " AND bucket_ms < " + until;
      assertEquals(0, TestSupport.scalar(database, "SELECT coalesce(sum(focused_ms), 0) FROM minute_focus" + where));
      long unfocused = events.stream().filter(e -> e.sessionId().equals(session) && e.timestampMs() >= next
        && e.timestampMs() < until).count();
      assertEquals(unfocused, TestSupport.scalar(database, "SELECT coalesce(sum(n), 0) FROM minute_rollups" + where
        + " AND app = ''"));
      checked += unfocused;
    }
    assertTrue(checked > 0);
  }

  /** Commits {@code order} in chunks of random size and compares every rollup table with the reference. */
  private void commitAndCompare(List<RawEvent> order, Random rnd) throws Exception {
    try (WriterConnection db = open()) {
      commit(db, committer(db), order, rnd);
    }
    compare(order);
  }

  private WriterConnection open() throws Exception {
    Path database = dir.resolve("events.db");
    WriterConnection db = new WriterConnection(database);
    Migrations.apply(db, database, InstantSource.fixed(Instant.ofEpochMilli(T0)));
    return db;
  }

  private static Committer committer(WriterConnection db) throws Exception {
    Committer committer = new Committer(WINDOW_MS, IDLE_MS);
    db.read(c -> {
      committer.load(c);
      return null;
    });
    return committer;
  }

  private static void commit(WriterConnection db, Committer committer, List<RawEvent> order, Random rnd)
    throws Exception {
    for (int from = 0; from < order.size(); ) {
      int to = Math.min(order.size(), from + 1 + rnd.nextInt(rnd.nextBoolean() ? 3 : 80));
      List<Accepted> chunk = new ArrayList<>();
      for (RawEvent e : order.subList(from, to)) {
        chunk.add(new Accepted(e, false, null, 0, null));
      }
      committer.commit(db, chunk, List.of(), List.of(), T0);
      from = to;
    }
  }

  /** Every rollup table holds what the reference gives for {@code committed}. */
  private void compare(List<RawEvent> committed) throws Exception {
    try (Connection c = TestSupport.open(dir.resolve("events.db"))) {
      assertEquals(RollupReference.rollups(committed, 60_000), RollupReference.readRollups(c, "minute_rollups"));
      assertEquals(RollupReference.rollups(committed, 3_600_000), RollupReference.readRollups(c, "hour_rollups"));
      assertEquals(RollupReference.focus(committed, IDLE_MS, 60_000), RollupReference.readFocus(c, "minute_focus"));
      assertEquals(RollupReference.focus(committed, IDLE_MS, 3_600_000), RollupReference.readFocus(c, "hour_focus"));
    }
  }

  /** Activity of two sessions: bursts of input with pauses shorter and longer than the idle time, app switches. */
  private static List<RawEvent> generate(Random rnd, int perSession) {
    List<RawEvent> out = new ArrayList<>();
    for (String s : SESSIONS) {
      long t = T0 + rnd.nextInt(5_000);
      // Some input before any focus is known.
      for (int i = 0; i < perSession; i++) {
        int gap = rnd.nextInt(40);
        t += gap == 0 ? 11_000 + rnd.nextInt(50_000) : gap < 4 ? 4_000 + rnd.nextInt(5_000) : rnd.nextInt(2_500);
        out.add(event(s, t, data(rnd, i)));
      }
    }
    Collections.shuffle(out, rnd);
    return out;
  }

  private static EventData data(Random rnd, int i) {
    int kind = i < 5 ? 0 : rnd.nextInt(20);
    return switch (kind) {
      case 0, 1, 2, 3, 4, 5 -> new Keystroke(65 + rnd.nextInt(20), new Keystroke.Modifiers(false, false, false, false),
        rnd.nextBoolean() ? (long) rnd.nextInt(900) : null);
      case 6, 7, 8, 9, 10 -> new MouseMove(rnd.nextInt(1000), rnd.nextInt(800), 1.5);
      case 11, 12 -> new MouseClick(rnd.nextInt(1000), rnd.nextInt(800), MouseClick.Button.LEFT,
        MouseClick.ClickType.SINGLE);
      case 13, 14 -> new WindowFocus("title " + i, APPS[rnd.nextInt(APPS.length)], 100, null);
      case 15, 16 -> new ResourceUsage(rnd.nextInt(400) * 0.25, 100 + rnd.nextInt(4000), 0.5, 0.25);
      default -> new ProcessEvent(200 + i, "proc", ProcessEvent.Change.STARTED);
    };
  }

  private static RawEvent event(String session, long ts, EventData data) {
    return new RawEvent(UUID.randomUUID().toString(), session, ts, data);
  }
}
