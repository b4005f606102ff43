package dev.skellyjelly.storage.app.net;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The TCP bridge's framing: frames whole and in order however the bytes arrive; bad lengths refused at once. */
class TcpFramingTest {

  private static final long LIMIT = 3L << 20;
  /** A frame of some 5 KB, past what the framing reads in place. */
  private static final String LARGE = new JsonObject().put("x", "y".repeat(5_000)).encode();

  private final List<String> frames = new ArrayList<>();
  private final List<TcpFraming.Refusal> refusals = new ArrayList<>();
  private final BridgeBudget budget = new BridgeBudget(LIMIT);
  private final Socket socket = new Socket();
  private final TcpFraming framing = new TcpFraming(LIMIT, budget, socket, this::collect, refusals::add);

  /** Handles a frame at once: notes its text. */
  private Future<?> collect(Buffer frame) {
    frames.add(frame.toString());
    return null;
  }

  /** The socket as the framing sees it: whether it reads, and the tasks handed to its event loop, run on demand. */
  private static final class Socket implements TcpFraming.Reading {
    boolean paused;
    final List<Runnable> loop = new ArrayList<>();

    @Override
    public void pause() {
      paused = true;
    }

    @Override
    public void resume() {
      paused = false;
    }

    @Override
    public void onLoop(Runnable task) {
      loop.add(task);
    }

    void runLoop() {
      List<Runnable> tasks = List.copyOf(loop);
      loop.clear();
      tasks.forEach(Runnable::run);
    }
  }

  private static Buffer frame(String text) {
    return Buffer.buffer().appendInt(text.length()).appendString(text);
  }

  /** A small frame, {@link #LARGE} and another small one. */
  private static Buffer aroundLarge() {
    return frame("{\"a\":1}").appendBuffer(frame(LARGE)).appendBuffer(frame("{\"b\":2}"));
  }

  @Test
  void framesSplitAnywhereOrSharingAChunkArriveWholeAndInOrder() {
    Buffer bytes = frame("{\"a\":1}").appendBuffer(frame("{\"b\":22}")).appendBuffer(frame("{}"));
    for (int i = 0; i < bytes.length(); i++) {
      framing.handle(bytes.getBuffer(i, i + 1));
    }
    framing.handle(bytes);
    assertEquals(List.of("{\"a\":1}", "{\"b\":22}", "{}", "{\"a\":1}", "{\"b\":22}", "{}"), frames);
    assertEquals(List.of(), refusals);
  }

  @Test
  void framesOfAnySizeArriveWholeAndInOrderInChunksOfAnySize() {
    int piece = 64 * 1024;
    List<String> sent = new ArrayList<>();
    Buffer bytes = Buffer.buffer();
    for (int size : new int[]{piece - 20, piece + 1, 10, 2 * piece + 7,
      (int) LIMIT - 10, 20}) {
      String text = new JsonObject().put("x", "y".repeat(size)).encode();
      sent.add(text);
      bytes.appendBuffer(frame(text));
    }
    for (int chunk : new int[]{bytes.length(), 65_536, 1_000, 7}) {
      frames.clear();
      for (int i = 0; i < bytes.length(); i += chunk) {
        framing.handle(bytes.getBuffer(i, Math.min(bytes.length(), i + chunk)));
      }
      assertEquals(sent, frames, "in chunks of " + chunk);
    }
    assertEquals(List.of(), refusals);
  }

  @Test
  void aLengthOverTheLimitIsRefusedFromItsHeaderAlone() {
    framing.handle(Buffer.buffer().appendInt((int) LIMIT + 1));
    assertEquals(List.of(new TcpFraming.Refusal("oversize",
      "frame of " + (LIMIT + 1) + " bytes over the " + LIMIT + "-byte limit")), refusals);
    framing.handle(frame("{}"));
    assertEquals(List.of(), frames, "nothing is read after a refusal");
  }

  @Test
  void aLengthThatCannotHoldAnObjectIsMalformed() {
    for (int length : new int[]{-1, 0, 1}) {
      List<TcpFraming.Refusal> refused = new ArrayList<>();
      new TcpFraming(LIMIT, budget, socket, this::collect, refused::add).handle(Buffer.buffer().appendInt(length).appendString("{}"));
      assertEquals(List.of(new TcpFraming.Refusal("malformed_frame", "bad frame length " + length)), refused);
    }
    assertEquals(List.of(), frames);
  }

  @Test
  void aFrameWaitsForTheBudgetWithItsSocketPausedAndReleasesItOnceHandedOn() {
    String text = new JsonObject().put("x", "y".repeat(100_000)).encode();
    // Another connection holds all but 1000 bytes of the budget.
    assertTrue(budget.tryReserve(LIMIT - 1_000));
    framing.handle(frame(text));
    assertEquals(List.of(), frames, "no body read before its bytes are reserved");
    assertTrue(socket.paused, "the socket stops reading");
    assertEquals(LIMIT - 1_000, budget.used(), "nothing allocated past the budget");
    budget.release(LIMIT - 1_000);
    assertEquals(text.length(), budget.used(), "the waiting frame got its bytes");
    socket.runLoop();
    assertFalse(socket.paused, "the socket reads again");
    assertEquals(List.of(text), frames);
    assertEquals(0, budget.used(), "released once the frame was handed on");
  }

