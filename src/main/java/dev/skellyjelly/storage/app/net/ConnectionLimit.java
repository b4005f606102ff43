package dev.skellyjelly.storage.app.net;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * At most {@code bridge_max_connections} open connections of one bridge: a connection past it is closed at once
 * and counted as {@code dropped_total{reason="connection_limit"}}, so a flood of connections costs a counter, not
 * heap. Thread-safe.
 */
final class ConnectionLimit {

  static final String REASON = "connection_limit";

  private final String bridge;
  private final int max;
  private final BridgeDrops drops;
  private final AtomicInteger open = new AtomicInteger();

  ConnectionLimit(String bridge, int max, BridgeDrops drops) {
    this.bridge = bridge;
    this.max = max;
    this.drops = drops;
  }

  /** Takes a place for a new connection; false (counted and logged) when every place is taken. */
  boolean admit(Object peer) {
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      drops.drop(REASON, bridge + ": connection from " + peer + " refused: " + max + " open already (bridge_max_connections)");
      return false;
    }
    return true;
  }

  /** Gives back the place of a connection that {@link #admit} let in, once it closed. */
  void closed() {
    open.decrementAndGet();
  }

  int open() {
    return open.get();
  }

  int max() {
    return max;
  }
}
