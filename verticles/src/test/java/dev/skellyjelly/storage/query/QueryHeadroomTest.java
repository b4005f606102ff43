package dev.skellyjelly.storage.query;

import dev.skellyjelly.storage.HeapRatios;
import dev.skellyjelly.storage.TestSupport;
import dev.skellyjelly.storage.TestSupport.ManualClock;
import dev.skellyjelly.storage.codecs.Addresses;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The heap's free ratios, as the JVM reports them: at the module's resting values (10/30, as conf/jvm.options
 * sets them) while nobody queries, raised to 60/85 once a query runs, put back when the query side has been idle
 * for its delay, kept raised while queries keep coming, and put back when the module stops.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class QueryHeadroomTest {

  @TempDir
  Path dir;
  private Vertx vertx;
  private HeapRatios jvm;

  @BeforeEach
  void start() {
    jvm = HeapRatios.resting("10", "30");
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stop() {
    vertx.close().await();
    jvm.restore();
  }

  private static List<String> ratios() {
    return HeapRatios.now();
  }

  private JsonObject ask() {
    return vertx.eventBus().<JsonObject>request(Addresses.QUERY, new JsonObject().put("query", "{ capture { paused } }"))
      .await().body();
  }

  @Test
  void raisedWhileQueriesRunAndPutBackWhenIdleOrStopped() {
    TestSupport.deploy(vertx, new ManualClock(System.currentTimeMillis()), TestSupport.config(dir));
    assertEquals(List.of("10", "30"), ratios(), "nothing changes while nobody queries");
    assertNull(ask().getValue("errors"));
    assertEquals(List.of("60", "85"), ratios(), "raised by a query, kept for the idle delay after it");
    vertx.close().await();
    assertEquals(List.of("10", "30"), ratios(), "put back when the module stops");
  }

  @Test
  void putBackOnlyAfterTheIdleDelayFromTheLastQuery() throws Exception {
    QueryHeadroom headroom = new QueryHeadroom(vertx, 200);
    io.vertx.core.Context context = vertx.getOrCreateContext();
    CompletableFuture<List<String>> raised = new CompletableFuture<>();
    CompletableFuture<List<String>> back = new CompletableFuture<>();
    context.runOnContext(v -> {
      headroom.begin();
      headroom.begin();
      headroom.end(1);
      headroom.end(0);
      // A query within the delay keeps the room: the restore waits for the delay after this one.
      vertx.setTimer(100, t -> {
        headroom.begin();
        headroom.end(0);
        vertx.setTimer(150, u -> raised.complete(ratios()));
        vertx.setTimer(400, u -> back.complete(ratios()));
      });
    });
    assertEquals(List.of("60", "85"), raised.get(5, TimeUnit.SECONDS), "250 ms after the first, 150 ms after the last");
    assertEquals(List.of("10", "30"), back.get(5, TimeUnit.SECONDS), "400 ms after the last query");
  }
}
