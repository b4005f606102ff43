package dev.skellyjelly.storage;

import io.vertx.core.json.JsonObject;

/**
 * The disk budget as last measured by the writer (at each retention pass, and every minute): the database's
 * size (its pages in use; the file's free pages are handed back by the pass), the budget, the free space on its
 * file system counting what the pass hands back, the free space required, and the state: {@code ok} (within
 * both), {@code trimming} (past one, oldest data going), {@code over} (past one with only what the budget
 * never removes left: the current UTC day's raw events and the hour rollups) or {@code unmeasured}.
 */
public record BudgetState(long databaseBytes, long budgetBytes, long freeDiskBytes, long minFreeDiskBytes,
                          String state) {

  public static final BudgetState UNMEASURED = new BudgetState(0, 0, 0, 0, "unmeasured");

  /** Whether the budget holds, or is being restored. */
  public boolean healthy() {
    return !"over".equals(state);
  }

  public JsonObject toJson() {
    return new JsonObject().put("database_bytes", databaseBytes).put("budget_bytes", budgetBytes)
      .put("free_disk_bytes", freeDiskBytes).put("min_free_disk_bytes", minFreeDiskBytes).put("state", state);
  }
}
