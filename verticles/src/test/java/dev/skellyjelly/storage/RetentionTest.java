package dev.skellyjelly.storage;

import dev.skellyjelly.storage.TestSupport.ManualClock;
import dev.skellyjelly.storage.codecs.RawEvent;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tiered retention over simulated days on the injected clock, with real SQLite files: raw events past
 * {@code raw_retention_days} go whole windows at a time with their counts and batch rows (and never make a
 * window look un-emitted), their minute and hour rollups remain and equal what the events said, screenshot metadata
 * stays without its title, each session keeps its last focus change, each rollup tier goes by its own retention, and
 * what was deleted is not left in the file's bytes.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RetentionTest {

  /** Midnight UTC: day 0 of the simulation. */
  private static final long DAY0 = Instant.parse("2026-03-02T00:00:00Z").toEpochMilli();
  private static final long DAY = RetentionDays.DAY_MS;
  private static final String OTHER = "7e7e7e7e-0000-4000-8000-00000000000b";
  private static final long MINUTE = 60_000;
  private static final long HOUR = 3_600_000;
  /** idle_after_seconds at its default. */
  private static final long IDLE_MS = 300_000;

  @TempDir
  Path dir;

  private Vertx vertx;
  private ManualClock clock;
  private Path db;

  @BeforeEach
  void setUp(Vertx vertx) {
    this.vertx = vertx;
    this.clock = new ManualClock(RetentionDays.at(DAY0, 0));
    this.db = dir.resolve("events.db");
  }

  private JsonObject config(Object... more) {
    Object[] base = {ConfigKeys.WRITE_FLUSH_INTERVAL_MS, 50, ConfigKeys.WINDOW_GRACE_MS, 200,
      ConfigKeys.RAW_RETENTION_DAYS, 2, ConfigKeys.MINUTE_ROLLUP_RETENTION_DAYS, 3};
    Object[] all = new Object[base.length + more.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return TestSupport.config(dir, all);
  }

  @Test
  void afterFiveDaysTheRawEventsOfTheOldestTwoAreGoneAndNothingElse() throws Exception {
    StorageModule module = TestSupport.deploy(vertx, clock, config());
    RetentionDays days = new RetentionDays(vertx, clock);
    for (int d = 0; d < 5; d++) {
      days.day(module, db, DAY0, d, 200, "Day " + d + " notes", 0);
    }
    long passes = module.metrics().retention().passes();
    // Day 4 at noon: raw_retention_days = 2 keeps day 4 and the two before it; days 0 and 1 go.
    clock.set(RetentionDays.at(DAY0, 4) + 2 * 3_600_000);
    long expected = days.ids.get(0).size() + days.ids.get(1).size();
    await("a retention pass").atMost(Duration.ofSeconds(30)).until(() -> module.metrics().retention().passes() > passes
      && module.metrics().retention().deleted("raw") == expected);

    long bound = DAY0 + 2 * DAY;
    List<RawEvent> stored = TestSupport.readEvents(db);
    Set<String> storedIds = stored.stream().map(RawEvent::id).collect(Collectors.toSet());
    Set<String> kept = new HashSet<>();
    for (int d = 2; d < 5; d++) {
      kept.addAll(days.ids.get(d));
    }
    assertEquals(kept.size(), storedIds.size());
    assertEquals(kept, storedIds, "exactly the events of days 2 to 4 are stored");
    assertTrue(stored.stream().allMatch(e -> e.timestampMs() >= bound));
    assertEquals(kept.size(), TestSupport.scalar(db, "SELECT sum(n) FROM event_counts"));
    assertEquals(0, TestSupport.scalar(db, "SELECT count(*) FROM window_counts WHERE window_start_ms < " + bound));
    assertEquals(0, TestSupport.scalar(db, "SELECT count(*) FROM event_blocks WHERE window_start_ms < " + bound));
    assertEquals(0, TestSupport.scalar(db, "SELECT count(*) FROM batches WHERE window_start_ms < " + bound));
    assertEquals(12, TestSupport.scalar(db, "SELECT count(DISTINCT window_start_ms) FROM batches"));
    // Screenshot metadata stays for every day; the titles of days 0 and 1 are cleared.
    assertEquals(5, TestSupport.scalar(db, "SELECT count(*) FROM screenshots"));
    assertEquals(2, TestSupport.scalar(db, "SELECT count(*) FROM screenshots WHERE window_title = ''"));
    assertEquals(3, TestSupport.scalar(db, "SELECT count(*) FROM screenshots WHERE window_title LIKE 'Day %'"
      + " AND ts_ms >= " + bound));
    assertEquals("ok", TestSupport.scalar(db, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'")
      == 1 ? "ok" : "damaged");

    // The rollups of every day remain and equal what the events said: hours for all five days, minutes from
    // day 1 on (minute_rollup_retention_days = 3 removed day 0's minutes).
    List<RawEvent> sent = days.all.stream().sorted(java.util.Comparator.comparingLong(RawEvent::timestampMs)).toList();
    try (Connection c = TestSupport.open(db)) {
      assertEquals(RollupReference.rollups(sent, HOUR), RollupReference.readRollups(c, "hour_rollups"));
      assertEquals(RollupReference.focus(sent, IDLE_MS, HOUR), RollupReference.readFocus(c, "hour_focus"));
      assertEquals(from(RollupReference.rollups(sent, MINUTE), DAY0 + DAY), RollupReference.readRollups(c, "minute_rollups"));
      assertEquals(from(RollupReference.focus(sent, IDLE_MS, MINUTE), DAY0 + DAY), RollupReference.readFocus(c, "minute_focus"));
    }
    assertTrue(module.metrics().retention().deleted("minute") > 0);

    // No window looks un-emitted: after a restart nothing is replayed, and a new event is batched as usual.
    vertx.undeploy(module.deploymentID()).await();
    StorageModule again = TestSupport.deploy(vertx, clock, config());
    new RetentionDays(vertx, clock).day(again, db, DAY0, 5, 10, "Day 5", 0);
    assertEquals(0, TestSupport.scalar(db, "SELECT count(*) FROM batches WHERE replayed = 1"));
    assertEquals(11, again.metrics().eventsBatched());
    vertx.undeploy(again.deploymentID()).await();
  }

  @Test
  void focusChangesActivityAndRollupsGoByTheirTiers() throws Exception {
    StorageModule module = TestSupport.deploy(vertx, clock, config());
    long passes = module.metrics().retention().passes();
    await("the start-up pass").atMost(Duration.ofSeconds(30)).until(() -> module.metrics().retention().passes() > passes);
    // Rows of the lifecycle tables for days 0 to 4, written beside the module as its rollups would be.
    try (Connection c = TestSupport.open(db); Statement s = c.createStatement()) {
      s.execute("PRAGMA busy_timeout = 5000");
      for (String session : new String[]{RetentionDays.SESSION, OTHER}) {
        s.executeUpdate("INSERT OR IGNORE INTO sessions (session_id) VALUES ('" + session + "')");
      }
      for (int d = 0; d < 5; d++) {
        long t = DAY0 + d * DAY + 3_600_000;
        for (String session : new String[]{RetentionDays.SESSION, OTHER}) {
          s.executeUpdate("INSERT INTO focus_changes VALUES (" + sk(session) + ", " + t + ", " + d + ", 'App" + d + "')");
          s.executeUpdate("INSERT INTO focus_changes VALUES (" + sk(session) + ", " + (t + 1000) + ", " + d + ", 'Next" + d + "')");
          s.executeUpdate("INSERT INTO activity VALUES (" + sk(session) + ", " + t + ", " + (t + 300_000) + ")");
        }
        for (int m = 0; m < 60; m++) {
          s.executeUpdate("INSERT INTO minute_rollups (bucket_ms, sk, event_type, app, n) VALUES (" + (t + m * 60_000L)
            + ", " + sk(OTHER) + ", 0, 'App', 3)");
          s.executeUpdate("INSERT INTO minute_focus VALUES (" + (t + m * 60_000L) + ", " + sk(OTHER) + ", 'App', 60000, 1)");
        }
        s.executeUpdate("INSERT INTO hour_rollups (bucket_ms, sk, event_type, app, n) VALUES (" + t + ", "
          + sk(OTHER) + ", 0, 'App', 180)");
      }
    }
    long before = module.metrics().retention().passes();
    clock.set(RetentionDays.at(DAY0, 4));
    await("a retention pass").atMost(Duration.ofSeconds(30)).until(() -> module.metrics().retention().passes() > before);

    long rawBound = DAY0 + 2 * DAY;
    // Each session keeps its last focus change before the bound (day 1's 'Next1'), and everything after it.
    assertEquals("Next1,Next1", text("SELECT group_concat(app) FROM focus_changes WHERE ts_ms < " + rawBound));
    assertEquals(12, TestSupport.scalar(db, "SELECT count(*) FROM focus_changes WHERE ts_ms >= " + rawBound));
    assertEquals(0, TestSupport.scalar(db, "SELECT count(*) FROM activity WHERE end_ms <= " + rawBound));
    assertEquals(6, TestSupport.scalar(db, "SELECT count(*) FROM activity"));
    // Rollups of what goes are never recomputed from what is left.
    assertEquals(rawBound, TestSupport.scalar(db, "SELECT value FROM lifecycle WHERE name = 'raw_kept_from_ms'"));
    // minute_rollup_retention_days = 3 keeps days 1 to 4: day 0's minutes go, rollups and focus.
    assertEquals(0, TestSupport.scalar(db, "SELECT count(*) FROM minute_rollups WHERE bucket_ms < " + (DAY0 + DAY)));
    assertEquals(0, TestSupport.scalar(db, "SELECT count(*) FROM minute_focus WHERE bucket_ms < " + (DAY0 + DAY)));
    assertEquals(4 * 60, TestSupport.scalar(db, "SELECT count(*) FROM minute_rollups"));
    assertEquals(4 * 60, TestSupport.scalar(db, "SELECT count(*) FROM minute_focus"));
    assertEquals(120, module.metrics().retention().deleted("minute"));
    assertEquals(5, TestSupport.scalar(db, "SELECT count(*) FROM hour_rollups"), "hour rollups are kept forever");
    assertEquals(0, module.metrics().retention().deleted("hour"));
    vertx.undeploy(module.deploymentID()).await();
  }

  @Test
  void aTitleOnlyDeletedEventsCarriedIsNowhereInTheDatabaseFileOrItsLog() throws Exception {
    String marker = "QZXJ" + Long.toString(Double.doubleToLongBits(Math.random()), 36).toUpperCase() + "VWKP";
    String keptMarker = "KEPT" + Long.toString(Double.doubleToLongBits(Math.random()), 36).toUpperCase() + "WJQX";
    StorageModule module = TestSupport.deploy(vertx, clock, config());
    RetentionDays days = new RetentionDays(vertx, clock);
    days.day(module, db, DAY0, 0, 200, marker, 0);
    days.day(module, db, DAY0, 3, 200, keptMarker, 0);
    // Before the pass both are in the files (the screenshot's title at least is stored as text).
    assertTrue(inFiles(marker), "the marker is stored before the pass");
    assertTrue(inFiles(keptMarker));

    long passes = module.metrics().retention().passes();
    clock.advance(3_600_000);
    await("a retention pass").atMost(Duration.ofSeconds(30)).until(() -> module.metrics().retention().passes() > passes);

    assertEquals(days.ids.get(0).size(), module.metrics().retention().deleted("raw"));
    assertFalse(inFiles(marker), "the deleted events' title is overwritten in the file and the log");
    assertTrue(inFiles(keptMarker), "what is kept is still there");
    assertEquals(0, Files.exists(walOf(db)) ? Files.size(walOf(db)) : 0, "the log is truncated after the pass");
    // The file is incremental and handed its free pages back.
    assertEquals(2, TestSupport.scalar(db, "PRAGMA auto_vacuum"));
    assertEquals(0, TestSupport.scalar(db, "PRAGMA freelist_count"));
    vertx.undeploy(module.deploymentID()).await();
  }

  @Test
  void theDiskBudgetRemovesTheOldestDaysFirstAndNeverTheCurrentOne() throws Exception {
    JsonObject forever = config(ConfigKeys.RAW_RETENTION_DAYS, 0);
    StorageModule module = TestSupport.deploy(vertx, clock, forever);
    RetentionDays days = new RetentionDays(vertx, clock);
    // Four days of about 1.2 MB each: window titles of 4 000 random letters hardly compress.
    for (int d = 0; d < 4; d++) {
      days.day(module, db, DAY0, d, 3000, "Day " + d + " ", 4000);
    }
    vertx.undeploy(module.deploymentID()).await();
    long fullSize = Files.size(db);
    assertTrue(fullSize > 4_000_000, "four days take " + fullSize + " bytes");

    // A 3 MB budget: days 0 and 1 go, oldest first; days 2 and 3 stay whole.
    StorageModule three = TestSupport.deploy(vertx, clock, config(ConfigKeys.RAW_RETENTION_DAYS, 0,
      ConfigKeys.MAX_DATABASE_MB, 3));
    await("the start-up pass").atMost(Duration.ofSeconds(30)).until(() -> three.metrics().retention().passes() >= 1);
    assertEquals(union(days, 2, 3), ids());
    assertEquals("ok", three.metrics().retention().budget().state());
    assertTrue(Files.size(db) <= 3L << 20, "the file shrank to " + Files.size(db));
    assertEquals(days.ids.get(0).size() + days.ids.get(1).size(), three.metrics().retention().deleted("raw"));
    // The file gave back its free pages in steps no larger than the adaptive bound, each step that wrote followed
    // by a checkpoint of its own.
    RetentionMetrics.LastPass pass = three.metrics().retention().lastPass();
    long freedPages = (fullSize - Files.size(db)) / 4096;
    assertTrue(pass.largestVacuumPages() > 0 && pass.largestVacuumPages() <= pass.vacuumPagesBound(),
      "the most pages a step handed back: " + pass);
    assertTrue(freedPages > pass.largestVacuumPages(), freedPages + " pages freed in more than one step: " + pass);
    assertTrue(pass.largestWindowStarts() > 0 && pass.largestWindowStarts() <= pass.windowStartsBound(), pass.toString());
    assertTrue(pass.checkpointSteps() > 0 && pass.checkpointSteps() < pass.steps(), pass.toString());
    vertx.undeploy(three.deploymentID()).await();

    // A 1 MB budget that the current day alone passes: day 2 goes, day 3 (today) stays, and the budget says so.
    StorageModule one = TestSupport.deploy(vertx, clock, config(ConfigKeys.RAW_RETENTION_DAYS, 0,
      ConfigKeys.MAX_DATABASE_MB, 1));
    await("the start-up pass").atMost(Duration.ofSeconds(30)).until(() -> one.metrics().retention().passes() >= 1);
    assertEquals(days.ids.get(3), ids());
    assertEquals("over", one.metrics().retention().budget().state());
    assertEquals(1L << 20, one.metrics().retention().budget().budgetBytes());
    assertTrue(one.metrics().retention().budget().databaseBytes() > 1L << 20);
    // New events are still taken.
    new RetentionDays(vertx, clock).day(one, db, DAY0, 3, 10, "more", 0);
    vertx.undeploy(one.deploymentID()).await();
  }

  /** The rows of a reference map whose bucket (the key's first field) is at or after {@code fromMs}. */
  private static Map<String, String> from(Map<String, String> rows, long fromMs) {
    Map<String, String> out = new TreeMap<>();
    rows.forEach((k, v) -> {
      if (Long.parseLong(k.substring(0, k.indexOf('|'))) >= fromMs) {
        out.put(k, v);
      }
    });
    return out;
  }

  private Set<String> union(RetentionDays days, int from, int to) {
    Set<String> all = new HashSet<>();
    for (int d = from; d <= to; d++) {
      all.addAll(days.ids.get(d));
    }
    return all;
  }

  private Set<String> ids() throws Exception {
    return TestSupport.readEvents(db).stream().map(RawEvent::id).collect(Collectors.toSet());
  }

  private boolean inFiles(String marker) throws Exception {
    byte[] needle = marker.getBytes(StandardCharsets.UTF_8);
    for (Path p : new Path[]{db, walOf(db)}) {
      if (Files.exists(p) && indexOf(Files.readAllBytes(p), needle) >= 0) {
        return true;
      }
    }
    return false;
  }

  private static Path walOf(Path db) {
    return db.resolveSibling(db.getFileName() + "-wal");
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private String text(String sql) throws Exception {
    try (Connection c = TestSupport.open(db); Statement s = c.createStatement(); var rs = s.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  /** A session's key in the tables that hold one (migration 7), as SQL. */
  private static String sk(String session) {
    return "(SELECT sk FROM sessions WHERE session_id = '" + session + "')";
  }
}
