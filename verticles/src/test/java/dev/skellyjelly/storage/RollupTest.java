package dev.skellyjelly.storage;

import dev.skellyjelly.storage.TestSupport.ManualClock;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.Codecs;
import dev.skellyjelly.storage.codecs.EventData;
import dev.skellyjelly.storage.codecs.Keystroke;
import dev.skellyjelly.storage.codecs.MouseClick;
import dev.skellyjelly.storage.codecs.MouseMove;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.ResourceUsage;
import dev.skellyjelly.storage.codecs.WindowFocus;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the rollups tell a person about their time: each event is counted in its minute and hour, for the app
 * that had the focus, as soon as its commit is acknowledged; focused time counts only while they were active;
 * a focus change that arrives late moves what followed it to the right app.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RollupTest {

  private static final long NOW = Instant.parse("2026-11-26T10:00:00Z").toEpochMilli();
  /** An hour and a bit before the clock: the sequences cross an hour's end. */
  private static final long T0 = NOW - 5_000_000;
  private static final long IDLE_MS = 5_000;
  private static final String A = "5b1d0c2e-0000-4000-8000-00000000000a";
  private static final String B = "5b1d0c2e-0000-4000-8000-00000000000b";

  @TempDir
  Path dir;

  private Vertx vertx;
  private Path db;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    this.db = dir.resolve("events.db");
    Codecs.ensureRegistered(vertx);
    TestSupport.deploy(vertx, new ManualClock(NOW), TestSupport.config(dir, ConfigKeys.WRITE_FLUSH_INTERVAL_MS, 20,
      ConfigKeys.WINDOW_GRACE_MS, 200, ConfigKeys.IDLE_AFTER_SECONDS, (int) (IDLE_MS / 1000)));
  }

  @Test
  void anAcknowledgedEventIsAlreadyInItsMinuteAndHourForTheFocusedApp(VertxTestContext ctx) {
    RawEvent focus = event(A, T0, new WindowFocus("notes.txt", "Editor", 42, null));
    RawEvent key = event(A, T0 + 1_500, new Keystroke(65, new Keystroke.Modifiers(false, false, false, false), 180L));
    vertx.eventBus().<JsonObject>request(Addresses.RAW_EVENT, focus).onComplete(ctx.succeeding(r1 -> {
      ctx.verify(() -> assertEquals("0,1", focusRow("minute_focus", A, "Editor")));
      vertx.eventBus().<JsonObject>request(Addresses.RAW_EVENT, key).onComplete(ctx.succeeding(r2 -> ctx.verify(() -> {
        assertTrue(r2.body().getBoolean("committed"));
        long minute = Math.floorDiv(T0 + 1_500, 60_000L) * 60_000;
        assertEquals(1, TestSupport.scalar(db, "SELECT n FROM minute_rollups JOIN sessions USING (sk) WHERE session_id = '" + A
          + "' AND event_type = 0 AND app = 'Editor' AND bucket_ms = " + minute));
        assertEquals(180, TestSupport.scalar(db, "SELECT interval_sum_ms FROM hour_rollups JOIN sessions USING (sk) WHERE session_id = '" + A
          + "' AND event_type = 0 AND app = 'Editor'"));
        // Active from the keystroke for the idle time, all of it in the editor.
        assertEquals(IDLE_MS, TestSupport.scalar(db, "SELECT sum(focused_ms) FROM minute_focus WHERE app = 'Editor'"));
        ctx.completeNow();
      })));
    }));
  }

  @Test
  void handMadeSequencesAreAttributedByTheFocusRule() throws Exception {
    List<RawEvent> sent = new ArrayList<>();
    // Session A: input before any focus is known, then the editor, a short pause (2 s) and a long one (60 s),
    // a switch to the browser, resource samples.
    sent.add(event(A, T0, keystroke(null)));
    sent.add(event(A, T0 + 1_000, new MouseMove(10, 10, 1.0)));
    sent.add(event(B, T0 + 1_200, new WindowFocus("inbox", "Mail", 7, null)));
    sent.add(event(A, T0 + 2_000, new WindowFocus("notes", "Editor", 42, null)));
    sent.add(event(A, T0 + 3_000, keystroke(150L)));
    sent.add(event(B, T0 + 3_100, new MouseClick(5, 5, MouseClick.Button.LEFT, MouseClick.ClickType.SINGLE)));
    sent.add(event(A, T0 + 5_000, keystroke(210L)));
    sent.add(event(A, T0 + 65_000, keystroke(300L)));
    sent.add(event(A, T0 + 66_000, new ResourceUsage(12.5, 900, 0, 0)));
    sent.add(event(A, T0 + 67_000, new WindowFocus("docs", "Browser", 43, 65_000L)));
    sent.add(event(A, T0 + 68_000, new ResourceUsage(37.5, 1200, 0, 0)));
    sent.add(event(A, T0 + 69_000, new MouseClick(1, 1, MouseClick.Button.LEFT, MouseClick.ClickType.DOUBLE)));
    sent.add(event(B, T0 + 70_000, keystroke(90L)));
    // Across the hour's end: session B keeps typing past 09:00 UTC.
    long hourEnd = Math.floorDiv(T0, 3_600_000L) * 3_600_000 + 3_600_000;
    sent.add(event(B, hourEnd - 2_000, keystroke(95L)));
    sent.add(event(B, hourEnd + 1_000, keystroke(96L)));
    // Late: the browser had the focus in A from 4.5 s on already.
    sent.add(event(A, T0 + 4_500, new WindowFocus("docs", "Browser", 43, null)));
    for (RawEvent e : sent) {
      JsonObject reply = vertx.eventBus().<JsonObject>request(Addresses.RAW_EVENT, e).await().body();
      assertTrue(reply.getBoolean("committed"));
    }
    try (Connection c = TestSupport.open(db)) {
      assertEquals(RollupReference.rollups(sent, 60_000), RollupReference.readRollups(c, "minute_rollups"));
      assertEquals(RollupReference.focus(sent, IDLE_MS, 60_000), RollupReference.readFocus(c, "minute_focus"));
      assertEquals(RollupReference.rollups(sent, 3_600_000), RollupReference.readRollups(c, "hour_rollups"));
      assertEquals(RollupReference.focus(sent, IDLE_MS, 3_600_000), RollupReference.readFocus(c, "hour_focus"));
    }
    // By hand: A's editor had the focus from 2 s to 4.5 s, all of it active (input at 0, 1 and 3 s).
    assertEquals(2_500, TestSupport.scalar(db, "SELECT sum(focused_ms) FROM hour_focus JOIN sessions USING (sk) WHERE session_id = '" + A
      + "' AND app = 'Editor'"));
    // The browser: 4.5–10 s (input at 5 s) and 65–74 s (input at 65 s and 69 s), the gap between idle.
    assertEquals(5_500 + 9_000, TestSupport.scalar(db, "SELECT sum(focused_ms) FROM hour_focus JOIN sessions USING (sk) WHERE session_id = '"
      + A + "' AND app = 'Browser'"));
    // The first two events came before any focus; the keystroke at 5 s moved to the browser with the late change.
    assertEquals(2, TestSupport.scalar(db, "SELECT sum(n) FROM minute_rollups JOIN sessions USING (sk) WHERE session_id = '" + A
      + "' AND app = ''"));
    assertEquals(2, TestSupport.scalar(db, "SELECT sum(n) FROM minute_rollups JOIN sessions USING (sk) WHERE session_id = '" + A
      + "' AND app = 'Browser' AND event_type = 0"));
    assertEquals(2, TestSupport.scalar(db, "SELECT sum(switches) FROM hour_focus JOIN sessions USING (sk) WHERE session_id = '" + A
      + "' AND app = 'Browser'"));
    // Session B's mail never lost the focus: every keystroke of B is the mail's, in both hours.
    assertEquals(3, TestSupport.scalar(db, "SELECT sum(n) FROM hour_rollups JOIN sessions USING (sk) WHERE session_id = '" + B
      + "' AND app = 'Mail' AND event_type = 0"));
    assertEquals(2, TestSupport.scalar(db, "SELECT count(DISTINCT bucket_ms) FROM hour_rollups JOIN sessions USING (sk) WHERE session_id = '"
      + B + "'"));
  }

  @Test
  void hourRollupsAreTheSumsOfTheirMinutesEvenForEventsOlderThanMinuteRetention() throws Exception {
    List<RawEvent> sent = new ArrayList<>();
    long t = T0 - 2 * 3_600_000;
    for (int i = 0; i < 300; i++) {
      t += 1_000 + (i % 7) * 900L;
      EventData d = i % 11 == 0 ? new WindowFocus("w", i % 22 == 0 ? "Editor" : "Browser", 1, null)
        : i % 5 == 0 ? new ResourceUsage(i % 40 * 0.5, 100 + i, 0, 0) : keystroke((long) i);
      sent.add(event(i % 3 == 0 ? B : A, t, d));
    }
    // A producer replaying a day it had buffered, 120 days ago: past minute_rollup_retention_days (90).
    long old = NOW - 120L * 86_400_000;
    sent.add(event(A, old, new WindowFocus("w", "Editor", 1, null)));
    sent.add(event(A, old + 1_000, keystroke(77L)));
    for (RawEvent e : sent) {
      vertx.eventBus().<JsonObject>request(Addresses.RAW_EVENT, e).await();
    }
    try (Connection c = TestSupport.open(db)) {
      Map<String, String> hours = RollupReference.readRollups(c, "hour_rollups");
      assertEquals(RollupReference.rollups(sent, 3_600_000), hours);
      assertEquals(RollupReference.focus(sent, IDLE_MS, 3_600_000), RollupReference.readFocus(c, "hour_focus"));
      // Summing the minutes of each hour gives the hour rows.
      Map<String, String> summed = new TreeMap<>();
      try (var s = c.createStatement(); var rs = s.executeQuery("SELECT bucket_ms / 3600000 * 3600000, s.session_id, "
        + "t.name, app, sum(n), sum(interval_n), sum(interval_sum_ms), sum(cpu_sum), max(memory_max_mb) "
        + "FROM minute_rollups r JOIN sessions s ON s.sk = r.sk JOIN event_types t ON t.code = r.event_type "
        + "GROUP BY 1, 2, 3, 4")) {
        while (rs.next()) {
          summed.put(rs.getLong(1) + "|" + rs.getString(2) + "|" + rs.getString(3) + "|" + rs.getString(4),
            rs.getLong(5) + "," + rs.getLong(6) + "," + rs.getLong(7) + "," + rs.getDouble(8) + "," + rs.getLong(9));
        }
      }
      assertEquals(summed, hours);
    }
    assertEquals(77, TestSupport.scalar(db, "SELECT interval_sum_ms FROM hour_rollups WHERE bucket_ms = "
      + Math.floorDiv(old, 3_600_000L) * 3_600_000 + " AND app = 'Editor'"));
  }

  private String focusRow(String table, String session, String app) throws Exception {
    try (Connection c = TestSupport.open(db)) {
      Map<String, String> rows = RollupReference.readFocus(c, table);
      return rows.entrySet().stream().filter(e -> e.getKey().endsWith("|" + session + "|" + app))
        .map(Map.Entry::getValue).findFirst().orElse("none");
    }
  }

  private static Keystroke keystroke(Long interval) {
    return new Keystroke(65, new Keystroke.Modifiers(false, false, false, false), interval);
  }

  private static RawEvent event(String session, long ts, EventData data) {
    return new RawEvent(UUID.randomUUID().toString(), session, ts, data);
  }
}
