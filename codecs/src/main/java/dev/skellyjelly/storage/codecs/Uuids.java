package dev.skellyjelly.storage.codecs;

import java.util.Arrays;
import java.util.UUID;

/** Canonical UUID text (8-4-4-4-12 hex digits, either case on input, lower case when stored). */
public final class Uuids {

  /**
   * Each ASCII character's value as a hex digit, -1 for none: a table look-up, where {@link Character#digit} (which
   * knows every script's digits) was the writer's largest Java frame under C1, reading every event's id.
   * {@link java.util.HexFormat}'s {@code isHexDigit} and {@code fromHexDigit} make the same look-up in two calls,
   * which took twice as long under C1 (108 digits of each of 30 000 ids: 17.5–19.2 ms against 8.9–9.0 ms).
   */
  private static final byte[] HEX_VALUES = new byte[128];

  static {
    Arrays.fill(HEX_VALUES, (byte) -1);
    for (int d = 0; d < 16; d++) {
      HEX_VALUES[Character.forDigit(d, 16)] = (byte) d;
      HEX_VALUES[Character.toUpperCase(Character.forDigit(d, 16))] = (byte) d;
    }
  }

  private Uuids() {
  }

  /** The value of a hex digit in either case; -1 for any other character. */
  private static int hexValue(char c) {
    return c < 128 ? HEX_VALUES[c] : -1;
  }

  /** Whether {@code s} is canonical UUID text in either case. */
  public static boolean isCanonical(String s) {
    if (s == null || s.length() != 36) {
      return false;
    }
    for (int i = 0; i < 36; i++) {
      char c = s.charAt(i);
      if (i == 8 || i == 13 || i == 18 || i == 23) {
        if (c != '-') {
          return false;
        }
      } else if (hexValue(c) < 0) {
        return false;
      }
    }
    return true;
  }

  /** The lower-case form of canonical UUID text (the same instance when already lower case). */
  public static String normalize(String canonical) {
    for (int i = 0; i < canonical.length(); i++) {
      char c = canonical.charAt(i);
      if (c >= 'A' && c <= 'F') {
        return canonical.toLowerCase(java.util.Locale.ROOT);
      }
    }
    return canonical;
  }

  /** A fresh random UUID as canonical lower-case text. */
  public static String random() {
    return UUID.randomUUID().toString();
  }

  /** The 16 bytes of canonical UUID text, most significant first. */
  public static byte[] toBytes(String canonical) {
    return java.nio.ByteBuffer.allocate(16).putLong(mostSignificant(canonical)).putLong(leastSignificant(canonical)).array();
  }

  /** Canonical lower-case text of 16 UUID bytes. */
  public static String fromBytes(byte[] b) {
    java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(b);
    return fromBits(buf.getLong(), buf.getLong());
  }

  /** The first 64 bits of canonical UUID text. */
  public static long mostSignificant(String canonical) {
    return (hex(canonical, 0, 8) << 32) | (hex(canonical, 9, 13) << 16) | hex(canonical, 14, 18);
  }

  /** The last 64 bits of canonical UUID text. */
  public static long leastSignificant(String canonical) {
    return (hex(canonical, 19, 23) << 48) | hex(canonical, 24, 36);
  }

  private static long hex(String s, int from, int to) {
    long v = 0;
    for (int i = from; i < to; i++) {
      v = (v << 4) | hexValue(s.charAt(i));
    }
    return v;
  }

  static String fromBits(long msb, long lsb) {
    return new UUID(msb, lsb).toString();
  }

  /**
   * Whether text is canonical lower-case UUID text (what {@link #fromBits} gives back) and its bits, in one pass over
   * a copy of its characters: {@link WireFormat} packs every event's id this way as a window's list takes it.
   */
  static final class LowerText {
    static final ThreadLocal<LowerText> SCRATCH = ThreadLocal.withInitial(LowerText::new);

    private final char[] chars = new char[36];
    /** The bits of the text {@link #parse} last read as a UUID. */
    long msb;
    long lsb;

    /** Whether {@code s} is canonical lower-case UUID text; its bits are then in {@link #msb} and {@link #lsb}. */
    boolean parse(String s) {
      if (s.length() != 36) {
        return false;
      }
      s.getChars(0, 36, chars, 0);
      long high = 0;
      long low = 0;
      for (int i = 0; i < 36; i++) {
        char c = chars[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
          if (c != '-') {
            return false;
          }
          continue;
        }
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0) {
          return false;
        }
        if (i < 18) {
          high = high << 4 | v;
        } else {
          low = low << 4 | v;
        }
      }
      msb = high;
      lsb = low;
      return true;
    }
  }
}
