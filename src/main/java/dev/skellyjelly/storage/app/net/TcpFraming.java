package dev.skellyjelly.storage.app.net;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * The TCP bridge's framing, Vert.x's: a 4-byte big-endian length, then that many bytes of UTF-8 JSON. A length over
 * the limit is refused as soon as its 4 bytes are read, before any of its body is buffered. One per connection, on
 * its event loop.
 *
 * <p>Frames are read where they arrive: a frame that lies whole in one socket read is handed on as a slice of it,
 * not copied; only a frame split across reads is gathered, into a buffer sized once to its announced length.
 * (Vert.x's {@code RecordParser} copied every frame twice and held a large one three times over.)
 *
 * <p>Every frame's length is reserved against the shared {@link BridgeBudget} as soon as its header is read; when
 * the budget cannot cover it, the framing and the socket stop reading until it can, holding at most the rest of the
 * read in hand. The bytes are released once the frame was handled or the framing stopped.
 *
 * <p>A frame may be handled later ({@link Frames#handle} returns a future that is not complete yet: a large frame
 * read on a worker thread). Until then the framing reads nothing more, the socket pauses and the rest of the read is
 * held in hand, so frames are handled one at a time and in order.
 */
final class TcpFraming implements Handler<Buffer> {

  /** Why the framing stopped: the reason counted in {@code dropped_total} and sent to the client, and a detail to log. */
  record Refusal(String reason, String detail) {
  }

  /** The socket behind the framing: its reading paused and resumed, and work handed back to its event loop. */
  interface Reading {
    void pause();

    void resume();

    /** Runs {@code task} on the connection's event loop (a budget grant arrives on whichever thread released). */
    void onLoop(Runnable task);
  }

  /**
   * Makes the buffer a frame split across reads is gathered in: may complete later, made on another thread (a
   * screenshot's few megabytes, which go straight to the old generation: made on the event loop, an allocation there
   * that found the old generation full held the loop for a full collection). Until it completes the framing reads
   * nothing more of this connection.
   */
  interface Bodies {
    Future<Buffer> make(int length);

    /** Every body made at once, on the event loop. */
    Bodies IN_PLACE = length -> Future.succeededFuture(Buffer.buffer(length));
  }

  /** Where frames go. */
  interface Frames {
    /**
     * Handles a whole frame: returns null when it is handled already, else a future that completes once it is
     * (on any thread); the framing reads on only then.
     */
    Future<?> handle(Buffer frame);
  }

  static final int HEADER_BYTES = 4;

  private final long limit;
  private final BridgeBudget budget;
  private final Reading reading;
  private final Frames onFrame;
  private final Bodies bodies;
  private final Handler<Refusal> onRefusal;
  /** The header being read, as far as it arrived. */
  private int header;
  private int headerRead;
  /** Length of the frame being read, or -1 while reading its header. */
  private int expected = -1;
  /** The body of a frame split across reads, as far as read; null when none is begun. */
  private Buffer body;
  /** What is left of a read while the framing waits (for the budget or a frame handled later); null when none. */
  private Buffer held;
  /** The socket is paused by this framing (while it waits). */
  private boolean holding;
  private boolean stopped;
  /** Bytes of the frame being read that are reserved against the budget. */
  private long reserved;
  /**
   * Nothing more is read for now: the frame waits for the budget (its header read, its body not yet admitted), or
   * the last frame is being handled elsewhere.
   */
  private boolean waiting;
  /** The frame's reservation while it waits for the budget, else null. */
  private BridgeBudget.Waiter waiter;

  /** {@code limit}: the largest frame admitted, in bytes; at most the budget's capacity. Bodies made in place. */
  TcpFraming(long limit, BridgeBudget budget, Reading reading, Frames onFrame, Handler<Refusal> onRefusal) {
    this(limit, budget, reading, onFrame, Bodies.IN_PLACE, onRefusal);
  }

  TcpFraming(long limit, BridgeBudget budget, Reading reading, Frames onFrame, Bodies bodies,
    Handler<Refusal> onRefusal) {
    if (limit > budget.capacity()) {
      throw new IllegalArgumentException("a " + limit + "-byte frame could never fit the " + budget.capacity() + "-byte budget");
    }
    this.limit = limit;
    this.budget = budget;
    this.reading = reading;
    this.onFrame = onFrame;
    this.bodies = bodies;
    this.onRefusal = onRefusal;
  }

  /** A frame as written to the client. */
  static Buffer encode(JsonObject frame) {
    Buffer payload = frame.toBuffer();
    return Buffer.buffer(payload.length() + HEADER_BYTES).appendInt(payload.length()).appendBuffer(payload);
  }

  /** Bytes as they arrive from the socket. */
  @Override
  public void handle(Buffer chunk) {
    if (stopped) {
      return;
    }
    if (waiting) {
      // Read before the pause took effect: kept behind what is held.
      held = held == null ? chunk : Buffer.buffer(held.length() + chunk.length()).appendBuffer(held).appendBuffer(chunk);
      return;
    }
    read(chunk);
  }

  /** Reads nothing more: after a refusal or when the connection closed. */
  void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    body = null;
    held = null;
    budget.cancel(waiter);
    waiter = null;
    releaseReserved();
  }

  /** Every frame read so far is whole: none is begun, none waits for the budget or to be handled. */
  boolean betweenFrames() {
    return expected < 0 && headerRead == 0 && held == null && !waiting;
  }

  /** Bytes of this connection reserved now: for tests. */
  long reserved() {
    return reserved;
  }

  private void releaseReserved() {
    long bytes = reserved;
    reserved = 0;
    budget.release(bytes);
  }

  /** Reads the frames of {@code chunk}, until its end, a refusal or a wait for the budget (which holds the rest). */
  private void read(Buffer chunk) {
    int at = 0;
    int end = chunk.length();
    while (at < end && !stopped) {
      if (expected < 0) {
        if (headerRead == 0 && end - at >= HEADER_BYTES) {
          header = chunk.getInt(at);
          at += HEADER_BYTES;
        } else {
          header = header << 8 | chunk.getByte(at++) & 0xFF;
          if (++headerRead < HEADER_BYTES) {
            continue;
          }
        }
        headerRead = 0;
        if (!onHeader(header)) {
          if (waiting) {
            holdRest(chunk, at, end);
          }
          return;
        }
      } else if (body == null && end - at >= expected) {
        int length = expected;
        at += length;
        if (!handOn(chunk.slice(at - length, at))) {
          holdRest(chunk, at, end);
          return;
        }
      } else {
        if (body == null) {
          Future<Buffer> made = bodies.make(expected);
          if (!made.isComplete()) {
            waiting = true;
            pauseReading();
            holdRest(chunk, at, end);
            made.onComplete(ar -> reading.onLoop(() -> bodyMade(ar)));
            return;
          }
          body = made.result();
        }
        int n = Math.min(expected - body.length(), end - at);
        body.appendBuffer(chunk, at, n);
        at += n;
        if (body.length() == expected) {
          Buffer frame = body;
          body = null;
          if (!handOn(frame)) {
            holdRest(chunk, at, end);
            return;
          }
        }
      }
    }
  }

  /** True when the frame was handled at once; false when it is handled later, and reading waits until then. */
  private boolean handOn(Buffer frame) {
    expected = -1;
    Future<?> later;
    try {
      later = onFrame.handle(frame);
    } catch (RuntimeException e) {
      releaseReserved();
      throw e;
    }
    if (later == null || later.isComplete()) {
      releaseReserved();
      return true;
    }
    waiting = true;
    pauseReading();
    later.onComplete(ar -> reading.onLoop(this::handled));
    return false;
  }

  /** The frame handled later is done: its bytes go back to the budget and reading goes on with what was held. */
  private void handled() {
    waiting = false;
    if (stopped) {
      // stop() gave the reservation back already.
      return;
    }
    releaseReserved();
    readHeld();
  }

  /** The body of the frame being read was made elsewhere: reading goes on with what was held. */
  private void bodyMade(AsyncResult<Buffer> made) {
    waiting = false;
    if (stopped) {
      return;
    }
    if (made.failed()) {
      refuse(new Refusal("overload", "no buffer for a " + expected + "-byte frame: " + made.cause()));
      return;
    }
    body = made.result();
    readHeld();
  }

  private void holdRest(Buffer chunk, int at, int end) {
    if (at < end) {
      held = chunk.slice(at, end);
    }
  }

  private void pauseReading() {
    if (!holding) {
      holding = true;
      reading.pause();
    }
  }

  /** Reads what was held while waiting; the socket reads again unless a frame in it waits in turn. */
  private void readHeld() {
    Buffer rest = held;
    held = null;
    if (rest != null) {
      read(rest);
    }
    if (!waiting && holding && !stopped) {
      holding = false;
      reading.resume();
    }
  }

  /** True when the frame may be read now; false when it is refused or waits for the budget. */
  private boolean onHeader(int length) {
    if (length < 2) {
      // The protocol's length is a signed int: negative is no length at all; 0 or 1 byte holds no object.
      refuse(new Refusal("malformed_frame", "bad frame length " + length));
      return false;
    }
    if (length > limit) {
      refuse(new Refusal("oversize", "frame of " + length + " bytes over the " + limit + "-byte limit"));
      return false;
    }
    if (budget.tryReserve(length)) {
      admit(length);
      return true;
    }
    // No body byte is read before its bytes are reserved: stop reading until the budget has room.
    pauseReading();
    waiting = true;
    waiter = budget.reserve(length, () -> reading.onLoop(() -> admitLate(length)));
    return false;
  }

  private void admitLate(int length) {
    waiting = false;
    waiter = null;
    if (stopped) {
      budget.release(length);
      return;
    }
    admit(length);
    readHeld();
  }

  private void admit(int length) {
    reserved = length;
    expected = length;
  }

  private void refuse(Refusal refusal) {
    stop();
    onRefusal.handle(refusal);
  }
}
