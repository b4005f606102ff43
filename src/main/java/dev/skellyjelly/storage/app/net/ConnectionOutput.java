package dev.skellyjelly.storage.app.net;

import io.vertx.core.Future;

import java.time.InstantSource;
import java.util.function.IntSupplier;

/**
 * What one TCP bridge connection has written and its peer not yet taken, counted here and in the bridges' shared
 * {@link OutputBudget}: whether a consumer's message may still go to it (not past its share of the budget, nor while
 * the whole budget is spent), when its reading pauses because its own replies would wait behind what is unread, and
 * when it has been slow for too long. Used on the connection's event loop only.
 */
final class ConnectionOutput {
  /** How long a connection may stay over its bound with nothing taken by its peer before it is let go of. */
  static final long SLOW_CLOSE_MS = 10_000;
  /**
   * Frames a connection's outbox may hold beside the one being written: past it consumer messages are dropped and
   * the connection's reading pauses (its replies would wait there), so a peer that does not read costs no heap.
   * A reader that keeps up still sees bursts: a flood of fresh sessions closes many small windows in one tick, and
   * two frames dropped batches a reading consumer was owed. The frames held are the published batches themselves,
   * shared with every other consumer, not copies.
   */
  static final int MAX_BACKLOG_FRAMES = 16;

  /** Stops and restarts reading the connection's socket. */
  interface Reading {
    void pause();

    void resume();
  }

  private final InstantSource clock;
  private final OutputBudget budget;
  private final IntSupplier backlog;
  private final Reading reading;
  /** Bytes handed to the socket and not yet written; since when over the bound (else -1). */
  private long pendingBytes;
  private long fullSinceMs = -1;
  /** When a write last reached the kernel: a peer that reads slowly still makes progress; a stopped one not. */
  private long lastWrittenMs;
  private boolean paused;
  private boolean closed;

  /** {@code backlog}: the frames waiting in the connection's outbox. */
  ConnectionOutput(InstantSource clock, OutputBudget budget, IntSupplier backlog, Reading reading) {
    this.clock = clock;
    this.budget = budget;
    this.backlog = backlog;
    this.reading = reading;
    this.lastWrittenMs = clock.millis();
  }

  /**
   * Whether a consumer's message may be written; when the connection's own share is full it counts as full from
   * now (a spent shared budget drops the message without making this connection slow).
   */
  boolean admitsMessage() {
    if (pendingBytes >= budget.share() || backlog.getAsInt() >= MAX_BACKLOG_FRAMES) {
      if (fullSinceMs < 0) {
        fullSinceMs = clock.millis();
      }
      return false;
    }
    return budget.admits(pendingBytes);
  }

  /** After a reply was queued: replies waiting behind a socket the peer does not empty stop its reading. */
  void afterReply() {
    if (backlog.getAsInt() >= MAX_BACKLOG_FRAMES) {
      full();
    }
  }

  /** What the outbox handed the socket: counted until the peer took it. */
  void queued(int length, Future<Void> written) {
    pendingBytes += length;
    budget.add(length);
    written.onComplete(done -> written(length));
    if (pendingBytes >= budget.share()) {
      full();
    }
  }

  /** Whether the module stopped reading the connection for what it left unread. */
  boolean pausedForOutput() {
    return paused;
  }

  /** Whether it stayed full with nothing taken for {@link #SLOW_CLOSE_MS}. */
  boolean tooSlow(long nowMs) {
    return fullSinceMs >= 0 && nowMs - Math.max(fullSinceMs, lastWrittenMs) >= SLOW_CLOSE_MS;
  }

  long pendingBytes() {
    return pendingBytes;
  }

  long lastWrittenMs() {
    return lastWrittenMs;
  }

  /** The connection is gone: reading is not resumed any more. */
  void close() {
    closed = true;
  }

  private void full() {
    if (fullSinceMs < 0) {
      fullSinceMs = clock.millis();
    }
    if (!paused) {
      paused = true;
      reading.pause();
    }
  }

  private void written(int length) {
    pendingBytes -= length;
    budget.release(length);
    lastWrittenMs = clock.millis();
    if (pendingBytes < budget.share() && backlog.getAsInt() < MAX_BACKLOG_FRAMES) {
      fullSinceMs = -1;
    }
    if (pendingBytes < budget.share() / 2 && backlog.getAsInt() == 0 && paused && !closed) {
      paused = false;
      reading.resume();
    }
  }
}
