package dev.skellyjelly.storage.app.net;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;

/**
 * The TCP bridge's framing, Vert.x's: a 4-byte big-endian length, then that many bytes of UTF-8 JSON. Read with a
 * {@link RecordParser}: a fixed 4-byte size record, then the body as a fixed record of that size. A length over the
 * limit is refused as soon as its 4 bytes are read, before any of its body is buffered. One per connection, on its
 * event loop.
 *
 * <p>A body over {@link #PIECE_BYTES} is read as fixed records of that size into a buffer sized once to the
 * announced length: RecordParser holds a whole record three times over while handing it out (its own buffer, the
 * record's bytes, the record's buffer), and a maximum-size screenshot three times over does not fit in the heap
 * beside a full screenshot budget (MemoryIT ran out of heap).
 *
 * <p>Every frame's length is reserved against the shared {@link BridgeBudget} as soon as its header is read; when
 * the budget cannot cover it, the framing and the socket stop reading until it can. The bytes are released once
 * the frame was handed on (the handler returned) or the framing stopped.
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

  static final int HEADER_BYTES = 4;
  static final int PIECE_BYTES = 64 * 1024;

  private final RecordParser parser = RecordParser.newFixed(HEADER_BYTES);
  private final long limit;
  private final BridgeBudget budget;
  private final Reading reading;
  private final Handler<Buffer> onFrame;
  private final Handler<Refusal> onRefusal;
  /** Length of the frame being read, or -1 while reading its header. */
  private int expected = -1;
  /** The body of a frame over {@link #PIECE_BYTES} as far as read; null for a smaller one. */
  private Buffer body;
  private boolean stopped;
  /** Bytes of the frame being read that are reserved against the budget. */
  private long reserved;
  /** The frame's reservation while it waits for the budget, else null. */
  private BridgeBudget.Waiter waiter;

  /** {@code limit}: the largest frame admitted, in bytes; at most the budget's capacity. */
  TcpFraming(long limit, BridgeBudget budget, Reading reading, Handler<Buffer> onFrame, Handler<Refusal> onRefusal) {
    if (limit > budget.capacity()) {
      throw new IllegalArgumentException("a " + limit + "-byte frame could never fit the " + budget.capacity() + "-byte budget");
    }
    this.limit = limit;
    this.budget = budget;
    this.reading = reading;
    this.onFrame = onFrame;
    this.onRefusal = onRefusal;
    parser.handler(this::onRecord);
  }

  /** A frame as written to the client. */
  static Buffer encode(JsonObject frame) {
    Buffer payload = frame.toBuffer();
    return Buffer.buffer(payload.length() + HEADER_BYTES).appendInt(payload.length()).appendBuffer(payload);
  }

  /** Bytes as they arrive from the socket. */
  @Override
  public void handle(Buffer chunk) {
    if (!stopped) {
      parser.handle(chunk);
    }
  }

  /** Reads nothing more: after a refusal or when the connection closed. */
  void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    body = null;
    parser.pause();
    budget.cancel(waiter);
    waiter = null;
    releaseReserved();
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

  private void onRecord(Buffer record) {
    if (stopped) {
      return;
    }
    if (expected < 0) {
      onHeader(record.getInt(0));
      return;
    }
    Buffer frame = record;
    if (body != null) {
      body.appendBuffer(record);
      if (body.length() < expected) {
        parser.fixedSizeMode(Math.min(PIECE_BYTES, expected - body.length()));
        return;
      }
      frame = body;
      body = null;
    }
    expected = -1;
    parser.fixedSizeMode(HEADER_BYTES);
    try {
      onFrame.handle(frame);
    } finally {
      releaseReserved();
    }
  }

  private void onHeader(int length) {
    if (length < 2) {
      // The protocol's length is a signed int: negative is no length at all; 0 or 1 byte holds no object.
      refuse(new Refusal("malformed_frame", "bad frame length " + length));
    } else if (length > limit) {
      refuse(new Refusal("oversize", "frame of " + length + " bytes over the " + limit + "-byte limit"));
    } else if (budget.tryReserve(length)) {
      admit(length);
    } else {
      // No body byte is read before its bytes are reserved: stop reading until the budget has room.
      parser.pause();
      reading.pause();
      waiter = budget.reserve(length, () -> reading.onLoop(() -> admitLate(length)));
    }
  }

  private void admitLate(int length) {
    waiter = null;
    if (stopped) {
      budget.release(length);
      return;
    }
    admit(length);
    reading.resume();
    parser.resume();
  }

  private void admit(int length) {
    reserved = length;
    expected = length;
    if (length > PIECE_BYTES) {
      body = Buffer.buffer(length);
    }
    parser.fixedSizeMode(Math.min(PIECE_BYTES, length));
  }

  private void refuse(Refusal refusal) {
    stop();
    onRefusal.handle(refusal);
  }
}
