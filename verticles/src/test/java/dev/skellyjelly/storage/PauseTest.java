package dev.skellyjelly.storage;

import dev.skellyjelly.storage.TestSupport.ManualClock;
import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.Codecs;
import dev.skellyjelly.storage.codecs.EventBatch;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.impl.InternalAddresses;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pausing capture (CONTRACT §1, §3, §8 Pause): input while paused is dropped before validation and answered
 * {@code committed: false, reason: paused}, counted, stored nowhere and batched never; a timed pause ends on the
 * injected clock; a pause survives a restart; each batch says how much of its window was paused.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class PauseTest {

  private static final long T0 = Instant.parse("2026-11-26T10:00:00Z").toEpochMilli();
  private static final String SESSION = "5b1d0c1e-0000-4000-8000-000000000001";

  @TempDir
  Path dir;

  private Vertx vertx;
  private final ManualClock clock = new ManualClock(T0);
  private StorageModule module;
  private final List<EventBatch> batches = new CopyOnWriteArrayList<>();
  private final Map<String, JsonObject> jsonBatches = new ConcurrentHashMap<>();
  private int ids;

  @BeforeEach
  void listen(Vertx vertx) {
    this.vertx = vertx;
    Codecs.ensureRegistered(vertx);
    vertx.eventBus().<EventBatch>consumer(Addresses.EVENT_BATCH, m -> batches.add(m.body())).completion().await();
    vertx.eventBus().<JsonObject>consumer(Addresses.EVENT_BATCH_JSON,
      m -> jsonBatches.put(m.body().getString("window_id"), m.body())).completion().await();
  }

  @Test
  void inputWhilePausedIsAnsweredStoredNowhereAndBatchedNever() throws Exception {
    start();
    clock.set(T0 + 1_000);
    JsonObject before = keystroke(T0 + 1_000);
    assertEquals(true, send(before).getBoolean("committed"));

    clock.set(T0 + 5_000);
    JsonObject state = capture(new JsonObject().put("op", "pause").putNull("until_ms"));
    assertEquals(true, state.getBoolean("paused"));
    assertEquals(T0 + 5_000, state.getLong("since_ms"));
    assertNull(state.getLong("until_ms"));

    clock.set(T0 + 6_000);
    List<String> droppedIds = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      JsonObject e = keystroke(T0 + 6_000 + i);
      droppedIds.add(e.getString("id"));
      JsonObject reply = send(e);
      assertEquals(new JsonObject().put("id", e.getString("id")).put("committed", false).put("reason", "paused"), reply);
    }
    // Fire-and-forget input and input that is not even valid are dropped alike, before validation.
    vertx.eventBus().send(Addresses.RAW_EVENT, keystroke(T0 + 6_100));
    JsonObject invalid = new JsonObject().put("event_type", "no such type");
    assertEquals("paused", send(invalid).getString("reason"));
    await().atMost(Duration.ofSeconds(10)).until(() -> module.metrics().dropped("paused") == 5);
    assertEquals(0, module.metrics().deadLetters());
    assertEquals(5, capture(new JsonObject().put("op", "state")).getLong("dropped_while_paused"));

    clock.set(T0 + 15_000);
    JsonObject resumed = capture(new JsonObject().put("op", "resume"));
    assertEquals(false, resumed.getBoolean("paused"));
    JsonObject after = keystroke(T0 + 16_000);
    clock.set(T0 + 16_000);
    assertEquals(true, send(after).getBoolean("committed"));

    clock.set(T0 + 40_000);
    await().atMost(Duration.ofSeconds(20)).until(() -> !batches.isEmpty());
    EventBatch batch = batches.get(0);
    assertEquals(List.of(before.getString("id"), after.getString("id")), batch.events().stream().map(RawEvent::id).toList());
    assertEquals(10_000, batch.pausedMs());
    await().atMost(Duration.ofSeconds(10)).until(() -> jsonBatches.containsKey(batch.windowId()));
    assertEquals(10_000L, jsonBatches.get(batch.windowId()).getLong("paused_ms"));

    undeploy();
    Path db = dir.resolve("events.db");
    List<String> stored = TestSupport.readEvents(db).stream().map(RawEvent::id).toList();
    assertEquals(List.of(before.getString("id"), after.getString("id")), stored);
    assertEquals(10_000, TestSupport.scalar(db, "SELECT paused_ms FROM batches WHERE window_id = '" + batch.windowId() + "'"));
    assertEquals(1, TestSupport.scalar(db, "SELECT count(*) FROM pauses WHERE start_ms = " + (T0 + 5_000)
      + " AND end_ms = " + (T0 + 15_000)));
  }

  @Test
  void timedPauseEndsOnTheClock() {
    start();
    clock.set(T0 + 1_000);
    JsonObject state = capture(new JsonObject().put("op", "pause").put("until_ms", T0 + 61_000));
    assertEquals(T0 + 61_000, state.getLong("until_ms"));
    clock.set(T0 + 60_999);
    assertEquals("paused", send(keystroke(T0 + 60_999)).getString("reason"));
    assertEquals(true, capture(new JsonObject().put("op", "state")).getBoolean("paused"));
    clock.set(T0 + 61_000);
    assertEquals(false, capture(new JsonObject().put("op", "state")).getBoolean("paused"));
    assertEquals(true, send(keystroke(T0 + 61_000)).getBoolean("committed"));

    // A window [T0 + 60 s, T0 + 90 s) overlaps the pause by one second.
    clock.set(T0 + 95_000);
    await().atMost(Duration.ofSeconds(20)).until(() -> batches.stream().anyMatch(b -> b.windowStartMs() == T0 + 60_000));
    EventBatch b = batches.stream().filter(x -> x.windowStartMs() == T0 + 60_000).findFirst().orElseThrow();
    assertEquals(1_000, b.pausedMs());
  }

  @Test
  void pauseSurvivesARestart() throws Exception {
    start();
    clock.set(T0 + 2_000);
    capture(new JsonObject().put("op", "pause").putNull("until_ms"));
    undeploy();

    clock.set(T0 + 50_000);
    start();
    JsonObject state = capture(new JsonObject().put("op", "state"));
    assertEquals(true, state.getBoolean("paused"));
    assertEquals(T0 + 2_000, state.getLong("since_ms"));
    assertEquals("paused", send(keystroke(T0 + 50_000)).getString("reason"));
    assertEquals(false, capture(new JsonObject().put("op", "resume")).getBoolean("paused"));
    assertEquals(true, send(keystroke(T0 + 50_001)).getBoolean("committed"));
    undeploy();
    assertEquals(1, TestSupport.readEvents(dir.resolve("events.db")).size());
    assertEquals(T0 + 50_000, TestSupport.scalar(dir.resolve("events.db"), "SELECT end_ms FROM pauses"));
  }

  @Test
  void aPauseThatEndedBeforeIsNotInEffect() {
    start();
    ReplyException bad = assertThrows(ReplyException.class,
      () -> capture(new JsonObject().put("op", "pause").put("until_ms", T0 - 1)));
    assertEquals(400, bad.failureCode());
    assertFalse(capture(new JsonObject().put("op", "state")).getBoolean("paused"));
    assertTrue(send(keystroke(T0)).getBoolean("committed"));
  }

  // ---------------------------------------------------------------- helpers

  private void start() {
    module = TestSupport.deploy(vertx, clock, TestSupport.config(dir,
      ConfigKeys.WINDOW_GRACE_MS, 200, ConfigKeys.WRITE_FLUSH_INTERVAL_MS, 50));
  }

  private void undeploy() {
    vertx.undeploy(module.deploymentID()).await();
  }

  private JsonObject capture(JsonObject request) {
    return vertx.eventBus().<JsonObject>request(InternalAddresses.CAPTURE, request).await().body();
  }

  private JsonObject send(JsonObject event) {
    return vertx.eventBus().<JsonObject>request(Addresses.RAW_EVENT, event).await().body();
  }

  private JsonObject keystroke(long ts) {
    return new JsonObject().put("id", String.format("00000000-0000-4000-8000-%012d", ++ids)).put("session_id", SESSION)
      .put("timestamp", ts).put("event_type", "keystroke")
      .put("data", new JsonObject().put("key_code", 65).put("modifiers",
        new JsonObject().put("shift", false).put("ctrl", false).put("alt", false).put("meta", false)));
  }
}
