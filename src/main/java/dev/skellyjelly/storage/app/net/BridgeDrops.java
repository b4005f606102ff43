package dev.skellyjelly.storage.app.net;

import dev.skellyjelly.storage.StorageMetrics;

/**
 * What a bridge refuses or drops (a connection past the limit, an idle or unauthorized one, a frame over the limit,
 * a message a slow consumer cannot take): each counted in {@code dropped_total{reason}} and logged at most once a
 * minute per reason.
 */
record BridgeDrops(StorageMetrics metrics, RateLimitedLog log) {

  void drop(String reason, String detail) {
    metrics.dropped(reason, 1);
    log.warn(reason, detail + " [dropped_total{reason=\"" + reason + "\"}]");
  }
}
