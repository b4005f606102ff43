package dev.skellyjelly.storage.codecs;

import com.fasterxml.jackson.core.JsonGenerator;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.RandomAccess;

/**
 * Events gathered for a batch, each measured as it is added: the bytes of its text in a published batch (its
 * {@code events} element in {@link io.vertx.core.json.JsonObject#toBuffer()}'s text, as {@link JsonArrayWriter}
 * writes it). A batch made of these events ({@link EventBatch#handOver}, the whole list or a {@link #subList})
 * tells its text's length without counting it, so the TCP bridge, which puts that length before the text, writes
 * a 30 000-event batch in one pass instead of two: the counting (0.4 µs an event under C1, about 12 ms a
 * 30 000-event batch on the event loop when the batch goes out) is spread over the events' arrival instead.
 *
 * <p>The events are kept packed, in their {@link WireFormat} form (ids as 16 bytes, the session of the list's first
 * event left out of every event of that session) in buffers of up to {@link #CHUNK_BYTES}: about 45 bytes a mouse
 * move or keystroke and 12 bytes of position and measure, where each event object with its id string took about
 * 150. {@link #get} reads the event anew each time, so an element is equal to the event added, not the same object.
 * A window of 30 000 events is then a few dozen arrays instead of 120 000 objects: what a full collection of the
 * module's small heap has to trace and move, and what its young collections promote, while the window is open.
 *
 * <p>It holds events as they are committed: one without a field the wire form requires (as {@link EventValidator}
 * requires it) is refused with an {@link IllegalArgumentException}. A list for one thread, like
 * {@link java.util.ArrayList}, though reading it from several threads at once is
 * safe once it stops changing; it holds no nulls. The batcher keeps one for each window it records (up to 20 000 of
 * them, most holding a few events when a producer starts a session for every event), so an empty one holds no
 * arrays and a list's first buffer starts at {@link #FIRST_CHUNK_BYTES}; the scratch space for measuring is the
 * thread's, not the list's.
 */
public final class MeasuredEvents extends AbstractList<RawEvent> implements RandomAccess {

  /** A buffer of packed events is closed past this many bytes; a new one is begun for the next event. */
  static final int CHUNK_BYTES = 64 * 1024;
  /** The first buffer's capacity, grown by doubling (by Netty) up to {@link #CHUNK_BYTES}. */
  static final int FIRST_CHUNK_BYTES = 64;
  /** Room left at a buffer's end for one more event (most take under 100 bytes) before a new buffer is begun. */
  private static final int CHUNK_ROOM = 1024;
  private static final Buffer[] NO_CHUNKS = {};
  private static final long[] NO_POSITIONS = {};
  private static final int[] NO_BYTES = {};
  private static final int FIRST_CAPACITY = 8;
  /** A buffer's objects beside its array (Vert.x's buffer, Netty's, the array's header), on the high side. */
  private static final int CHUNK_OBJECT_BYTES = 128;
  private static final ThreadLocal<JsonTextScratch> SCRATCH = ThreadLocal.withInitial(JsonTextScratch::new);

  private Buffer[] chunks;
  private int chunkCount;
  /** Where each event starts: its buffer's index in the high 32 bits, its offset in the low. */
  private long[] positions;
  private int[] textBytes;
  private int size;
  /** The session of the first event added since the list was empty: left out of its events' packed form. */
  private String session;
  /** {@link #heldBytes} of the buffers before the last one. */
  private long earlierChunksBytes;

  public MeasuredEvents() {
    chunks = NO_CHUNKS;
    positions = NO_POSITIONS;
    textBytes = NO_BYTES;
  }

  /** The events of {@code from}, measured. */
  public MeasuredEvents(Collection<RawEvent> from) {
    this();
    addAll(from);
  }

  @Override
  public boolean add(RawEvent e) {
    Objects.requireNonNull(e, "event");
    if (size == positions.length) {
      int grown = Math.max(FIRST_CAPACITY, size + (size >> 1));
      positions = Arrays.copyOf(positions, grown);
      textBytes = Arrays.copyOf(textBytes, grown);
    }
    if (size == 0) {
      session = e.sessionId() != null ? e.sessionId() : "";
    }
    textBytes[size] = Math.toIntExact(JsonForm.BATCH_EVENT.textLength(e, SCRATCH.get()));
    Buffer chunk = chunkCount == 0 || chunks[chunkCount - 1].length() > CHUNK_BYTES - CHUNK_ROOM ? newChunk()
      : chunks[chunkCount - 1];
    long at = (long) (chunkCount - 1) << 32 | chunk.length();
    try {
      WireFormat.writeEvent(chunk, e, true, session);
    } catch (NullPointerException missing) {
      // What it wrote of the event stays unreferenced at the buffer's end.
      throw new IllegalArgumentException("a " + e.eventType().wireName() + " event without a field every committed event has",
        missing);
    }
    positions[size++] = at;
    modCount++;
    return true;
  }

  private Buffer newChunk() {
    if (chunkCount > 0) {
      earlierChunksBytes += chunkBytes(chunkCount - 1);
    }
    if (chunkCount == chunks.length) {
      chunks = Arrays.copyOf(chunks, Math.max(1, chunkCount * 2));
    }
    Buffer chunk = Buffer.buffer(chunkCount == 0 ? FIRST_CHUNK_BYTES : CHUNK_BYTES);
    chunks[chunkCount++] = chunk;
    return chunk;
  }

