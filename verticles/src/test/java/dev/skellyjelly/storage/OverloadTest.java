package dev.skellyjelly.storage;

import dev.skellyjelly.storage.TestSupport.ManualClock;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.Codecs;
import dev.skellyjelly.storage.codecs.MouseMove;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.impl.ReceiverVerticle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When the database cannot take anything (another process holds its write lock), accepted events wait in a
 * bounded queue; past the bound new input is refused with 503 and counted, nothing accepted is lost, and the
 * module takes input again by itself once the database does.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class OverloadTest {

  private static final long NOW = Instant.parse("2026-11-26T10:00:00Z").toEpochMilli();
  /** What the receiver counts a mouse move to hold (HeldCost: an event with its id, no strings). */
  private static final long EVENT_BYTES = 200;
  /** Mouse moves the receiver's bound in bytes takes: it accepts while what it holds is below the bound. */
  private static final int BOUND = (int) ((ReceiverVerticle.MAX_PENDING_BYTES + EVENT_BYTES - 1) / EVENT_BYTES);
  private static final DeliveryOptions PATIENT = new DeliveryOptions().setSendTimeout(80_000);

  @TempDir
  Path dir;

  @Test
  void pastTheBoundRequestsGet503AndEverythingAcceptedIsCommittedOnceTheDatabaseIsBack(Vertx vertx) throws Exception {
    Codecs.ensureRegistered(vertx);
    Path db = dir.resolve("events.db");
    StorageModule module = TestSupport.deploy(vertx, new ManualClock(NOW), TestSupport.config(dir,
      ConfigKeys.WRITE_FLUSH_INTERVAL_MS, 50, ConfigKeys.WINDOW_GRACE_MS, 200));
    StorageMetrics metrics = module.metrics();
    String session = UUID.randomUUID().toString();

    Future<Message<Object>> firstAck;
    try (Connection lock = TestSupport.open(db); Statement s = lock.createStatement()) {
      s.execute("PRAGMA busy_timeout = 10000");
      s.execute("BEGIN EXCLUSIVE");
      // Accepted while the database is locked: one request, then fire-and-forget up to the bound.
      firstAck = vertx.eventBus().request(Addresses.RAW_EVENT, event(session, 0), PATIENT);
      vertx.runOnContext(v -> {
        for (int i = 1; i < BOUND; i++) {
          vertx.eventBus().send(Addresses.RAW_EVENT, event(session, i));
        }
      });
      await("the receiver's bound reached").atMost(Duration.ofSeconds(60))
        .until(() -> metrics.eventsReceived() == BOUND);

      // The bound is reached: a requester hears 503, a fire-and-forget sender's event is counted as dropped.
      Throwable refused = vertx.eventBus().request(Addresses.RAW_EVENT, event(session, BOUND), PATIENT)
        .toCompletionStage().toCompletableFuture().handle((ok, err) -> err).get(10, TimeUnit.SECONDS);
      ReplyException reply = assertInstanceOf(ReplyException.class, refused);
      assertEquals(503, reply.failureCode());
      assertEquals("overload", reply.getMessage());
      vertx.eventBus().send(Addresses.RAW_EVENT, event(session, BOUND + 1));
      await("both refused events counted as dropped").atMost(Duration.ofSeconds(60))
        .until(() -> metrics.dropped() == 2);
      assertEquals(BOUND, metrics.eventsReceived());
      assertEquals(0, metrics.eventsPersisted());
      // The queue's depth and bound, as /health shows them, are the bytes.
      assertEquals(BOUND * EVENT_BYTES, metrics.queueDepth("receiver").get());
      assertEquals(ReceiverVerticle.MAX_PENDING_BYTES, metrics.queueBound("receiver"));
      assertFalse(firstAck.isComplete(), "acknowledged before its commit");
      s.execute("ROLLBACK");
    }

    // The lock is gone: the waiting events are committed, the first request answered, input taken again.
    JsonObject ack = (JsonObject) firstAck.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS).body();
    assertTrue(ack.getBoolean("committed"), ack.encode());
    await("the waiting events committed").atMost(Duration.ofSeconds(60))
      .until(() -> metrics.eventsPersisted() == BOUND);
    JsonObject after = (JsonObject) vertx.eventBus().request(Addresses.RAW_EVENT, event(session, BOUND + 2), PATIENT)
      .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS).body();
    assertTrue(after.getBoolean("committed"), after.encode());
    assertEquals(BOUND + 1, TestSupport.scalar(db, "SELECT sum(n) FROM event_counts"));
    assertEquals(2, metrics.dropped());
  }

  private static RawEvent event(String session, int i) {
    return new RawEvent(null, session, NOW - 60_000 + i / 10, new MouseMove(i % 1920, i % 1080, 1.5));
  }
}
