package dev.skellyjelly.storage.app.net;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.EncodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.streams.WriteStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.List;

/**
 * A bridge connection's outgoing frames, written in the order they were sent. Each frame's text is made by
 * {@link JsonSlices}, at most {@link JsonSlices#SLICE_ELEMENTS} array elements and about
 * {@link JsonSlices#SLICE_NANOS} per event-loop task, so a batch of 30 000 events costs many short tasks instead of
 * one long one; a frame sent meanwhile waits its turn. The next
 * frame's text is begun only while the socket's write queue has room, so a reader that falls behind holds at most
 * one frame's text beyond its queue; a large frame behind a length prefix ({@link #STREAM_BYTES}) is counted first
 * and then written slice by slice, pausing while the queue is full, so not even that, each slice made in the bytes of
 * one already written where there is one. One per connection, on its event loop.
 */
final class FrameOutbox {

  /** How a frame's complete text goes out. */
  interface Framing {
    /**
     * Bytes reserved at the start of the first slice for a length prefix, filled in by {@link #prefix}; 0 for none:
     * the text then goes out as one message once complete.
     */
    int headerBytes();

    /** Fills in the length prefix of a text of {@code length} bytes (reserved ones included) in its first slice. */
    default void prefix(Buffer first, int length) {
    }

    /** Which of Vert.x's texts the bridge wrote before its text was made in slices. */
    JsonSlices.Form form();

    /** Writes the text, {@code length} bytes (reserved ones included) in {@code slices}; done once all is written. */
    Future<Void> write(WriteStream<Buffer> out, List<Buffer> slices, int length);
  }

  /** The TCP bridge's: a 4-byte big-endian length, then the text, each slice written as it is. */
  static final Framing LENGTH_PREFIXED = new Framing() {
    @Override
    public int headerBytes() {
      return TcpFraming.HEADER_BYTES;
    }

    @Override
    public JsonSlices.Form form() {
      return JsonSlices.Form.TO_BUFFER;
    }

    @Override
    public void prefix(Buffer first, int length) {
      first.setInt(0, length - TcpFraming.HEADER_BYTES);
    }

    @Override
    public Future<Void> write(WriteStream<Buffer> out, List<Buffer> slices, int length) {
      prefix(slices.get(0), length);
      Future<Void> last = null;
      for (Buffer slice : slices) {
        last = out.write(slice);
      }
      return last;
    }
  };

  /** SockJS's: the text as one message (SockJS then writes it into a frame of its own). */
  static final Framing WHOLE_MESSAGE = new Framing() {
    @Override
    public int headerBytes() {
      return 0;
    }

    @Override
    public JsonSlices.Form form() {
      return JsonSlices.Form.ENCODE;
    }

    @Override
    public Future<Void> write(WriteStream<Buffer> out, List<Buffer> slices, int length) {
      if (slices.size() == 1) {
        return out.write(slices.get(0));
      }
      Buffer message = Buffer.buffer(length);
      slices.forEach(message::appendBuffer);
      return out.write(message);
    }
  };

  /**
   * Told of the bytes a connection holds for its peer: the estimate of each frame while it waits, and the length
   * of each frame handed to the socket until the socket has written it.
   */
  interface Written {
    Written NONE = (length, done) -> { };

    /** A frame waits ({@code bytes} its estimate, positive), or waits no longer (negative: begun or dropped). */
    default void waiting(long bytes) {
    }

    void queued(int length, Future<Void> done);
  }

  /**
   * A waiting frame's own objects (its envelope, address and headers), what any frame is estimated at beside
   * what its body holds.
   */
  static final long FRAME_BYTES = 256;
  /**
   * One event or screenshot reference of a batch: about what its text takes (a batch of the usual mix is some
   * 230 bytes an event) and what its record and strings hold while the frame waits (HeldCost counts 200 bytes
   * an event and its strings).
   */
  static final long ELEMENT_BYTES = 256;
  /**
   * A frame estimated above this many bytes (a batch of more than about a thousand events), when the framing puts
   * its length first, has its text counted first and then written slice by slice as it is made: the text of a
   * 30 000-event batch (7 MB) is then never held whole, at the cost of a counting pass (its events measured from
   * their records, not written: {@link JsonSlices#counting}; a window's batch tells their length at once, measured as
   * they were gathered). A smaller frame is made whole and then written.
   */
  static final long STREAM_BYTES = JsonSlices.SLICE_BYTES;
  /** A batch's arrays, the elements {@link #ELEMENT_BYTES} counts. */
  private static final String[] BATCH_ARRAYS = {"events", "screenshot_refs"};

  private static final Logger LOG = LoggerFactory.getLogger(FrameOutbox.class);

  private final Context context;
  private final WriteStream<Buffer> out;
  private final Framing framing;
  private final Written written;
  private final ArrayDeque<Waiting> queue = new ArrayDeque<>();
  /** The frame being written, its text counted first when it is large ({@link #STREAM_BYTES}). */
  private Waiting begun;
  /** The large frame's text being counted, before it is written; else null. */
  private JsonSlices counting;
  /** The frame's text being written; else null. */
  private JsonSlices current;
  /** The length of the large frame being written, its slices going out as they are made; -1 for a frame written whole. */
  private int streamed = -1;
  /** The large frame's first slice, with its length, is out. */
  private boolean prefixed;
  /** A task to go on is scheduled, or the write queue's drain awaited. */
  private boolean waiting;
  private boolean closed;

  /** {@code context}: the connection's, where every call to this outbox is made. */
  FrameOutbox(Context context, WriteStream<Buffer> out, Framing framing) {
    this(context, out, framing, Written.NONE);
  }

  FrameOutbox(Context context, WriteStream<Buffer> out, Framing framing, Written written) {
    this.context = context;
    this.out = out;
    this.framing = framing;
    this.written = written;
  }

