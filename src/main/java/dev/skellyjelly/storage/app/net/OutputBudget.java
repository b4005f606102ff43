package dev.skellyjelly.storage.app.net;

import dev.skellyjelly.storage.StorageMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes all bridge connections together, TCP and SockJS, have handed their sockets and their peers not yet
 * taken: counted when a frame's text is handed over, released once it was written (or its connection is gone).
 * While the total is at {@link #capacity} no connection gets consumer messages ({@code slow_consumer}); while a
 * connection's own count is at its {@link #share} it gets none either and its reading pauses, so one slow consumer
 * cannot take the whole budget from the others. A frame already begun is finished, so the total may pass the
 * capacity by the frames being made when it was reached. Thread-safe: connections may live on several event loops.
 */
public final class OutputBudget {

  /**
   * 8 MiB for all connections, a quarter of it for one: a reader keeping up takes each frame within milliseconds;
   * the whole budget holds the text of a few batch parts at the default {@code max_events_per_batch} (about 2.3 MB
   * each for 10 000 events: the budget is counted when a frame's text is complete), and a peer that stopped reading
   * leaves the others most of it (its share and the frame that passed it). The module's bounds together fit its
   * heap (HeapBudgetTest).
   */
  public static final long DEFAULT_BYTES = 8L << 20;
  /** One connection's share of the capacity: 1 / SHARES of it. */
  static final int SHARES = 4;

  private final long capacity;
  private final AtomicLong used = new AtomicLong();

  public OutputBudget(long capacity) {
    if (capacity < SHARES) {
      throw new IllegalArgumentException("an output budget of " + capacity + " bytes");
    }
    this.capacity = capacity;
  }

  /** Shows the bytes unread as {@code bridge_output_bytes} (and the capacity as {@code bridge_output_budget_bytes}). */
  public void bind(MeterRegistry registry) {
    Gauge.builder(StorageMetrics.PREFIX + "bridge_output_bytes", this, OutputBudget::used).baseUnit("bytes")
      .register(registry);
    Gauge.builder(StorageMetrics.PREFIX + "bridge_output_budget_bytes", this, OutputBudget::capacity)
      .baseUnit("bytes").register(registry);
  }

  public long capacity() {
    return capacity;
  }

  /** What one connection may have unread before it gets no more and stops being read. */
  public long share() {
    return capacity / SHARES;
  }

  public long used() {
    return used.get();
  }

  /** Whether all connections together are at the capacity: no consumer message goes out. */
  public boolean spent() {
    return used.get() >= capacity;
  }

  /** Whether a connection with {@code own} bytes unread may be sent another consumer message. */
  public boolean admits(long own) {
    return own < share() && !spent();
  }

  /** Counts {@code bytes} handed to a socket until {@link #release}d. */
  public void add(long bytes) {
    used.addAndGet(bytes);
  }

  public void release(long bytes) {
    used.addAndGet(-bytes);
  }
}
