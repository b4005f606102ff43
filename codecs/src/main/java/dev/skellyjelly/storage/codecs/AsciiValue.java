package dev.skellyjelly.storage.codecs;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A JSON value's whole text composed as ASCII bytes and handed to a generator in one piece
 * ({@link JsonGenerator#writeRawValue(SerializableString)}): the generator puts the separator before it and copies
 * the bytes into its buffer, where writing the same value key by key and string by string takes a call, a check of
 * the context and a scan for characters to escape at each step. What is put in is ASCII that needs no escaping
 * (digits, hex, a timestamp, text already quoted); the caller makes sure of that. Reused: {@link #clear} starts the
 * next value. One per text, used on one thread.
 */
final class AsciiValue implements SerializableString {

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private byte[] bytes = new byte[256];
  private int length;
  /** A timestamp's text, its quotes included: the events of a batch mostly share its second. */
  private final byte[] timestamp = new byte[Timestamps.TEXT_CHARS + 2];
  private final char[] timestampChars = new char[Timestamps.TEXT_CHARS];
  /** The first millisecond of the second {@link #timestamp} holds; none while {@link #timestampHeld} is false. */
  private long secondMs;
  private boolean timestampHeld;
  /** A number's digits, written from the last. */
  private final byte[] digits = new byte[10];

  /** Begins a new value. */
  AsciiValue clear() {
    length = 0;
    return this;
  }

  /** Writes the value composed so far to the generator, as a value of the object or array it is in. */
  void writeTo(JsonGenerator gen) throws IOException {
    gen.writeRawValue(this);
  }

  AsciiValue put(char c) {
    room(1);
    bytes[length++] = (byte) c;
    return this;
  }

  /** ASCII text as it is. */
  private AsciiValue put(String ascii) {
    int n = ascii.length();
    room(n);
    for (int i = 0; i < n; i++) {
      bytes[length++] = (byte) ascii.charAt(i);
    }
    return this;
  }

  AsciiValue put(byte[] b) {
    room(b.length);
    System.arraycopy(b, 0, bytes, length, b.length);
    length += b.length;
    return this;
  }

  /** Text already quoted and escaped, put between quotes. */
  AsciiValue quoted(byte[] escaped) {
    room(escaped.length + 2);
    bytes[length++] = '"';
    System.arraycopy(escaped, 0, bytes, length, escaped.length);
    length += escaped.length;
    bytes[length++] = '"';
    return this;
  }

  /**
   * A whole number's decimal text, as a generator writes it. Under C1 a division is the processor's own (tens of
   * cycles for a long), not a multiplication as C2 makes it: a number of up to 32 bits, what an event holds, is
   * divided by ten with a multiplication and a shift instead.
   */
  AsciiValue number(long v) {
    long m = v < 0 ? -v : v;
    if (m >= 1L << 32) {
      return put(Long.toString(v));
    }
    room(11);
    if (v < 0) {
      bytes[length++] = '-';
    }
    int i = digits.length;
    do {
      // m / 10 for every m below 2^32: the product fits 64 bits unsigned, read by the unsigned shift.
      long q = (m * 0xCCCCCCCDL) >>> 35;
      digits[--i] = (byte) ('0' + (m - q * 10));
      m = q;
    } while (m != 0);
    int n = digits.length - i;
    System.arraycopy(digits, i, bytes, length, n);
    length += n;
    return this;
  }

  /**
   * A double as Vert.x's generator writes it: {@link Double#toString}'s text, quoted when it is not a finite number.
   */
  AsciiValue number(double d) {
    boolean quote = !Double.isFinite(d);
    if (quote) {
      put('"');
    }
    put(Double.toString(d));
    return quote ? put('"') : this;
  }

  /** The UUID of these bits as its canonical lower-case text, quoted ({@link Uuids#fromBits}). */
  AsciiValue uuid(long msb, long lsb) {
    room(38);
    byte[] b = bytes;
    int at = length;
    b[at] = '"';
    hex(msb >>> 32, 8, at + 1);
    b[at + 9] = '-';
    hex(msb >>> 16, 4, at + 10);
    b[at + 14] = '-';
    hex(msb, 4, at + 15);
    b[at + 19] = '-';
    hex(lsb >>> 48, 4, at + 20);
    b[at + 24] = '-';
    hex(lsb, 12, at + 25);
    b[at + 37] = '"';
    length = at + 38;
    return this;
  }

  private void hex(long v, int digits, int at) {
    for (int i = at + digits - 1; i >= at; i--) {
      bytes[i] = HEX[(int) v & 15];
      v >>>= 4;
    }
  }

  /**
   * What {@link Timestamps#format} gives, quoted; false, having put nothing, for a time whose year is outside 0 to
   * 9999 (its text is then made otherwise).
   */
  boolean timestamp(long epochMs) {
    long ms = epochMs - secondMs;
    if (!timestampHeld || ms < 0 || ms >= 1000) {
      if (!Timestamps.formatInto(epochMs, timestampChars)) {
        return false;
      }
      timestampHeld = true;
      secondMs = Math.floorDiv(epochMs, 1000L) * 1000L;
      timestamp[0] = '"';
      for (int i = 0; i < timestampChars.length; i++) {
        timestamp[i + 1] = (byte) timestampChars[i];
      }
      timestamp[timestamp.length - 1] = '"';
    } else {
      // Only the milliseconds differ from the timestamp before: "yyyy-MM-ddTHH:mm:ss.SSSZ". Divided by 100 and by
      // 10 with a multiplication and a shift, exact below 1000 and 100 (see number(long) for why).
      int n = (int) ms;
      int hundreds = (n * 41) >> 12;
      int rest = n - hundreds * 100;
      int tens = (rest * 205) >> 11;
      timestamp[21] = (byte) ('0' + hundreds);
      timestamp[22] = (byte) ('0' + tens);
      timestamp[23] = (byte) ('0' + rest - tens * 10);
    }
    put(timestamp);
    return true;
  }

  private void room(int n) {
    if (length + n > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + n));
    }
  }

  // ---------------------------------------------------------------- as a generator reads it: the text as it is

  @Override
  public String getValue() {
    return new String(bytes, 0, length, StandardCharsets.US_ASCII);
  }

  @Override
  public int charLength() {
    return length;
  }

  @Override
  public byte[] asUnquotedUTF8() {
    return Arrays.copyOf(bytes, length);
  }

  @Override
  public int appendUnquotedUTF8(byte[] buffer, int offset) {
    if (offset + length > buffer.length) {
      return -1;
    }
    System.arraycopy(bytes, 0, buffer, offset, length);
    return length;
  }

  @Override
  public int appendUnquoted(char[] buffer, int offset) {
    if (offset + length > buffer.length) {
      return -1;
    }
    for (int i = 0; i < length; i++) {
      buffer[offset + i] = (char) bytes[i];
    }
    return length;
  }

  @Override
  public int writeUnquotedUTF8(OutputStream out) throws IOException {
    out.write(bytes, 0, length);
    return length;
  }

  @Override
  public int putUnquotedUTF8(ByteBuffer buffer) {
    if (buffer.remaining() < length) {
      return -1;
    }
    buffer.put(bytes, 0, length);
    return length;
  }

  // A raw value is never written as a string: no quoted forms.

  @Override
  public char[] asQuotedChars() {
    throw new UnsupportedOperationException("a raw value");
  }

  @Override
  public byte[] asQuotedUTF8() {
    throw new UnsupportedOperationException("a raw value");
  }

  @Override
  public int appendQuotedUTF8(byte[] buffer, int offset) {
    throw new UnsupportedOperationException("a raw value");
  }

  @Override
  public int appendQuoted(char[] buffer, int offset) {
    throw new UnsupportedOperationException("a raw value");
  }

  @Override
  public int writeQuotedUTF8(OutputStream out) {
    throw new UnsupportedOperationException("a raw value");
  }

  @Override
  public int putQuotedUTF8(ByteBuffer buffer) {
    throw new UnsupportedOperationException("a raw value");
  }
}
