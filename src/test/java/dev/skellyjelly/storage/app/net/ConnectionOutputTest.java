package dev.skellyjelly.storage.app.net;

import dev.skellyjelly.storage.codecs.Addresses;
import dev.skellyjelly.storage.codecs.EventBatch;
import dev.skellyjelly.storage.codecs.EventJson;
import dev.skellyjelly.storage.codecs.Keystroke;
import dev.skellyjelly.storage.codecs.RawEvent;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a TCP bridge connection holds for its peer is one count of bytes: frames waiting in its outbox by their
 * estimate, and text handed to its socket. Thousands of small batches closed in one task all reach a peer that
 * reads; a peer that does not read gets consumer messages until its share is held and then none, and its own
 * replies stop its reading there; everything counted is given back once written or dropped.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConnectionOutputTest {

  private static final long T0 = 1_795_600_000_000L;

  private Vertx vertx;

  @AfterEach
  void close() {
    if (vertx != null) {
      vertx.close().await();
    }
  }

  /** The connection's side of it, made and driven on one context as the bridge's connection is. */
  private final class Connection implements ConnectionOutput.Reading {
    final OutputBudget budget = new OutputBudget(OutputBudget.DEFAULT_BYTES);
    final RecordingStream socket = new RecordingStream();
    final ConnectionOutput output = new ConnectionOutput(InstantSource.system(), budget, this);
    final FrameOutbox outbox;
    final Context context;
    int pauses;
    int resumes;

    Connection(Context context) {
      this.context = context;
      this.outbox = new FrameOutbox(context, socket, FrameOutbox.LENGTH_PREFIXED, output);
    }

    /** As the bridge delivers a consumer's message: only while the connection admits one. */
    boolean deliver(JsonObject frame) {
      if (!output.admitsMessage(frame)) {
        return false;
      }
      outbox.send(frame);
      return true;
    }

    @Override
    public void pause() {
      pauses++;
    }

    @Override
    public void resume() {
      resumes++;
    }
  }

  /** A connection on a context of a new Vert.x, its socket's write queue full until the test drains it. */
  private Connection fullConnection() {
    vertx = Vertx.vertx();
    Connection c = new Connection(vertx.getOrCreateContext());
    c.socket.full.set(true);
    return c;
  }

  private static <T> T onContext(Context context, Supplier<T> task) throws Exception {
    Promise<T> done = Promise.promise();
    context.runOnContext(v -> done.complete(task.get()));
    return done.future().await(30, TimeUnit.SECONDS);
  }

  @Test
  void thousandsOfOneEventBatchesClosedInOneTaskAllReachAReaderInOrder() throws Exception {
    // The socket's write queue is full for the whole burst, as when the batcher closes a flood's windows in one tick.
    Connection c = fullConnection();
    Context context = c.context;
    int batches = 3_000;
    List<JsonObject> frames = new ArrayList<>();
    for (int i = 0; i < batches; i++) {
      frames.add(frame(batch(i, 1)));
    }
    long[] held = onContext(context, () -> {
      long delivered = frames.stream().filter(c::deliver).count();
      return new long[] {delivered, c.output.pendingBytes(), c.budget.used()};
    });
    assertEquals(batches, held[0], "every batch admitted");
    long estimate = (FrameOutbox.FRAME_BYTES + FrameOutbox.ELEMENT_BYTES) * batches;
    assertEquals(estimate, held[1], "each waiting frame held by its estimate");
    assertEquals(estimate, held[2], "and counted in the shared budget");
    assertTrue(estimate < c.budget.share(), "a burst of one-event batches fits one connection's share");
    assertEquals(0, c.pauses, "a consumer's burst within the share does not stop the peer's frames being read");

    Buffer expected = Buffer.buffer();
    frames.forEach(f -> expected.appendBuffer(TcpFraming.encode(f)));
    context.runOnContext(v -> c.socket.drain());
    c.socket.awaitBytes(expected.length());
    assertArrayEquals(expected.getBytes(), c.socket.bytes().getBytes(), "every batch written whole, in order");
    assertEquals(0L, onContext(context, c.output::pendingBytes));
    assertEquals(0L, c.budget.used(), "everything counted was given back");
  }

  @Test
  void aPeerThatDoesNotReadGetsMessagesUntilItsShareIsHeldAndItsRepliesStopItsReading() throws Exception {
    Connection c = fullConnection();
    Context context = c.context;
    // Batches of 5 000 events: each held as some 1.25 MB, so the second passes the 2 MiB share.
    JsonObject big = frame(batch(0, 5_000));
    JsonObject pong = new JsonObject().put("type", "pong");
    int[] result = onContext(context, () -> {
      int delivered = 0;
      for (int i = 0; i < 5; i++) {
        delivered += c.deliver(big) ? 1 : 0;
      }
      int pausesAfterMessages = c.pauses;
      // Replies are always written: they wait behind the unread batches, and reading has stopped.
      c.outbox.send(pong);
      return new int[] {delivered, pausesAfterMessages, c.pauses};
    });
    assertEquals(2, result[0], "messages go out until the share is held, then none");
    assertEquals(1, result[1], "reading stops once the share is held");
    assertEquals(1, result[2], "and stays stopped");
    long held = onContext(context, c.output::pendingBytes);
    assertEquals(2 * FrameOutbox.estimate(big) + FrameOutbox.estimate(pong), held);
    assertTrue(held < c.budget.capacity(), "one peer holds its share, not the whole budget");

    Buffer expected = TcpFraming.encode(big).appendBuffer(TcpFraming.encode(big)).appendBuffer(TcpFraming.encode(pong));
    context.runOnContext(v -> c.socket.drain());
    c.socket.awaitBytes(expected.length());
    assertArrayEquals(expected.getBytes(), c.socket.bytes().getBytes());
    assertEquals(1, (int) onContext(context, () -> c.resumes), "reading goes on once the peer took what it held");
    assertEquals(0L, c.budget.used());
  }

  @Test
  void thePartsOfAFiringAllReachAReaderThoughTheFirstFillsItsShare() throws Exception {
    vertx = Vertx.vertx();
    Connection c = new Connection(vertx.getOrCreateContext());
    // A 30 000-event window in three parts, published together; then another window's batch at once.
    List<JsonObject> parts = List.of(frame(batch(0, 10_000, 0, 3)), frame(batch(0, 10_000, 1, 3)),
      frame(batch(0, 10_000, 2, 3)));
    JsonObject other = frame(batch(1, 10, 0, 1));
    boolean[] through = onContext(c.context, () -> {
      boolean[] t = new boolean[4];
      for (int i = 0; i < 3; i++) {
        t[i] = c.deliver(parts.get(i));
      }
      t[3] = c.deliver(other);
      return t;
    });
    assertTrue(FrameOutbox.estimate(parts.get(0)) > c.budget.share(), "the first part alone fills the share");
    assertArrayEquals(new boolean[] {true, true, true, false}, through,
      "every part of the firing goes through; another firing waits for the share as before");
    Buffer expected = Buffer.buffer();
    parts.forEach(p -> expected.appendBuffer(TcpFraming.encode(p)));
    c.socket.awaitBytes(expected.length());
    assertArrayEquals(expected.getBytes(), c.socket.bytes().getBytes(), "the three parts, whole and in order");
    assertEquals(0L, onContext(c.context, c.output::pendingBytes));
    assertTrue(onContext(c.context, () -> c.deliver(other)), "once they are taken, the next firing goes through");
  }

  @Test
  void aLargeBatchGoesOutSliceBySliceBehindItsCountedLength() throws Exception {
    vertx = Vertx.vertx();
    Connection c = new Connection(vertx.getOrCreateContext());
    JsonObject big = frame(batch(0, 30_000));
    JsonObject pong = new JsonObject().put("type", "pong");
    Buffer expected = TcpFraming.encode(big).appendBuffer(TcpFraming.encode(pong));
    c.context.runOnContext(v -> {
      c.deliver(big);
      c.outbox.send(pong);
    });
    c.socket.awaitBytes(expected.length());
    assertArrayEquals(expected.getBytes(), c.socket.bytes().getBytes(), "the length first, then the text, then the next frame");
    List<Buffer> writes = c.socket.writes;
    assertTrue(writes.size() > 20, writes.size() + " writes: the text went out as it was made");
    for (Buffer w : writes) {
      assertTrue(w.length() <= JsonSlices.SLICE_BYTES + 4_096, "a write of " + w.length() + " bytes");
    }
    assertEquals(0L, onContext(c.context, c.output::pendingBytes));
    assertEquals(0L, c.budget.used(), "everything counted was given back");
  }

  @Test
  void aPeerThatPingsAndNeverReadsStopsBeingReadAtItsShare() throws Exception {
    Connection c = fullConnection();
    Context context = c.context;
    JsonObject pong = new JsonObject().put("type", "pong");
    long[] result = onContext(context, () -> {
      long sent = 0;
      while (c.pauses == 0 && sent < 1_000_000) {
        c.outbox.send(pong);
        sent++;
      }
      return new long[] {sent, c.output.pendingBytes()};
    });
    assertEquals((c.budget.share() + FrameOutbox.FRAME_BYTES - 1) / FrameOutbox.FRAME_BYTES, result[0],
      "reading stops at the pong that fills the share");
    assertTrue(result[1] >= c.budget.share() && result[1] < c.budget.share() + FrameOutbox.FRAME_BYTES);
    context.runOnContext(v -> c.outbox.close());
    assertEquals(0L, (long) onContext(context, c.output::pendingBytes), "a closed outbox gives its frames back");
    assertEquals(0L, c.budget.used());
  }

  private static JsonObject frame(JsonObject published) {
    return new JsonObject().put("type", "message").put("address", Addresses.EVENT_BATCH_JSON)
      .put("headers", new JsonObject()).put("body", published).put("send", false);
  }

  /** A published batch of {@code events} keystrokes in window {@code n}'s session. */
  private static JsonObject batch(int n, int events) {
    return batch(n, events, 0, 1);
  }

  /** Part {@code part} of {@code parts} of a firing of window {@code n}, {@code events} keystrokes. */
  private static JsonObject batch(int n, int events, int part, int parts) {
    String session = String.format("5b1d0000-0000-4000-8000-%012d", n);
    List<RawEvent> list = new ArrayList<>();
    for (int i = 0; i < events; i++) {
      list.add(new RawEvent(String.format("8a6f0c1e-0000-4000-%04d-%012d", n % 10_000, i), session, T0 + i,
        new Keystroke(13 + i % 50, new Keystroke.Modifiers(false, false, false, false), 80L)));
    }
    return EventJson.encode(new EventBatch(String.format("0b5e55ed-0000-4000-%04d-%012d", part, n), session, T0,
      T0 + 30_000, part, parts, false, false, list, List.of()));
  }
}