  @Test
  void aStoppedConnectionGivesBackItsReservationWaitingOrGranted() {
    framing.handle(Buffer.buffer().appendInt(5_000).appendString("{\"x\":"));
    assertEquals(5_000, budget.used(), "reserved from the header, before the body");
    framing.stop();
    assertEquals(0, budget.used());

    TcpFraming waiting = new TcpFraming(LIMIT, budget, socket, this::collect, refusals::add);
    assertTrue(budget.tryReserve(LIMIT));
    waiting.handle(Buffer.buffer().appendInt(5_000));
    waiting.stop();
    budget.release(LIMIT);
    assertEquals(0, budget.used(), "a cancelled wait takes nothing");
  }

  @Test
  void aFrameHandledLaterHoldsTheFramesAfterItWithTheSocketPausedAndTheyFollowInOrder() {
    List<Promise<Void>> later = new ArrayList<>();
    TcpFraming framing = new TcpFraming(LIMIT, budget, socket, f -> {
      frames.add(f.toString());
      if (f.length() < 100) {
        return null;
      }
      Promise<Void> done = Promise.promise();
      later.add(done);
      return done.future();
    }, refusals::add);
    Buffer bytes = aroundLarge();
    framing.handle(bytes.getBuffer(0, bytes.length() - 3));
    framing.handle(bytes.getBuffer(bytes.length() - 3, bytes.length()));
    framing.handle(frame("{\"c\":3}"));
    assertEquals(List.of("{\"a\":1}", LARGE), frames, "nothing after the large frame is handled before it is");
    assertTrue(socket.paused, "the socket stops reading");
    assertEquals(LARGE.length(), budget.used(), "the frame's bytes stay reserved while it is handled");

    later.get(0).complete();
    assertEquals(2, frames.size(), "the rest is read on the connection's loop");
    socket.runLoop();
    assertEquals(List.of("{\"a\":1}", LARGE, "{\"b\":2}", "{\"c\":3}"), frames);
    assertFalse(socket.paused, "the socket reads again");
    assertEquals(0, budget.used());

    // Stopped while a frame is handled: its reservation goes back once, and nothing after it is read.
    frames.clear();
    framing.handle(frame(LARGE).appendBuffer(frame("{\"d\":4}")));
    framing.stop();
    assertEquals(0, budget.used());
    later.get(1).fail("closed");
    socket.runLoop();
    assertEquals(List.of(LARGE), frames);
    assertEquals(0, budget.used());
    assertEquals(List.of(), refusals);
  }

  @Test
  void aSplitFrameWhoseBufferIsMadeElsewhereWaitsForItWithTheSocketPausedAndFramesKeepTheirOrder() {
    List<Promise<Buffer>> made = new ArrayList<>();
    List<Integer> asked = new ArrayList<>();
    TcpFraming framing = new TcpFraming(LIMIT, budget, socket, this::collect, length -> {
      asked.add(length);
      Promise<Buffer> body = Promise.promise();
      made.add(body);
      return body.future();
    }, refusals::add);
    Buffer bytes = aroundLarge();
    // The large frame is split across reads: its buffer is asked for once its first part arrives.
    framing.handle(bytes.getBuffer(0, 100));
    framing.handle(bytes.getBuffer(100, bytes.length()));
    assertEquals(List.of("{\"a\":1}"), frames, "nothing of the split frame is read before its buffer is made");
    assertEquals(List.of(LARGE.length()), asked);
    assertTrue(socket.paused, "the socket stops reading");

    made.get(0).complete(Buffer.buffer(LARGE.length()));
    assertEquals(1, frames.size(), "the rest is read on the connection's loop");
    socket.runLoop();
    assertEquals(List.of("{\"a\":1}", LARGE, "{\"b\":2}"), frames);
    assertFalse(socket.paused, "the socket reads again");
    assertEquals(0, budget.used());
    assertEquals(List.of(), refusals);

    // A buffer that could not be made: the connection is refused as overloaded and its bytes go back.
    framing.handle(bytes.getBuffer(0, 100));
    made.get(1).fail("no memory");
    socket.runLoop();
    assertEquals(List.of("overload"), refusals.stream().map(TcpFraming.Refusal::reason).toList());
    assertEquals(0, budget.used());
  }

  @Test
  void aWrittenFrameIsItsLengthThenItsJson() {
    Buffer written = TcpFraming.encode(new JsonObject().put("type", "pong"));
    assertEquals(15, written.getInt(0));
    assertEquals("{\"type\":\"pong\"}", written.getString(4, written.length()));
  }
}