  /**
   * The heap this list holds, in bytes: its buffers at their capacity (Netty doubles a buffer's array as it grows)
   * with their objects, and its arrays. Events taken out keep their packed bytes until the list is cleared.
   */
  public long heldBytes() {
    long n = 48 + (positions.length == 0 ? 0 : 32 + 12L * positions.length)
      + (chunks.length == 0 ? 0 : 16 + 4L * chunks.length) + earlierChunksBytes;
    return chunkCount == 0 ? n : n + chunkBytes(chunkCount - 1);
  }

  private long chunkBytes(int i) {
    int length = chunks[i].length();
    int capacity = Math.max(i == 0 ? FIRST_CHUNK_BYTES : CHUNK_BYTES, length <= 1 ? 1 : Integer.highestOneBit(length - 1) << 1);
    return CHUNK_OBJECT_BYTES + capacity;
  }

  @Override
  public RawEvent get(int index) {
    Objects.checkIndex(index, size);
    long at = positions[index];
    Buffer chunk = chunks[(int) (at >>> 32)];
    return WireFormat.readEvent(new WireFormat.Reader(chunk, (int) at, chunk.length(), true), session);
  }

  /**
   * Writes event {@code index} of {@code events} as a published batch's text carries it ({@link JsonForm#BATCH_EVENT}):
   * from its packed bytes ({@link PackedEventText}) when {@code events} is such a list or a view of one, else from its
   * record.
   */
  static void writeBatchText(List<?> events, int index, JsonGenerator gen, JsonTextScratch scratch)
    throws IOException {
    if (events instanceof MeasuredEvents m) {
      m.writeBatchText(index, gen, scratch);
    } else if (events instanceof Range r) {
      Objects.checkIndex(index, r.size());
      r.all.writeBatchText(r.from + index, gen, scratch);
    } else {
      JsonForm.BATCH_EVENT.write(events.get(index), gen, scratch);
    }
  }

  private void writeBatchText(int index, JsonGenerator gen, JsonTextScratch scratch) throws IOException {
    Objects.checkIndex(index, size);
    long at = positions[index];
    if (!PackedEventText.write(chunks[(int) (at >>> 32)], (int) at, session, gen, scratch)) {
      JsonForm.BATCH_EVENT.write(get(index), gen, scratch);
    }
  }

  /**
   * The screenshots among a batch's events ({@link EventBatch#handOver} of such a list or a view of one), in order:
   * only they are read back, each event's type read from its packed bytes; of any other list every event is looked at.
   */
  public static List<Screenshot> screenshots(List<RawEvent> events) {
    List<?> given = EventBatch.given(events);
    MeasuredEvents packed = given instanceof MeasuredEvents m ? m : given instanceof Range r ? r.all : null;
    List<Screenshot> shots = new ArrayList<>(1);
    if (packed == null) {
      for (RawEvent e : events) {
        if (e.data() instanceof Screenshot s) {
          shots.add(s);
        }
      }
      return shots;
    }
    int from = given instanceof Range r ? r.from : 0;
    for (int i = from; i < from + given.size(); i++) {
      if (packed.isScreenshot(i) && packed.get(i).data() instanceof Screenshot s) {
        shots.add(s);
      }
    }
    return shots;
  }

  /** Whether the event at {@code index} may be a screenshot: its type as packed, or true when that is not told. */
  private boolean isScreenshot(int index) {
    long at = positions[index];
    Buffer chunk = chunks[(int) (at >>> 32)];
    int typeAt = PackedEventText.typeAt(chunk, (int) at);
    return typeAt < 0 || chunk.getByte(typeAt) == EventType.SCREENSHOT.code();
  }

  @Override
  public RawEvent remove(int index) {
    RawEvent removed = get(index);
    int after = size - index - 1;
    // Its packed bytes stay where they are until the list is cleared or dropped.
    System.arraycopy(positions, index + 1, positions, index, after);
    System.arraycopy(textBytes, index + 1, textBytes, index, after);
    size--;
    modCount++;
    return removed;
  }

  @Override
  public void clear() {
    chunks = NO_CHUNKS;
    chunkCount = 0;
    positions = NO_POSITIONS;
    textBytes = NO_BYTES;
    session = null;
    earlierChunksBytes = 0;
    size = 0;
    modCount++;
  }

  @Override
  public int size() {
    return size;
  }

  /** A view of events {@code from} to {@code to}, whose text is as measured: see {@link #textBytes(List)}. */
  @Override
  public List<RawEvent> subList(int from, int to) {
    Objects.checkFromToIndex(from, to, size);
    return new Range(this, from, to);
  }

  /**
   * The bytes of the events' texts in a published batch, separators not included; -1 when {@code events} is not
   * measured: neither these events nor a view of them.
   */
  static long textBytes(List<?> events) {
    if (events instanceof MeasuredEvents m) {
      return m.sum(0, m.size);
    }
    if (events instanceof Range r) {
      return r.textBytes();
    }
    return -1;
  }

  private long sum(int from, int to) {
    long n = 0;
    for (int i = from; i < to; i++) {
      n += textBytes[i];
    }
    return n;
  }

  /** Part of the events, read-only; it must not outlive a change of the list it views (as a batch's part). */
  private static final class Range extends AbstractList<RawEvent> implements RandomAccess {
    private final MeasuredEvents all;
    private final int from;
    private final int to;
    private final int expectedModCount;

    Range(MeasuredEvents all, int from, int to) {
      this.all = all;
      this.from = from;
      this.to = to;
      this.expectedModCount = all.modCount;
    }

    @Override
    public RawEvent get(int index) {
      Objects.checkIndex(index, to - from);
      return all.get(from + index);
    }

    @Override
    public int size() {
      return to - from;
    }

    long textBytes() {
      return all.modCount == expectedModCount ? all.sum(from, to) : -1;
    }
  }
}
