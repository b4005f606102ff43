package dev.skellyjelly.storage.app.net;

import io.vertx.core.json.JsonObject;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The bridges' shared bounds and what they are under, for {@code /health}'s {@code bridges} check: the input budget
 * (bytes in flight, reservations waiting for room), the output budget (bytes sent and not yet taken by peers) and
 * each bridge's open connections against {@code bridge_max_connections}. The check is DOWN while input waits for the
 * budget (peers' reading is paused), the output budget is spent (no consumer gets messages) or a bridge has every
 * place taken (a new peer would be refused); UP otherwise. Thread-safe.
 */
public final class BridgePressure {

  private final BridgeBudget budget;
  private final OutputBudget output;
  private final Map<String, ConnectionLimit> limits = new ConcurrentHashMap<>();

  public BridgePressure(BridgeBudget budget, OutputBudget output) {
    this.budget = budget;
    this.output = output;
  }

  public BridgeBudget budget() {
    return budget;
  }

  public OutputBudget output() {
    return output;
  }

  /** The place count of one bridge, {@code name} as /health shows it; its log lines name it {@code label}. */
  ConnectionLimit limit(String name, String label, int max, BridgeDrops drops) {
    ConnectionLimit limit = new ConnectionLimit(label, max, drops);
    limits.put(name, limit);
    return limit;
  }

  /** True while input waits for the budget, the output budget is spent or a bridge has no place left. */
  public boolean pressed() {
    if (budget.waiting() > 0 || output.spent()) {
      return true;
    }
    for (ConnectionLimit l : limits.values()) {
      if (l.open() >= l.max()) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@code input_bytes}, {@code input_budget_bytes}, {@code input_waiting}, {@code output_bytes},
   * {@code output_budget_bytes} and, per bridge, {@code open} and {@code max}.
   */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("input_bytes", budget.used()).put("input_budget_bytes", budget.capacity())
      .put("input_waiting", budget.waiting()).put("output_bytes", output.used())
      .put("output_budget_bytes", output.capacity());
    limits.forEach((name, l) -> json.put(name, new JsonObject().put("open", l.open()).put("max", l.max())));
    return json;
  }
}
