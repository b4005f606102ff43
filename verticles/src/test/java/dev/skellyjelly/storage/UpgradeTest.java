package dev.skellyjelly.storage;

import dev.skellyjelly.storage.TestSupport.ManualClock;
import dev.skellyjelly.storage.codecs.RawEvent;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * A database written by an earlier release (schema level 3, no auto-vacuum: {@code fixtures/schema3-ee5fd64.db},
 * made by {@code run --simulate 200 --duration 5s --screenshot-every 1s} of commit ee5fd64) opens in place: it is
 * migrated (its sessions given keys, migration 7) and converted to incremental auto-vacuum by one VACUUM before any
 * event is taken, and loses nothing.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UpgradeTest {

  private static final String FIXTURE = "/fixtures/schema3-ee5fd64.db";

  @TempDir
  Path dir;

  @Test
  void anEarlierDatabaseIsMigratedAndConvertedAndKeepsEverything(Vertx vertx) throws Exception {
    Path db = dir.resolve("events.db");
    try (InputStream in = UpgradeTest.class.getResourceAsStream(FIXTURE)) {
      assertNotNull(in, FIXTURE);
      Files.copy(in, db);
    }
    assertEquals(3, TestSupport.scalar(db, "SELECT max(version) FROM schema_version"));
    assertEquals(0, TestSupport.scalar(db, "PRAGMA auto_vacuum"));
    List<RawEvent> before = TestSupport.readEvents(db);
    long counted = TestSupport.scalar(db, "SELECT sum(n) FROM event_counts");
    long batches = TestSupport.scalar(db, "SELECT count(*) FROM batches");
    long screenshots = TestSupport.scalar(db, "SELECT count(*) FROM screenshots WHERE window_title <> ''");
    long newest = TestSupport.scalar(db, "SELECT max(window_start_ms) FROM window_counts");
    assertEquals(1025, before.size());

    // A minute after the fixture's last window: well inside every retention.
    ManualClock clock = new ManualClock(newest + 60_000);
    StorageModule module = TestSupport.deploy(vertx, clock, TestSupport.config(dir));
    vertx.undeploy(module.deploymentID()).await();

    assertEquals(7, TestSupport.scalar(db, "SELECT max(version) FROM schema_version"));
    // Each session once, with its key, in every table that holds one.
    assertEquals(before.stream().map(RawEvent::sessionId).distinct().count(),
      TestSupport.scalar(db, "SELECT count(*) FROM sessions"));
    assertEquals(0, TestSupport.scalar(db, "SELECT count(*) FROM event_blocks e WHERE NOT EXISTS "
      + "(SELECT 1 FROM sessions s WHERE s.sk = e.sk)"));
    assertEquals(2, TestSupport.scalar(db, "PRAGMA auto_vacuum"), "converted to incremental auto-vacuum");
    assertEquals(before, TestSupport.readEvents(db));
    assertEquals(counted, TestSupport.scalar(db, "SELECT sum(n) FROM event_counts"));
    assertEquals(batches, TestSupport.scalar(db, "SELECT count(*) FROM batches"));
    assertEquals(0, TestSupport.scalar(db, "SELECT count(*) FROM batches WHERE replayed = 1"));
    assertEquals(screenshots, TestSupport.scalar(db, "SELECT count(*) FROM screenshots WHERE window_title <> ''"));
    assertEquals(1, TestSupport.scalar(db, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"));
  }
}
