package dev.skellyjelly.storage.app.net;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The TCP bridge's framing: frames whole and in order however the bytes arrive; bad lengths refused at once. */
class TcpFramingTest {

  private static final long LIMIT = 3L << 20;

  private final List<String> frames = new ArrayList<>();
  private final List<TcpFraming.Refusal> refusals = new ArrayList<>();
  private final TcpFraming framing = new TcpFraming(LIMIT, f -> frames.add(f.toString()), refusals::add);

  private static Buffer frame(String text) {
    return Buffer.buffer().appendInt(text.length()).appendString(text);
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
  void framesLargerThanOnePieceArriveWholeAndInOrderInChunksOfAnySize() {
    List<String> sent = new ArrayList<>();
    Buffer bytes = Buffer.buffer();
    for (int size : new int[]{TcpFraming.PIECE_BYTES - 20, TcpFraming.PIECE_BYTES + 1, 10, 2 * TcpFraming.PIECE_BYTES + 7,
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
      new TcpFraming(LIMIT, f -> frames.add(f.toString()), refused::add).handle(Buffer.buffer().appendInt(length).appendString("{}"));
      assertEquals(List.of(new TcpFraming.Refusal("malformed_frame", "bad frame length " + length)), refused);
    }
    assertEquals(List.of(), frames);
  }

  @Test
  void aWrittenFrameIsItsLengthThenItsJson() {
    Buffer written = TcpFraming.encode(new JsonObject().put("type", "pong"));
    assertEquals(15, written.getInt(0));
    assertEquals("{\"type\":\"pong\"}", written.getString(4, written.length()));
  }
}
