package dev.skellyjelly.storage.app.net;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Where a string's text stops in a frame, whatever the chunk and word the stop falls in. */
class QuoteScanTest {

  @Test
  void theFirstQuoteOrBackslashIsFoundAtEveryPositionAcrossChunks() {
    byte[] text = new byte[20_000];
    Arrays.fill(text, (byte) 'A');
    for (int stop : new int[]{0, 1, 7, 8, 9, 8191, 8192, 8193, 16_390, 19_999}) {
      for (byte c : new byte[]{'"', '\\'}) {
        byte[] bytes = text.clone();
        bytes[stop] = c;
        bytes[Math.min(stop + 3, bytes.length - 1)] = '"';
        Buffer frame = Buffer.buffer(bytes);
        assertEquals(stop, QuoteScan.find(frame, 0), "stop at " + stop);
        assertEquals(stop < 5 ? stop : -1, QuoteScan.find(Buffer.buffer(Arrays.copyOf(bytes, 5)), 0));
      }
    }
  }

  @Test
  void theScanStartsWhereItIsToldAndFindsNothingInPlainText() {
    Buffer frame = Buffer.buffer("\"" + "x".repeat(100) + "\\" + "y".repeat(50) + "\"");
    assertEquals(0, QuoteScan.find(frame, 0));
    assertEquals(101, QuoteScan.find(frame, 1));
    assertEquals(152, QuoteScan.find(frame, 102));
    assertEquals(-1, QuoteScan.find(Buffer.buffer("z".repeat(70_000)), 3));
    assertEquals(-1, QuoteScan.find(frame, frame.length()));
  }

  @Test
  void bytesAboveSevenBitsAreNoStop() {
    byte[] bytes = new byte[64];
    Arrays.fill(bytes, (byte) 0xA2);
    bytes[40] = (byte) 0xDC;
    bytes[63] = '"';
    assertEquals(63, QuoteScan.find(Buffer.buffer(bytes), 0));
  }
}
