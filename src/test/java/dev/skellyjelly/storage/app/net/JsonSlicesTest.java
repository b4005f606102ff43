package dev.skellyjelly.storage.app.net;

import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.EventBatch;
import dev.skellyjelly.storage.codecs.EventData;
import dev.skellyjelly.storage.codecs.EventJson;
import dev.skellyjelly.storage.codecs.ImageFormat;
import dev.skellyjelly.storage.codecs.Keystroke;
import dev.skellyjelly.storage.codecs.MeasuredEvents;
import dev.skellyjelly.storage.codecs.MouseClick;
import dev.skellyjelly.storage.codecs.MouseMove;
import dev.skellyjelly.storage.codecs.ProcessEvent;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.ResourceUsage;
import dev.skellyjelly.storage.codecs.Screenshot;
import dev.skellyjelly.storage.codecs.ScreenshotRef;
import dev.skellyjelly.storage.codecs.ScreenshotStorage;
import dev.skellyjelly.storage.codecs.WindowFocus;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The text a bridge consumer of {@code skelly.event-batch.json} gets, made in slices: byte for byte what the whole
 * frame encoded at once gives, for every kind of event, screenshot refs, late, replayed and split batches; no
 * slice past its bound of events; frames written whole and in order, a long one not in the task that sent it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class JsonSlicesTest {

  private static final long T0 = 1_795_600_000_000L;
  private static final String SESSION = "5b1d0000-0000-4000-8000-000000000001";

  private Vertx vertx;

  @AfterEach
  void close() {
    if (vertx != null) {
      vertx.close().await();
    }
  }

  @Test
  void slicedTextIsByteForByteTheFrameEncodedWhole() {
    for (boolean late : new boolean[]{false, true}) {
      for (boolean replayed : new boolean[]{false, true}) {
        for (int events : new int[]{0, 1, 7, JsonSlices.SLICE_ELEMENTS, 3 * JsonSlices.SLICE_ELEMENTS + 5}) {
          // A window's events are packed as the batcher gathers them (written from their bytes), a read-back
          // window's are records: both texts are Vert.x's, in both forms.
          JsonObject frame = frame(batch(events, late, replayed, late ? 1 : 0, late ? 3 : 1, replayed));
          byte[] whole = TcpFraming.encode(frame).getBytes();
          // Compared as Latin-1 text, so that a difference shows where it is; each byte is one character.
          assertEquals(latin1(whole), latin1(sliced(frame, JsonSlices.SLICE_ELEMENTS)),
            events + " events, late " + late + ", replayed " + replayed);
          assertEquals(latin1(frame.encode().getBytes(StandardCharsets.UTF_8)), latin1(sliced(frame, 1, 0, JsonSlices.Form.ENCODE)));
        }
      }
    }
  }

  @Test
  void anImageInAReplyIsItsBase64urlTextAsVertxWritesItInBuffersOfBoundedSize() {
    java.util.Random random = new java.util.Random(7);
    for (int size : new int[]{0, 1, 2, 3, 4, 5, 1000, 3 * JsonSlices.SLICE_BYTES + 2}) {
      byte[] image = new byte[size];
      random.nextBytes(image);
      for (Object body : new Object[]{Buffer.buffer(image), image}) {
        JsonObject reply = new JsonObject().put("type", "message").put("address", "reply-1")
          .put("headers", new JsonObject().put("format", "png")).put("body", body).put("send", true);
        String kind = size + " bytes as " + body.getClass().getSimpleName();
        assertEquals(latin1(TcpFraming.encode(reply).getBytes()), latin1(sliced(reply, JsonSlices.SLICE_ELEMENTS)), kind);
        assertEquals(latin1(reply.encode().getBytes(StandardCharsets.UTF_8)),
          latin1(sliced(reply, 1, 0, JsonSlices.Form.ENCODE)), kind);
        // An image's text (its length counted first, as the outbox does) goes out in buffers of about SLICE_BYTES.
        JsonSlices text = new JsonSlices(reply, TcpFraming.HEADER_BYTES, JsonSlices.Form.TO_BUFFER);
        text.writeSlice(JsonSlices.SLICE_ELEMENTS);
        assertTrue(text.done(), kind + ": one slice");
        List<Buffer> buffers = text.slices();
        assertEquals(size < JsonSlices.SLICE_BYTES ? 1 : 4, buffers.size(), kind);
        for (int i = 0; i < buffers.size(); i++) {
          int length = buffers.get(i).length();
          assertTrue(length <= JsonSlices.SLICE_BYTES + 8192, kind + ": buffer " + i + " of " + length + " bytes");
          assertTrue(i == buffers.size() - 1 || length >= JsonSlices.SLICE_BYTES, kind + ": buffer " + i + " full");
        }
      }
    }
  }

  @Test
  void noSliceHoldsMoreEventsThanItsBound() {
    int events = 2 * JsonSlices.SLICE_ELEMENTS + 17;
    JsonSlices text = new JsonSlices(frame(batch(events, false, false, 0, 1)), 0, JsonSlices.Form.TO_BUFFER);
    int written = 0;
    int slices = 0;
    while (!text.done()) {
      int n = text.writeSlice(JsonSlices.SLICE_ELEMENTS);
      assertTrue(n <= JsonSlices.SLICE_ELEMENTS, n + " elements in one slice");
      written += n;
      slices++;
    }
    // Every event and every screenshot ref, once.
    assertEquals(events + refs(events).size(), written);
    assertTrue(slices >= 3, slices + " slices");
    int eventsSeen = 0;
    for (Buffer slice : text.slices()) {
      int inSlice = count(slice.toString(StandardCharsets.UTF_8), "\"id\":\"8a6f0c1e-");
      assertTrue(inSlice <= JsonSlices.SLICE_ELEMENTS, inSlice + " events in one slice");
      eventsSeen += inSlice;
    }
    assertEquals(events, eventsSeen);
  }

  @Test
  void sessionIdsAndTimestampsOfEveryShapeAreWrittenAsVertxWritesThem() {
    // A batch's events normally share one ASCII session id; these do not, and some ids need escaping or lie
    // outside ASCII, and some timestamps lie outside the years 0 to 9999 (written as Instant writes them).
    String[] sessions = {SESSION, "sé\"ss\\ion\n😀", SESSION, "\uD800 lone", "plain", "plain", null, SESSION};
    long[] times = {T0, -62_167_219_200_001L, 253_402_300_800_000L, 0, -1, T0 + 86_400_000L, Long.MAX_VALUE / 2, T0};
    List<RawEvent> list = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      list.add(new RawEvent("8a6f0c1e-" + i, sessions[i % sessions.length], times[i % times.length], data(i)));
    }
    JsonObject frame = frame(EventJson.encode(new EventBatch("0b5e55ed-0000-4000-8000-00000000000b", SESSION, T0,
      T0 + 30_000, 0, 1, false, false, list, List.of())));
    assertEquals(latin1(TcpFraming.encode(frame).getBytes()), latin1(sliced(frame, 7)));
    assertEquals(latin1(frame.encode().getBytes(StandardCharsets.UTF_8)),
      latin1(sliced(frame, 7, 0, JsonSlices.Form.ENCODE)));
  }

  @Test
  void everyCharacterAndNumberIsCountedAsVertxWritesIt() {
    // Each UTF-16 unit alone (control characters, quotes, two- and three-byte ones, lone surrogate halves), in a
    // window title, an app name and as a session id; pairs; numbers at their extremes; doubles not finite.
    List<RawEvent> list = new ArrayList<>();
    for (int c = 0; c <= Character.MAX_VALUE; c++) {
      String s = "a" + (char) c;
      list.add(new RawEvent("8a6f0c1e-" + c, c % 7 == 0 ? s : SESSION, T0 + c, new WindowFocus(s, (char) c + "x", c, null)));
    }
    list.add(new RawEvent("e", "😀", T0, new WindowFocus("😀 \uDBFF\uDFFF", "\uDC00\uD800", Long.MIN_VALUE, Long.MAX_VALUE)));
    double[] doubles = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, Double.MIN_VALUE,
      Double.MAX_VALUE, 1e-7, 1e21, 123456789.125, -2400.5};
    for (double d : doubles) {
      list.add(new RawEvent("d", SESSION, T0, new MouseMove(Integer.MIN_VALUE, Integer.MAX_VALUE, d)));
      list.add(new RawEvent("r", SESSION, Long.MIN_VALUE / 4, new ResourceUsage(d, 0, -d, d / 3)));
    }
    list.add(new RawEvent("k", SESSION, 0, new Keystroke(0, new Keystroke.Modifiers(true, true, true, true), -1L)));
    JsonObject frame = frame(EventJson.encode(new EventBatch("0b5e55ed-0000-4000-8000-00000000000b", SESSION, T0,
      T0 + 30_000, 0, 1, false, false, list, refs(40))));
    assertEquals(frame.toBuffer().length() + TcpFraming.HEADER_BYTES,
      counted(frame, JsonSlices.SLICE_ELEMENTS, TcpFraming.HEADER_BYTES));
    assertEquals(latin1(TcpFraming.encode(frame).getBytes()), latin1(sliced(frame, JsonSlices.SLICE_ELEMENTS)));
  }

  @Test
  void eventsMeasuredAsTheyAreGatheredCountAsTheirTextInEveryPart() {
    // A window's events as the batcher gathers them (those that could be committed: a keystroke has its modifiers,
    // a screenshot its region), some taken out again (a deletion), published in parts.
    MeasuredEvents gathered = new MeasuredEvents();
    for (int i = 0; i < 3 * JsonSlices.SLICE_ELEMENTS + 40; i++) {
      EventData data = data(i);
      if (data instanceof Keystroke k && k.modifiers() == null || data instanceof Screenshot s && s.screenRegion() == null) {
        continue;
      }
      gathered.add(new RawEvent(String.format("8a6f0c1e-0000-4000-8000-%012d", i), i % 50 == 0 ? "sé\"ss😀" : SESSION,
        T0 + i * 7919L, data));
    }
    gathered.removeIf(e -> e.id().endsWith("3"));
    int n = gathered.size();
    int[] bounds = {0, 1, n / 3, n - 1, n};
    for (int b = 0; b + 1 < bounds.length; b++) {
      List<RawEvent> part = gathered.subList(bounds[b], bounds[b + 1]);
      JsonObject frame = frame(EventJson.encode(new EventBatch("0b5e55ed-0000-4000-8000-00000000000b", SESSION, T0,
        T0 + 30_000, b, 4, false, false, EventBatch.handOver(part), refs(40))));
      assertEquals(frame.toBuffer().length() + TcpFraming.HEADER_BYTES,
        counted(frame, JsonSlices.SLICE_ELEMENTS, TcpFraming.HEADER_BYTES), "part " + b + " of " + part.size());
      assertEquals(latin1(TcpFraming.encode(frame).getBytes()), latin1(sliced(frame, JsonSlices.SLICE_ELEMENTS)));
    }
  }

  @Test
  void slicesWrittenAndTakenBackHoldTheNextOnesSoALargeTextMakesFewBuffers() {
    JsonObject frame = frame(batch(20 * JsonSlices.SLICE_ELEMENTS, false, false, 0, 1));
    byte[] whole = TcpFraming.encode(frame).getBytes();
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long tid = Thread.currentThread().getId();
    long[] allocated = new long[2];
    for (boolean reuse : new boolean[]{false, true}) {
      long least = Long.MAX_VALUE;
      for (int round = 0; round < 3; round++) {
        long before = threads.getThreadAllocatedBytes(tid);
        JsonSlices text = new JsonSlices(frame, TcpFraming.HEADER_BYTES, JsonSlices.Form.TO_BUFFER);
        byte[] bytes = new byte[whole.length];
        int at = 0;
        while (!text.done()) {
          text.writeSlice(JsonSlices.SLICE_ELEMENTS);
          for (Buffer slice : text.takeSlices()) {
            // As a socket writes it: its bytes copied out, then the slice is let go of.
            slice.getBytes(bytes, at);
            at += slice.length();
            if (reuse) {
              text.reuse(slice);
            }
          }
        }
        ByteBuffer.wrap(bytes).putInt(0, text.length() - TcpFraming.HEADER_BYTES);
        least = Math.min(least, threads.getThreadAllocatedBytes(tid) - before - whole.length);
        assertEquals(whole.length, at);
        assertEquals(latin1(whole), latin1(bytes), "reuse " + reuse);
      }
      allocated[reuse ? 1 : 0] = least;
    }
    // A new buffer a slice is the whole text once more; taken back, a few of them.
    assertTrue(allocated[0] - allocated[1] > whole.length * 9 / 10,
      allocated[0] + " bytes without reuse, " + allocated[1] + " with, text " + whole.length);
  }

  @Test
  void aSliceEndsPastItsBytesAndPastItsDeadlineAfterAtLeastOneElement() {
    // Events of 10 kB each (a long window title): 400 of them would make a 4 MB slice.
    List<RawEvent> list = new ArrayList<>();
    String title = "t".repeat(10_000);
    for (int i = 0; i < 100; i++) {
      list.add(new RawEvent("8a6f0c1e-" + i, SESSION, T0 + i, new WindowFocus(title, "app", 1, null)));
    }
    JsonObject frame = frame(EventJson.encode(new EventBatch("0b5e55ed-0000-4000-8000-00000000000b", SESSION, T0,
      T0 + 30_000, 0, 1, false, false, list, List.of())));
    JsonSlices text = new JsonSlices(frame, 0, JsonSlices.Form.TO_BUFFER);
    while (!text.done()) {
      text.writeSlice(JsonSlices.SLICE_ELEMENTS);
    }
    for (Buffer slice : text.slices()) {
      assertTrue(slice.length() < JsonSlices.SLICE_BYTES + 11_000, slice.length() + " bytes in one slice");
    }
    assertTrue(text.slices().size() >= 4, text.slices().size() + " slices");
    Buffer whole = Buffer.buffer();
    text.slices().forEach(whole::appendBuffer);
    assertEquals(latin1(frame.toBuffer().getBytes()), latin1(whole.getBytes()));
    // A deadline already past: one element per slice, and still the whole text.
    JsonObject small = frame(batch(3 * JsonSlices.SLICE_ELEMENTS, false, false, 0, 1));
    JsonSlices late = new JsonSlices(small, 0, JsonSlices.Form.TO_BUFFER);
    List<Integer> counts = new ArrayList<>();
    while (!late.done()) {
      counts.add(late.writeSlice(JsonSlices.SLICE_ELEMENTS, System.nanoTime() - 1));
    }
    assertTrue(counts.stream().allMatch(n -> n <= 8), "at most one look at the clock's worth: " + counts);
    assertEquals(3 * JsonSlices.SLICE_ELEMENTS + refs(3 * JsonSlices.SLICE_ELEMENTS).size(),
      counts.stream().mapToInt(Integer::intValue).sum());
    Buffer all = Buffer.buffer();
    late.slices().forEach(all::appendBuffer);
    assertEquals(latin1(small.toBuffer().getBytes()), latin1(all.getBytes()));
  }

  @Test
  void outboxWritesFramesWholeInOrderAndALongOneOverSeveralTasks() throws Exception {
    vertx = Vertx.vertx();
    Context context = vertx.getOrCreateContext();
    RecordingStream socket = new RecordingStream();
    JsonObject big = frame(batch(4 * JsonSlices.SLICE_ELEMENTS, false, false, 0, 1));
    JsonObject pong = new JsonObject().put("type", "pong");
    List<Integer> writtenInSendingTask = new CopyOnWriteArrayList<>();
    context.runOnContext(v -> {
      FrameOutbox outbox = new FrameOutbox(context, socket, FrameOutbox.LENGTH_PREFIXED);
      outbox.send(big);
      outbox.send(pong);
      writtenInSendingTask.add(socket.writes.size());
    });
    Buffer expected = TcpFraming.encode(big).appendBuffer(TcpFraming.encode(pong));
    socket.awaitBytes(expected.length());
    assertEquals(List.of(0), writtenInSendingTask, "a 1600-event frame is not made in the task that sent it");
    assertArrayEquals(expected.getBytes(), socket.bytes().getBytes());
  }

  @Test
  void aFiveMegabyteImageInAReplyCostsTheEventLoopLittleMoreThanItsText() throws Exception {
    vertx = Vertx.vertx();
    Context context = vertx.getOrCreateContext();
    RecordingStream socket = new RecordingStream();
    byte[] image = new byte[5 << 20];
    new java.util.Random(5).nextBytes(image);
    JsonObject reply = new JsonObject().put("type", "message").put("address", "reply-1")
      .put("headers", new JsonObject().put("format", "png")).put("body", Buffer.buffer(image)).put("send", true);
    Buffer expected = TcpFraming.encode(reply);
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory
      .getThreadMXBean();
    java.util.concurrent.atomic.AtomicLong allocated = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicReference<Thread> loop = new java.util.concurrent.atomic.AtomicReference<>();
    context.runOnContext(v -> {
      loop.set(Thread.currentThread());
      allocated.set(threads.getCurrentThreadAllocatedBytes());
      new FrameOutbox(context, socket, FrameOutbox.LENGTH_PREFIXED).send(reply);
    });
    socket.awaitBytes(expected.length());
    CompletableFuture<Long> after = new CompletableFuture<>();
    context.runOnContext(v -> after.complete(threads.getCurrentThreadAllocatedBytes() - allocated.get()));
    long used = after.get(10, TimeUnit.SECONDS);
    assertArrayEquals(expected.getBytes(), socket.bytes().getBytes());
    // Its text is 7 MB, and the recording stream copies what it is given, as a socket does: 14 MB. When the image was
    // looked at through JsonObject (getValue, the iterator: each makes it base64 text whole, about 18 MB) and the text
    // grew one buffer by copying it, the same reply took 73 MB.
    System.out.println("JsonSlicesTest: a 5 MB image's reply, a text of " + expected.length() + " bytes: "
      + used + " bytes allocated on the event loop");
    assertTrue(used < 2L * expected.length() + (2 << 20), "the event loop allocated " + used + " bytes for a text of "
      + expected.length());
    assertTrue(socket.writes.size() >= expected.length() / JsonSlices.SLICE_BYTES - 1,
      "written in buffers of about SLICE_BYTES: " + socket.writes.size());
  }

  @Test
  void smallFramesAreWrittenAtOnceAndNothingIsMadeWhileTheWriteQueueIsFull() throws Exception {
    vertx = Vertx.vertx();
    Context context = vertx.getOrCreateContext();
    RecordingStream socket = new RecordingStream();
    JsonObject pong = new JsonObject().put("type", "pong");
    List<Integer> written = new CopyOnWriteArrayList<>();
    context.runOnContext(v -> {
      FrameOutbox outbox = new FrameOutbox(context, socket, FrameOutbox.LENGTH_PREFIXED);
      outbox.send(pong);
      written.add(socket.writes.size());
      socket.full.set(true);
      outbox.send(pong);
      written.add(socket.writes.size());
      vertx.setTimer(20, t -> {
        written.add(socket.writes.size());
        socket.drain();
      });
    });
    socket.awaitBytes(2 * TcpFraming.encode(pong).length());
    assertEquals(List.of(1, 1, 1), written, "the second frame waits for the write queue to drain");
    assertArrayEquals(TcpFraming.encode(pong).appendBuffer(TcpFraming.encode(pong)).getBytes(), socket.bytes().getBytes());
  }

  // ---------------------------------------------------------------- helpers

  /** The frame the TCP bridge writes for a consumer of the JSON form, around what the consumer receives. */
  private static JsonObject frame(JsonObject published) {
    return new JsonObject().put("type", "message").put("address", Addresses.EVENT_BATCH_JSON)
      .put("headers", new JsonObject()).put("body", published.copy()).put("send", false);
  }

  private static byte[] sliced(JsonObject frame, int budget) {
    return sliced(frame, budget, TcpFraming.HEADER_BYTES, JsonSlices.Form.TO_BUFFER);
  }

  private static byte[] sliced(JsonObject frame, int budget, int header, JsonSlices.Form form) {
    JsonSlices text = new JsonSlices(frame, header, form);
    while (!text.done()) {
      text.writeSlice(budget);
    }
    Buffer all = Buffer.buffer();
    text.slices().forEach(all::appendBuffer);
    if (header > 0) {
      all.setInt(0, text.length() - header);
    }
    assertEquals(text.length(), all.length());
    if (form == JsonSlices.Form.TO_BUFFER) {
      assertEquals(all.length(), counted(frame, budget, header), "the text's length counted before it is written");
    }
    return all.getBytes();
  }

  /** The length of the frame's byte text as counted ahead of it, its events measured rather than written. */
  private static int counted(JsonObject frame, int budget, int header) {
    JsonSlices count = JsonSlices.counting(frame, header, JsonSlices.Form.TO_BUFFER);
    while (!count.done()) {
      count.writeSlice(budget);
      assertTrue(count.slices().isEmpty(), "a count keeps no text");
    }
    return count.length();
  }

  private static JsonObject batch(int events, boolean late, boolean replayed, int part, int parts) {
    return batch(events, late, replayed, part, parts, false);
  }

  private static JsonObject batch(int events, boolean late, boolean replayed, int part, int parts, boolean packed) {
    List<RawEvent> list = packed ? new MeasuredEvents() : new ArrayList<>();
    for (int i = 0; i < events; i++) {
      try {
        list.add(new RawEvent(String.format("8a6f0c1e-0000-4000-8000-%012d", i), SESSION, T0 + i, data(i)));
      } catch (IllegalArgumentException neverCommitted) {
        // A window's packed list holds only events that could be committed (a plain list takes any).
      }
    }
    return EventJson.encode(new EventBatch("0b5e55ed-0000-4000-8000-00000000000b", SESSION, T0, T0 + 30_000,
      part, parts, late, replayed, packed ? EventBatch.handOver(list) : list, refs(events)));
  }

  /** Every kind of event, with the values JSON text must escape or keep exactly. */
  private static EventData data(int i) {
    return switch (i % 9) {
      case 0 -> new Keystroke(13 + i, new Keystroke.Modifiers(i % 2 == 0, false, true, false), (long) i);
      case 1 -> new Keystroke(4_294_967_295L, null, null);
      case 2 -> new MouseMove(-i, Integer.MAX_VALUE, 0.1 + i / 3.0);
      case 3 -> new MouseClick(i, -1, MouseClick.Button.MIDDLE, MouseClick.ClickType.TRIPLE);
      case 4 -> new WindowFocus("Ré\"sumé\" \\ \n\t\u0001 — 日本語 😀", "editor", 4242, i % 2 == 0 ? null : 1000L);
      case 5 -> new Screenshot(String.format("5c000000-0000-4000-8000-%012d", i), ImageFormat.PNG, null, "title",
        "app", new Screenshot.Region(0, -5, 1920, 1080), false);
      case 6 -> new Screenshot(String.format("5c000000-0000-4000-8000-%012d", i), ImageFormat.HEIC, null, "",
        "", null, true);
      case 7 -> new ProcessEvent(99, "build</script> \uD800 lone", ProcessEvent.Change.CRASHED);
      default -> new ResourceUsage(250.0, 8000, 1e-7, 12345.678);
    };
  }

  private static List<ScreenshotRef> refs(int events) {
    List<ScreenshotRef> refs = new ArrayList<>();
    for (int i = 5; i < events; i += 9) {
      refs.add(new ScreenshotRef(String.format("5c000000-0000-4000-8000-%012d", i), T0 + i, ImageFormat.PNG,
        123_456 + i, 1920, 1080, i % 2 == 0 ? ScreenshotStorage.MEMORY : ScreenshotStorage.DELETED));
    }
    return refs;
  }

  private static String latin1(byte[] bytes) {
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }

  private static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }
}
