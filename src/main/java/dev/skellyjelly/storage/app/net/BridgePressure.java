package dev.skellyjelly.storage.app.net;

import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the bridges are under, for {@code /health}'s {@code bridges} check: the shared input budget (bytes in flight,
 * reservations waiting for room) and each bridge's open connections against {@code bridge_max_connections}. The
 * check is DOWN while input waits for the budget (peers' reading is paused) or a bridge has every place taken (a new
 * peer would be refused), UP otherwise. Thread-safe.
 */
public final class BridgePressure {

  private final BridgeBudget budget;
  private final Map<String, ConnectionLimit> limits = new ConcurrentHashMap<>();

  public BridgePressure(BridgeBudget budget) {
    this.budget = budget;
  }

  public BridgeBudget budget() {
    return budget;
  }

  /** The place count of one bridge, {@code name} as /health shows it; its log lines name it {@code label}. */
  ConnectionLimit limit(String name, String label, int max, BridgeDrops drops) {
    ConnectionLimit limit = new ConnectionLimit(label, max, drops);
    limits.put(name, limit);
    return limit;
  }

  /** True while input waits for the budget or a bridge has no place left. */
  public boolean pressed() {
    if (budget.waiting() > 0) {
      return true;
    }
    for (ConnectionLimit l : limits.values()) {
      if (l.open() >= l.max()) {
        return true;
      }
    }
    return false;
  }

  /** {@code input_bytes}, {@code input_budget_bytes}, {@code input_waiting} and, per bridge, {@code open} and {@code max}. */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("input_bytes", budget.used()).put("input_budget_bytes", budget.capacity())
      .put("input_waiting", budget.waiting());
    limits.forEach((name, l) -> json.put(name, new JsonObject().put("open", l.open()).put("max", l.max())));
    return json;
  }
}