  /**
   * What a frame waiting here holds, in bytes: {@link #FRAME_BYTES}, and {@link #ELEMENT_BYTES} for each element
   * of its body's {@code events} and {@code screenshot_refs} (a batch's), or its body's bytes (a screenshot's image
   * in a fetch's reply) as text. Other bodies are small (replies, errors) or bounded where they are made (a query's
   * answer, CONTRACT 8).
   */
  static long estimate(JsonObject frame) {
    long bytes = FRAME_BYTES;
    Object held = BridgeFrames.body(frame);
    int image = JsonSlices.byteLength(held);
    if (image > 0) {
      bytes += JsonSlices.base64UrlLength(image);
    }
    if (held instanceof JsonObject body) {
      for (String key : BATCH_ARRAYS) {
        if (body.getValue(key) instanceof JsonArray array) {
          bytes += ELEMENT_BYTES * array.size();
        }
      }
    }
    return bytes;
  }

  /** Writes the frame's text after those sent before it: at once when nothing is pending and it is small. */
  void send(JsonObject frame) {
    if (closed) {
      return;
    }
    Waiting w = new Waiting(frame, estimate(frame));
    queue.add(w);
    written.waiting(w.bytes);
    if (!waiting) {
      pump();
    }
  }

  /**
   * Drops what is pending and writes this small frame now, the last before the connection closes. A frame's
   * slices are written together once complete, so this cannot land inside another frame.
   */
  void sendLast(JsonObject frame) {
    if (closed) {
      return;
    }
    boolean midFrame = streamed >= 0 && prefixed;
    close();
    if (midFrame) {
      // Part of a frame is out already: another would land inside it. The connection closes without it.
      return;
    }
    JsonSlices text = new JsonSlices(frame, framing.headerBytes(), framing.form());
    while (!text.done()) {
      text.writeSlice(Integer.MAX_VALUE);
    }
    written.queued(text.length(), framing.write(out, text.slices(), text.length()));
  }

  /** Writes nothing more; what is pending is dropped (the connection is gone). */
  void close() {
    closed = true;
    long dropped = 0;
    for (Waiting w : queue) {
      dropped += w.bytes;
    }
    queue.clear();
    if (counting != null) {
      dropped += begun.bytes;
    }
    if (dropped > 0) {
      written.waiting(-dropped);
    }
    begun = null;
    counting = null;
    current = null;
    streamed = -1;
  }

  private void pump() {
    waiting = false;
    int budget = JsonSlices.SLICE_ELEMENTS;
    long deadline = System.nanoTime() + JsonSlices.SLICE_NANOS;
    while (!closed && budget > 0 && System.nanoTime() - deadline < 0) {
      if (counting == null && current == null) {
        if (queue.isEmpty()) {
          return;
        }
        if (out.writeQueueFull()) {
          awaitDrain();
          return;
        }
        begun = queue.poll();
        if (framing.headerBytes() > 0 && begun.bytes > STREAM_BYTES) {
          counting = JsonSlices.counting(begun.frame, framing.headerBytes(), framing.form());
        } else {
          written.waiting(-begun.bytes);
          current = new JsonSlices(begun.frame, framing.headerBytes(), framing.form());
        }
      }
      try {
        if (counting != null) {
          budget -= counting.writeSlice(budget, deadline);
          if (counting.done()) {
            streamed = counting.length();
            prefixed = false;
            counting = null;
            written.waiting(-begun.bytes);
            current = new JsonSlices(begun.frame, framing.headerBytes(), framing.form());
          }
          continue;
        }
        if (streamed >= 0 && out.writeQueueFull()) {
          // The peer is behind: what is made of this frame waits in the socket's queue, nothing more is made.
          awaitDrain();
          return;
        }
        budget -= current.writeSlice(budget, deadline);
      } catch (EncodeException e) {
        LOG.warn("bridge: a frame could not be written as JSON: {}", e.getMessage());
        if (streamed >= 0 && prefixed) {
          // Cannot happen once its count went through (the same text); were it to, nothing after the part already
          // out could be read as a frame.
          close();
          return;
        }
        if (counting != null) {
          written.waiting(-begun.bytes);
        }
        begun = null;
        counting = null;
        current = null;
        streamed = -1;
        continue;
      }
      if (streamed >= 0) {
        writeMade();
      } else if (current.done()) {
        written.queued(current.length(), framing.write(out, current.slices(), current.length()));
        current = null;
        begun = null;
      }
    }
    if (!closed && (counting != null || current != null || !queue.isEmpty())) {
      waiting = true;
      context.runOnContext(v -> pump());
    }
  }

  /**
   * Writes the slices of a large frame made since the last, the first with the length counted ahead; each one's
   * buffer goes back to the text once the socket has written it, for a later slice ({@link JsonSlices#reuse}).
   */
  private void writeMade() {
    Handler<Buffer> reuse = current.reuser();
    for (Buffer slice : current.takeSlices()) {
      if (!prefixed) {
        framing.prefix(slice, streamed);
        prefixed = true;
      }
      Future<Void> done = out.write(slice);
      written.queued(slice.length(), done);
      done.onSuccess(v -> reuse.handle(slice));
    }
    if (current.done()) {
      if (current.length() != streamed) {
        throw new IllegalStateException("a frame's text came to " + current.length() + " bytes, counted " + streamed);
      }
      current = null;
      begun = null;
      streamed = -1;
    }
  }

  private void awaitDrain() {
    waiting = true;
    out.drainHandler(v -> {
      out.drainHandler(null);
      pump();
    });
  }

  /** A frame not yet begun, and what it was estimated to hold. */
  private record Waiting(JsonObject frame, long bytes) {
  }
}
