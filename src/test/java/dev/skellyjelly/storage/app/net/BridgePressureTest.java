package dev.skellyjelly.storage.app.net;

import dev.skellyjelly.storage.StorageMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.time.InstantSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** /health's bridges check: DOWN while input waits for the budget or a bridge's places are all taken. */
class BridgePressureTest {

  private final BridgeDrops drops = BridgeDrops.of(new StorageMetrics(new SimpleMeterRegistry()), InstantSource.system());

  @Test
  void inputWaitingForTheBudgetIsPressure() {
    BridgeBudget budget = new BridgeBudget(1_000);
    BridgePressure pressure = new BridgePressure(budget, new OutputBudget(4_000));
    assertTrue(budget.tryReserve(800));
    assertFalse(pressure.pressed(), "800 of 1000 bytes in flight, nothing waiting");
    BridgeBudget.Waiter waiter = budget.reserve(300, () -> { });
    assertTrue(pressure.pressed());
    assertEquals(new JsonObject().put("input_bytes", 800L).put("input_budget_bytes", 1_000L).put("input_waiting", 1)
      .put("output_bytes", 0L).put("output_budget_bytes", 4_000L), pressure.toJson());
    budget.release(800);
    assertFalse(pressure.pressed(), "the waiting reservation was granted");
    assertEquals(300L, pressure.toJson().getLong("input_bytes"));
    assertFalse(budget.cancel(waiter));
  }

  @Test
  void aSpentOutputBudgetIsPressure() {
    OutputBudget output = new OutputBudget(4_000);
    BridgePressure pressure = new BridgePressure(new BridgeBudget(1_000), output);
    output.add(3_999);
    assertFalse(pressure.pressed());
    output.add(1);
    assertTrue(pressure.pressed(), "4000 of 4000 bytes unread");
    assertEquals(4_000L, pressure.toJson().getLong("output_bytes"));
    output.release(2_000);
    assertFalse(pressure.pressed());
  }

  @Test
  void aBridgeWithEveryPlaceTakenIsPressure() {
    BridgePressure pressure = new BridgePressure(new BridgeBudget(1_000), new OutputBudget(4_000));
    ConnectionLimit tcp = pressure.limit("tcp", "TCP bridge", 2, drops);
    ConnectionLimit sockjs = pressure.limit("sockjs", "SockJS bridge", 3, drops);
    assertTrue(tcp.admit("a"));
    assertTrue(sockjs.admit("b"));
    assertFalse(pressure.pressed());
    assertTrue(tcp.admit("c"));
    assertFalse(tcp.admit("d"), "past the limit");
    assertTrue(pressure.pressed());
    JsonObject json = pressure.toJson();
    assertEquals(new JsonObject().put("open", 2).put("max", 2), json.getJsonObject("tcp"));
    assertEquals(new JsonObject().put("open", 1).put("max", 3), json.getJsonObject("sockjs"));
    tcp.closed();
    assertFalse(pressure.pressed());
  }
}
