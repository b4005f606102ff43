package dev.skellyjelly.storage.app.net;

import dev.skellyjelly.storage.StorageMetrics;
import org.slf4j.LoggerFactory;

import java.time.InstantSource;

/**
 * What the bridges refuse or drop (a connection past the limit, an idle or unauthorized one, a frame over the limit,
 * a message a slow consumer cannot take, a foreign origin): each counted in {@code dropped_total{reason}} and logged
 * at most once a minute per reason, one log for both bridges.
 */
public record BridgeDrops(StorageMetrics metrics, RateLimitedLog log) {

  public static BridgeDrops of(StorageMetrics metrics, InstantSource clock) {
    return new BridgeDrops(metrics, new RateLimitedLog(LoggerFactory.getLogger(BridgeDrops.class), clock));
  }

  public void drop(String reason, String detail) {
    metrics.dropped(reason, 1);
    log.warn(reason, detail + " [dropped_total{reason=\"" + reason + "\"}]");
  }
}
