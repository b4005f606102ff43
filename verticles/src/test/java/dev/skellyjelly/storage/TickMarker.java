package dev.skellyjelly.storage;

import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.EventBatch;
import dev.skellyjelly.storage.codecs.EventData;
import dev.skellyjelly.storage.codecs.MouseMove;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Uuids;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The known later event behind "nothing went out" checks, instead of sleeping through timer periods. A marker
 * is an event of its own session, an hour before the clock, so its window is long closed: the batcher emits it
 * at its next tick, and that tick fires every open window already due before it, from the same thread. So once
 * the marker's batch has reached the test's batch consumer, every batch the batcher emitted up to that tick has
 * too. The test routes batches through {@link #take} in its one consumer (another consumer may run on another
 * event loop, where that order does not hold) and leaves the markers out of its own assertions.
 */
final class TickMarker {

  /** The markers' session: no test sends events of it. */
  static final String SESSION = "5b1d0c1e-0000-4000-8000-00000000fee0";
  private static final long AGE_MS = 3_600_000;

  private final InstantSource clock;
  private final Set<String> emitted = ConcurrentHashMap.newKeySet();
  private int sent;

  TickMarker(InstantSource clock) {
    this.clock = clock;
  }

  /** For the test's batch consumer: true (and noted) when the batch is a marker's, which the test then ignores. */
  boolean take(EventBatch batch) {
    if (!SESSION.equals(batch.sessionId())) {
      return false;
    }
    for (RawEvent e : batch.events()) {
      emitted.add(e.id());
    }
    return true;
  }

  /** Waits until the batcher has ticked at the clock's current time (and its batches up to then have arrived). */
  void awaitTick(Vertx vertx) {
    awaitEmitted(send(vertx, new MouseMove(0, 0, 0)));
  }

  /** Sends a marker carrying {@code data} and returns it once committed; it goes out at the batcher's next tick. */
  RawEvent send(Vertx vertx, EventData data) {
    RawEvent marker = new RawEvent(Uuids.random(), SESSION, clock.millis() - AGE_MS, data);
    JsonObject ack = vertx.eventBus().<JsonObject>request(Addresses.RAW_EVENT, marker).await().body();
    assertEquals(Boolean.TRUE, ack.getBoolean("committed"), ack.encode());
    sent++;
    return marker;
  }

  void awaitEmitted(RawEvent marker) {
    await("the batcher's tick that emits marker " + marker.id()).atMost(Duration.ofSeconds(20))
      .pollInterval(Duration.ofMillis(5))
      .until(() -> emitted.contains(marker.id()));
  }

  /** How many markers were sent: the module counts them among its batches and batched events. */
  int sent() {
    return sent;
  }
}
