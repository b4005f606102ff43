package dev.skellyjelly.storage.it;

import dev.skellyjelly.storage.impl.ReceiverVerticle;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static dev.skellyjelly.storage.it.JarProcess.scalar;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A database locked by another process (sqlite3 holding BEGIN EXCLUSIVE) while a producer keeps sending: the
 * receiver accepts 10 MiB of events (its bound in bytes) and refuses the rest as overload, counted, for as long as the lock
 * lasts; the heap stays bounded, and once the lock goes every accepted event is committed and batched.
 * {@link OutageEnduranceIT} holds the lock for 5 minutes at 1 000 events a second, past any request timeout.
 */
class OutageIT {

  /** The receiver's bound on the bytes of accepted events not yet committed. */
  static final long BOUND = ReceiverVerticle.MAX_PENDING_BYTES;
  /** Less than what one event costs the receiver (HeldCost): by how much the bound may be passed, at most. */
  static final long ONE_EVENT = 2048;

  @TempDir
  Path dir;

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void aLockedDatabaseForFortySecondsAtTwoThousandASecond() throws Exception {
    outage(dir, 2_000, Duration.ofSeconds(40));
  }

  static void outage(Path dir, int perSecond, Duration locked) throws Exception {
    String session = UUID.randomUUID().toString();
    try (HostileLoad load = HostileLoad.start(dir, HostileLoad.SUITE)) {
      long sent;
      double received;
      try (FaultsIT.SqliteLock lock = FaultsIT.SqliteLock.take(load.db)) {
        sent = load.send(perSecond, locked, () -> BridgesIT.event(session, 1, null));
        Scrape whileLocked = Scrape.of(load.httpPort);
        received = whileLocked.sum("skelly_storage_events_received_total");
        assertEquals(0.0, whileLocked.get("skelly_storage_events_persisted_total"));
        // The bound reached, never passed by a whole event: the receiver's queue is measured in bytes.
        double held = whileLocked.get(MetricsIT.series("skelly_storage_queue_depth", "stage", "receiver"));
        assertTrue(held >= BOUND && held < BOUND + ONE_EVENT, "receiver holds " + held + " bytes");
        lock.release();
      }
      JsonObject summary = load.stop(Duration.ofMinutes(2));
      System.out.printf("OutageIT: %d sent in %s, %.0f accepted while locked, peak RSS %d kB%n", sent, locked,
        received, load.peakRssKb.get());
      load.assertNeverBlockedNorOutOfMemory();
      assertTrue(load.peakRssKb.get() < FreshSessionsIT.MAX_RSS_KB, "peak RSS " + load.peakRssKb.get() + " kB");
      long accepted = summary.getLong("events_received");
      assertEquals((long) received, accepted, "nothing accepted once the bound was reached: " + summary.encode());
      assertEquals(accepted, summary.getLong("events_persisted"), summary.encode());
      assertEquals(accepted, summary.getLong("events_batched"), summary.encode());
      assertEquals(sent - accepted, summary.getLong("dropped"), "every refusal counted: " + summary.encode());
      assertEquals(accepted, scalar(load.db, "SELECT sum(n) FROM event_counts"));
    }
  }
}
