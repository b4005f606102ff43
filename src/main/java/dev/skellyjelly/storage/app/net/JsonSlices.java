package dev.skellyjelly.storage.app.net;

import com.fasterxml.jackson.core.Base64Variants;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.skellyjelly.storage.codecs.JsonArrayWriter;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.EncodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The JSON text of a frame a bridge writes, made by a streaming Jackson generator a slice at a time, each slice
 * at most a given number of array elements of the frame's {@code body} (a batch's events, written straight from
 * their records by {@link JsonArrayWriter}, and its screenshot refs), of bytes and of time,
 * so that the text of a 30 000-event batch never holds the event loop for long: written in one piece it took
 * 160 ms (p50) there, with ingestion waiting behind it. The text is byte for byte what Vert.x writes for the whole
 * frame (the same kind of generator, Vert.x's own value encoding; see {@link Form}), each slice in its own buffer.
 * A batch by itself ({@link #batch}), what a clustered consumer is sent, is written the same way.
 */
public final class JsonSlices {

  /**
   * Which of Vert.x's two texts of a JSON object to write. They differ only in characters outside the Basic
   * Multilingual Plane: Vert.x's byte generator escapes them as surrogate pairs ({@code \uD83D\uDE00}), its text
   * generator keeps them, encoded as UTF-8 afterwards.
   */
  public enum Form {
    /** As {@link JsonObject#toBuffer()} writes it (what the TCP bridge sent). */
    TO_BUFFER,
    /** As {@link JsonObject#encode()} writes it, in UTF-8 (what the SockJS bridge sent). */
    ENCODE
  }

  /**
   * Array elements per slice: a 30 000-event batch's text costs about 0.3 µs of CPU per event under C1 (9 ms a
   * batch written from its packed events, 20 ms from records read back), so a slice of events takes a fraction of a
   * millisecond, a few when the machine is busy.
   */
  public static final int SLICE_ELEMENTS = 400;

  /**
   * Bytes after which a slice ends at the next element whatever its count: elements with long texts (a window
   * title, a process name) make a slice no larger than this and its time in proportion.
   */
  public static final int SLICE_BYTES = 256 * 1024;

  /**
   * Time after which a slice, and an outbox's task, ends at the next element: 2 ms, so that a slice slowed by a
   * busy machine still ends well within 5 ms. (A garbage-collection pause inside a slice it cannot shorten.)
   */
  public static final long SLICE_NANOS = 2_000_000;

  /** Elements written between two looks at the clock (each look costs about as much as a tenth of an event). */
  private static final int CLOCK_EVERY = 8;

  /** Built as Vert.x builds its own, so that the text is the same (a constructed factory escapes surrogate pairs). */
  private static final JsonFactory FACTORY = JsonFactory.builder().build();

  private final SliceSink sink = new SliceSink();
  /** Counts the text's bytes without keeping any (see {@link #counting}). */
  private final boolean counting;
  /** Counting Vert.x's byte text: a batch's events are measured, not written ({@link JsonArrayWriter#countNext}). */
  private final boolean measuresEvents;
  /** Bytes of the text counted without being written. */
  private long measured;
  private final JsonGenerator gen;
  private List<Buffer> slices = new ArrayList<>();
  /** The buffers of slices made and not yet taken back ({@link #reuse}), and one taken back for the next slice. */
  private final SliceBuffers buffers = new SliceBuffers();
  private final Iterator<Map.Entry<String, Object>> frame;
  private final int headerBytes;
  private Iterator<Map.Entry<String, Object>> body;
  /** The keys of a batch written by itself ({@link #batch}); else null. */
  private Iterator<Map.Entry<String, Object>> bare;
  private JsonArrayWriter array;
  private boolean started;
  private boolean done;
  private int length;
  /** The length of the last slice made: the next one is sized like it. */
  private int lastSlice;

  /**
   * @param frame       what the bridge writes, whose {@code body}'s arrays (if any) are written in slices
   * @param headerBytes bytes left at the start of the first slice for the framing to fill in (a length prefix)
   * @param form        which of Vert.x's texts to write
   */
  public JsonSlices(JsonObject frame, int headerBytes, Form form) {
    this(frame, headerBytes, form, false);
  }

  /**
   * The same text, only counted: each slice is made and let go of, and {@link #length()} is the length the text
   * will have, so that a framing that puts the length first can then write the text slice by slice as it is made,
   * never holding it whole. In Vert.x's byte text ({@link Form#TO_BUFFER}) a batch's events are measured from their
   * records rather than written: counting a 30 000-event batch took about 12.5 ms in {@code bench}, against 15.5 ms
   * through a generator and 17.5 ms to write it.
   */
  public static JsonSlices counting(JsonObject frame, int headerBytes, Form form) {
    return new JsonSlices(frame, headerBytes, form, true);
  }

  /**
   * The text of a batch itself, not of a frame around it: what Vert.x writes for the batch's JSON form sent to a
   * clustered peer ({@link EdgeJsonCodec#toBuffer}), its arrays written as a frame's body's are.
   */
  static JsonSlices batch(JsonObject batch, Form form) {
    JsonSlices text = new JsonSlices(new JsonObject(), 0, form, false);
    text.bare = entries(batch);
    return text;
  }

  /** Whether {@code o} is a published batch whose events this class writes from their records. */
  static boolean isBatch(JsonObject o) {
    return o.getValue("events") instanceof JsonArray events && JsonArrayWriter.writesRecords(events);
  }

  private JsonSlices(JsonObject frame, int headerBytes, Form form, boolean counting) {
    this.counting = counting;
    this.measuresEvents = counting && form == Form.TO_BUFFER;
    this.frame = entries(frame);
    this.headerBytes = headerBytes;
    try {
      // The writer encodes as String.getBytes does: a surrogate pair as one character, a lone one as '?'.
      gen = form == Form.TO_BUFFER ? FACTORY.createGenerator(sink)
        : FACTORY.createGenerator(new OutputStreamWriter(sink, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** True once the whole text is written. */
  public boolean done() {
    return done;
  }

  /** The slices written so far, in order (none when only counting). */
  public List<Buffer> slices() {
    return slices;
  }

  /** The slices written since the last call, in order; they are no longer kept here. */
  public List<Buffer> takeSlices() {
    List<Buffer> taken = slices;
    slices = new ArrayList<>();
    return taken;
  }

  /** Bytes written (or counted) so far, the reserved header bytes included. */
  public int length() {
    return Math.toIntExact(length + measured);
  }

  /** Writes the next slice with no time bound: see {@link #writeSlice(int, long)}. */
  public int writeSlice(int budget) {
    return writeSlice(budget, Long.MAX_VALUE);
  }

  /**
   * Writes the next slice: at most {@code budget} elements of the body's arrays, and everything else up to the
   * next element past the budget, past {@link #SLICE_BYTES}, past {@code deadline} (a {@link System#nanoTime}
   * value; {@link Long#MAX_VALUE} for none), or the end; at least one element when any is left. Returns the number
   * of elements written.
   *
   * @throws EncodeException when a value has no JSON form (as {@link JsonObject#encode()} would)
   */
  public int writeSlice(int budget, long deadline) {
    if (done) {
      return 0;
    }
    // A written slice's bytes again, or a buffer sized like the slice before, so that it rarely grows (each growth
    // would copy it).
    Buffer spare = counting ? null : buffers.take();
    Buffer slice = counting ? null : spare != null ? spare : Buffer.buffer(lastSlice == 0 ? 8192 : lastSlice * 9 / 8);
    sink.target = slice;
    sink.at = 0;
    long begun = sink.count;
    int written = 0;
    try {
      if (!started) {
        started = true;
        sink.write(new byte[headerBytes], 0, headerBytes);
        gen.writeStartObject();
        // A batch by itself: its keys are the body's, and the text ends with it.
        body = bare;
      }
      while (!done && written < budget) {
        if (array != null) {
          if (array.hasNext()) {
            if (measuresEvents) {
              measured += array.countNext(gen);
            } else {
              array.writeNext(gen);
            }
            written++;
            if (full(sink.count - begun, written, deadline)) {
              break;
            }
          } else {
            gen.writeEndArray();
            array = null;
          }
        } else if (body != null) {
          if (body.hasNext()) {
            Map.Entry<String, Object> e = body.next();
            gen.writeFieldName(e.getKey());
            if (e.getValue() instanceof JsonArray a) {
              gen.writeStartArray();
              array = new JsonArrayWriter(a);
            } else {
              writeValue(e.getValue());
            }
          } else {
            gen.writeEndObject();
            body = null;
            done = bare != null;
          }
        } else if (frame.hasNext()) {
          Map.Entry<String, Object> e = frame.next();
          gen.writeFieldName(e.getKey());
          if (e.getKey().equals("body") && e.getValue() instanceof JsonObject b) {
            gen.writeStartObject();
            body = entries(b);
          } else {
            writeValue(e.getValue());
          }
        } else {
          gen.writeEndObject();
          done = true;
        }
      }
      gen.flush();
      if (done) {
        gen.close();
        buffers.close();
      }
    } catch (IOException e) {
      throw new EncodeException(e.getMessage(), e);
    }
    int made = (int) (sink.count - begun);
    if (made > 0) {
      if (slice != null) {
        // A large value (an image) filled buffers of SLICE_BYTES on the way; they go first, and the buffer the
        // slice began in is taken back for a later slice if it is the last one.
        if (sink.full != null) {
          slices.addAll(sink.full);
        }
        Buffer last = sink.target;
        int inLast = sink.at;
        if (inLast > 0) {
          // A buffer used before may be longer than this slice: the slice is its first bytes.
          Buffer out = last.length() == inLast ? last : last.slice(0, inLast);
          if (last == slice) {
            buffers.lent.put(out, slice);
          }
          slices.add(out);
        }
      }
      lastSlice = Math.min(made, SLICE_BYTES);
      length += made;
    }
    sink.target = null;
    sink.full = null;
    return written;
  }

  /**
   * An object's entries as they are held: {@link JsonObject#iterator()} would hand out bytes as base64 text made
   * whole, where {@link #writeValue} writes them a little at a time. A map or a list held raw is wrapped, as the
   * iterator would.
   */
  private static Iterator<Map.Entry<String, Object>> entries(JsonObject o) {
    Iterator<Map.Entry<String, Object>> held = o.getMap().entrySet().iterator();
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return held.hasNext();
      }

      @Override
      public Map.Entry<String, Object> next() {
        Map.Entry<String, Object> e = held.next();
        Object v = BridgeFrames.held(e.getValue());
        return v == e.getValue() ? e : Map.entry(e.getKey(), v);
      }
    };
  }

  /**
   * A value of the frame or of its body, as Vert.x writes it, but bytes (a screenshot's image in a fetch's reply) as
   * base64url text encoded straight from the buffer, a few kilobytes at a time: Vert.x's codec copies the bytes, makes
   * their text as a byte array and then a string (about 18 MB for a 5 MB image, in one event-loop task), where this
   * makes only the text's slices. Counting, the text's length is computed, not made.
   */
  private void writeValue(Object value) throws IOException {
    int size = byteLength(value);
    if (size < 0) {
      JacksonCodec.encodeJson(value, gen);
    } else if (counting) {
      gen.writeString("");
      measured += base64UrlLength(size);
    } else if (value instanceof Buffer b) {
      gen.writeBinary(Base64Variants.MODIFIED_FOR_URL, new BufferInput(b), size);
    } else {
      gen.writeBinary(Base64Variants.MODIFIED_FOR_URL, (byte[]) value, 0, size);
    }
  }

  /** The bytes a value holds when it is bytes (a {@link Buffer} or a {@code byte[]}), written as text; else -1. */
  static int byteLength(Object value) {
    return value instanceof Buffer b ? b.length() : value instanceof byte[] a ? a.length : -1;
  }

  /** The length of base64url text without padding for {@code bytes} bytes, as Vert.x writes bytes. */
  static long base64UrlLength(long bytes) {
    return bytes / 3 * 4 + (bytes % 3 == 0 ? 0 : bytes % 3 + 1);
  }

  /**
   * Takes back a slice of this text that was written and is referenced nowhere else any more (its socket write
   * completed): the next slice is made in its bytes instead of a new buffer, so a large frame written slice by slice
   * makes a few buffers rather than one per slice (7 MB of them for a 30 000-event batch, enough to set off
   * collections in the middle of its text). One is kept at a time; a slice this text did not make is ignored.
   */
  public void reuse(Buffer slice) {
    buffers.giveBack(slice);
  }

  /**
   * What {@link #reuse} does, as a handler that holds the text's buffers only, not the text: a write that completes
   * after the text is done keeps nothing of the frame (a batch's events) alive.
   */
  public Handler<Buffer> reuser() {
    return buffers::giveBack;
  }

  /** The buffers of a text's slices: those lent out, and the one given back for the next slice. */
  private static final class SliceBuffers {
    private final Map<Buffer, Buffer> lent = new IdentityHashMap<>();
    private Buffer spare;
    /** The text is done: nothing more is kept. */
    private boolean closed;

    Buffer take() {
      Buffer b = spare;
      spare = null;
      return b;
    }

    void giveBack(Buffer slice) {
      Buffer buffer = lent.remove(slice);
      if (buffer != null && spare == null && !closed) {
        spare = buffer;
      }
    }

    void close() {
      closed = true;
      spare = null;
    }
  }

  /** Whether the slice has reached its bytes, or (looked at every few elements) its deadline. */
  private boolean full(long made, int written, long deadline) {
    return made + gen.getOutputBuffered() >= SLICE_BYTES
      || deadline != Long.MAX_VALUE && written % CLOCK_EVERY == 0 && System.nanoTime() - deadline >= 0;
  }

  /**
   * Where the generator's bytes go: the slice being written, or nowhere while only counting. Once a buffer holds
   * {@link #SLICE_BYTES} (within a single large value: elements end a slice before), the bytes go on in a new one,
   * so that no buffer grows by copying itself.
   */
  private static final class SliceSink extends OutputStream {
    private Buffer target;
    /** Where the next byte goes in {@link #target} (a buffer used before holds older bytes beyond it). */
    private int at;
    /** Buffers of this slice already full, in order. */
    private List<Buffer> full;
    /** Bytes that came through, kept or not. */
    private long count;

    @Override
    public void write(int b) {
      count++;
      if (target != null) {
        roll();
        target.setByte(at++, (byte) b);
      }
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
      count += length;
      if (target != null) {
        roll();
        target.setBytes(at, bytes, offset, length);
        at += length;
      }
    }

    private void roll() {
      if (at >= SLICE_BYTES) {
        if (full == null) {
          full = new ArrayList<>();
        }
        full.add(target.length() == at ? target : target.slice(0, at));
        target = Buffer.buffer(SLICE_BYTES + 8192);
        at = 0;
      }
    }
  }
}
