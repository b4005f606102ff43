package dev.skellyjelly.storage.codecs;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

/**
 * The PNG every test of every module builds (codecs' test-jar shares it): exactly {@code totalBytes} long,
 * with a header that says {@code width} × {@code height} whatever the bytes hold, which is all the module
 * reads of an image. Signature and IHDR (33 bytes), then filler: from 57 bytes on inside a private chunk
 * "skMk" followed by IEND, a well-formed PNG with correct CRCs; below that, trailing the header.
 */
public final class TestPng {

  /** Signature and IHDR chunk: the smallest PNG header. */
  public static final int HEADER_BYTES = 33;
  private static final int CHUNK_OVERHEAD = 12;
  private static final int CHUNKED_BYTES = HEADER_BYTES + 2 * CHUNK_OVERHEAD;

  private TestPng() {}

  /**
   * Filler of {@code marker}, then 0xFF bytes (so base64 of the image contains '/'); the marker lets a test
   * prove the bytes never reached a place they must not reach.
   *
   * @throws IllegalArgumentException if the marker does not fit or {@code totalBytes < 33}
   */
  public static byte[] png(int totalBytes, int width, int height, byte[] marker) {
    byte[] filler = new byte[fillerBytes(totalBytes)];
    if (marker.length > filler.length) {
      throw new IllegalArgumentException("too small for the marker: " + totalBytes + " bytes");
    }
    Arrays.fill(filler, (byte) 0xFF);
    System.arraycopy(marker, 0, filler, 0, marker.length);
    return png(width, height, filler, totalBytes >= CHUNKED_BYTES);
  }

  /**
   * Filler of seeded random bytes, the same for the same seed (so nothing on the way can compress it).
   *
   * @throws IllegalArgumentException if {@code totalBytes < 33}
   */
  public static byte[] png(int totalBytes, int width, int height, long seed) {
    byte[] filler = new byte[fillerBytes(totalBytes)];
    new SplittableRandom(seed).nextBytes(filler);
    return png(width, height, filler, totalBytes >= CHUNKED_BYTES);
  }

  private static int fillerBytes(int totalBytes) {
    if (totalBytes < HEADER_BYTES) {
      throw new IllegalArgumentException("a PNG header alone is " + HEADER_BYTES + " bytes: " + totalBytes);
    }
    return totalBytes - (totalBytes >= CHUNKED_BYTES ? CHUNKED_BYTES : HEADER_BYTES);
  }

  private static byte[] png(int width, int height, byte[] filler, boolean chunked) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(filler.length + CHUNKED_BYTES);
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
    // 8-bit truecolor; compression, filter and interlace methods 0.
    chunk(out, "IHDR", ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 2).array());
    if (chunked) {
      chunk(out, "skMk", filler);
      chunk(out, "IEND", new byte[0]);
    } else {
      out.writeBytes(filler);
    }
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
    byte[] name = type.getBytes(StandardCharsets.US_ASCII);
    CRC32 crc = new CRC32();
    crc.update(name);
    crc.update(data);
    out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
    out.writeBytes(name);
    out.writeBytes(data);
    out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }
}
