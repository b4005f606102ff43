package dev.skellyjelly.storage.app.net;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.time.InstantSource;

/**
 * What one TCP bridge connection holds for its peer, counted here and in the bridges' shared {@link OutputBudget}:
 * the frames waiting in its {@link FrameOutbox} (by their estimate) and the bytes written to its socket and not yet
 * taken. It says whether a consumer's message may still go to it (not past its share of the budget, nor while the
 * whole budget is spent), when its reading pauses because its own replies would wait behind what is held, and when
 * it has been slow for too long. Used on the connection's event loop only.
 */
final class ConnectionOutput implements FrameOutbox.Written {
  /** How long a connection may stay over its bound with nothing taken by its peer before it is let go of. */
  static final long SLOW_CLOSE_MS = 10_000;

  /** Stops and restarts reading the connection's socket. */
  interface Reading {
    void pause();

    void resume();
  }

  private final InstantSource clock;
  private final OutputBudget budget;
  private final Reading reading;
  /** Bytes of waiting frames and of frames handed to the socket and not yet written; since when over the bound (else -1). */
  private long pendingBytes;
  private long fullSinceMs = -1;
  /** When a write last reached the kernel: a peer that reads slowly still makes progress; a stopped one not. */
  private long lastWrittenMs;
  private boolean paused;
  private boolean closed;
  private final FiringParts parts = new FiringParts();

  ConnectionOutput(InstantSource clock, OutputBudget budget, Reading reading) {
    this.clock = clock;
    this.budget = budget;
    this.reading = reading;
    this.lastWrittenMs = clock.millis();
  }

  /**
   * Whether a consumer's message may be written; when the connection's own share is full it counts as full from
   * now (a spent shared budget drops the message without making this connection slow). The next part of a firing
   * whose earlier parts went through goes through while the connection holds less than the whole budget
   * ({@link FiringParts}).
   */
  boolean admitsMessage(JsonObject frame) {
    boolean admitted;
    if (parts.follows(frame)) {
      admitted = pendingBytes < budget.capacity() && !budget.spent();
    } else if (pendingBytes >= budget.share()) {
      if (fullSinceMs < 0) {
        fullSinceMs = clock.millis();
      }
      admitted = false;
    } else {
      admitted = budget.admits(pendingBytes);
    }
    if (admitted) {
      parts.letThrough(frame);
    }
    return admitted;
  }

  /**
   * A frame waits in the outbox, or no longer: replies waiting behind what the peer does not take stop its reading
   * once the connection's share is held, so a client that pings and never reads fills nothing.
   */
  @Override
  public void waiting(long bytes) {
    pendingBytes += bytes;
    if (bytes > 0) {
      budget.add(bytes);
      if (pendingBytes >= budget.share()) {
        full();
      }
    } else {
      budget.release(-bytes);
      taken();
    }
  }

  /** What the outbox handed the socket: counted until the peer took it. */
  @Override
  public void queued(int length, Future<Void> written) {
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
    taken();
  }

  /** After bytes held went: under the share it is no longer full; under half of it, reading goes on. */
  private void taken() {
    if (pendingBytes < budget.share()) {
      fullSinceMs = -1;
    }
    if (pendingBytes < budget.share() / 2 && paused && !closed) {
      paused = false;
      reading.resume();
    }
  }
}
