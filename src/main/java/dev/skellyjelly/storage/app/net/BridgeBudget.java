package dev.skellyjelly.storage.app.net;

import dev.skellyjelly.storage.StorageConfig;
import dev.skellyjelly.storage.StorageMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The bytes of input all bridge connections together may hold in flight (CONTRACT §5): a TCP frame's length is
 * reserved when its 4-byte header is read, before its body is gathered, and released once the frame was handed
 * on or refused; a SockJS connection reserves its worst case while it is open. A reservation the budget cannot
 * cover waits: the connection stops reading (backpressure) until enough bytes are released. So bridge input never
 * takes more heap than this, however many peers send at once. Thread-safe: connections may live on several event
 * loops; a waiter's grant runs on the releasing thread and must hand itself to its own loop.
 */
public final class BridgeBudget {

  /** A reservation waiting for bytes; {@link #cancel} it when its connection closes first. */
  public static final class Waiter {
    private final long bytes;
    private final Runnable granted;

    private Waiter(long bytes, Runnable granted) {
      this.bytes = bytes;
      this.granted = granted;
    }
  }

  private final long capacity;
  private final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
  private long used;

  public BridgeBudget(long capacity) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("a budget of " + capacity + " bytes");
    }
    this.capacity = capacity;
  }

  /**
   * One maximum-size TCP frame plus one SockJS connection's worst case ({@link SockJsBridge#worstCaseBytes}): a
   * screenshot can always be gathered, beside one SockJS connection or small frames. 36 765 696 bytes with the
   * defaults (screenshot_max_mb 16, sockjs_max_message_kb 1024). Two maximum-size frames (46 MB) ran the 96 MB heap
   * out (EdgesIT) beside a full screenshot memory budget and the consumers' unread output.
   */
  public static BridgeBudget forConfig(StorageConfig config) {
    return new BridgeBudget(config.bridgeMaxMessageBytes() + SockJsBridge.worstCaseBytes(config));
  }

  /** Shows the bytes in flight as {@code bridge_input_bytes} (and the capacity as {@code bridge_input_budget_bytes}). */
  public void bind(MeterRegistry registry) {
    Gauge.builder(StorageMetrics.PREFIX + "bridge_input_bytes", this, BridgeBudget::used).baseUnit("bytes")
      .register(registry);
    Gauge.builder(StorageMetrics.PREFIX + "bridge_input_budget_bytes", this, BridgeBudget::capacity).baseUnit("bytes")
      .register(registry);
  }

  public long capacity() {
    return capacity;
  }

  public synchronized long used() {
    return used;
  }

  /** Reserves {@code bytes} if they fit now. */
  public boolean tryReserve(long bytes) {
    return tryReserve(bytes, 0);
  }

  /** Reserves {@code bytes} if they fit now and still leave {@code keepFree} bytes unreserved. */
  public synchronized boolean tryReserve(long bytes, long keepFree) {
    if (bytes < 0 || used + bytes + keepFree > capacity) {
      return false;
    }
    used += bytes;
    return true;
  }

  /**
   * Reserves {@code bytes} now if they fit, running {@code granted} at once and returning null; else queues the
   * reservation and runs {@code granted} once enough bytes were released (the bytes are then reserved for it).
   *
   * @throws IllegalArgumentException when {@code bytes} exceed the whole budget: they could never be granted
   */
  public Waiter reserve(long bytes, Runnable granted) {
    if (bytes > capacity) {
      throw new IllegalArgumentException(bytes + " bytes exceed the " + capacity + "-byte budget");
    }
    Waiter w = new Waiter(bytes, granted);
    synchronized (this) {
      if (used + bytes > capacity) {
        waiting.add(w);
        return w;
      }
      used += bytes;
    }
    granted.run();
    return null;
  }

  /** Withdraws a waiting reservation; true if it was still waiting (false: it was granted and must be released). */
  public synchronized boolean cancel(Waiter w) {
    return w != null && waiting.remove(w);
  }

  /** Returns reserved bytes, and grants what now fits of the waiting reservations, oldest first. */
  public void release(long bytes) {
    if (bytes <= 0) {
      return;
    }
    List<Runnable> grants;
    synchronized (this) {
      used = Math.max(0, used - bytes);
      if (waiting.isEmpty()) {
        return;
      }
      grants = new ArrayList<>();
      for (Iterator<Waiter> it = waiting.iterator(); it.hasNext(); ) {
        Waiter w = it.next();
        if (used + w.bytes <= capacity) {
          used += w.bytes;
          it.remove();
          grants.add(w.granted);
        }
      }
    }
    grants.forEach(Runnable::run);
  }

  public synchronized int waiting() {
    return waiting.size();
  }
}
