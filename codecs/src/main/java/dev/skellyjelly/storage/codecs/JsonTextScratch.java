package dev.skellyjelly.storage.codecs;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;

import java.io.IOException;

/**
 * What the text of many records written one after another ({@link JsonForm#write}, a batch's events) reuses, so
 * that each record's text makes no strings: a timestamp's text, a buffer for short strings, the
 * last session id quoted (every event of a batch has the same), and where a packed event's bytes are read and its
 * text composed ({@link PackedEventText}). One per text, used on one thread.
 */
final class JsonTextScratch {

  /** Longest string copied to {@link #chars}; a longer one the generator reads from the string itself. */
  private static final int COPIED_CHARS = 128;

  /** A record's timestamp, quoted ({@link #writeTimestamp}). */
  private final AsciiValue timestampText = new AsciiValue();
  private final char[] chars = new char[COPIED_CHARS];
  private String session;
  private SerializableString sessionText;
  private final AsciiValue value = new AsciiValue();
  private final byte[] packed = new byte[PackedEventText.MOST_PACKED_BYTES];
  /** The string whose length {@link #sessionLength} gave last, and that length. */
  private String measuredSession;
  private long sessionBytes;

  /**
   * Writes a string as {@link JsonGenerator#writeString(String)} does, from a copy of its characters when it is
   * short: the generator reads a char array much faster than it reads a string a character at a time under C1.
   */
  void writeString(String s, JsonGenerator gen) throws IOException {
    int n = s.length();
    if (n > COPIED_CHARS) {
      gen.writeString(s);
      return;
    }
    s.getChars(0, n, chars, 0);
    gen.writeString(chars, 0, n);
  }

  /** Writes a session id, quoted once while it repeats. */
  void writeSession(String id, JsonGenerator gen) throws IOException {
    if (!id.equals(session)) {
      session = id;
      sessionText = quotedAscii(id);
    }
    if (sessionText != null) {
      gen.writeString(sessionText);
    } else {
      gen.writeString(id);
    }
  }

  /** Where a record's whole text is composed when it is ASCII throughout ({@link PackedEventText}). */
  AsciiValue value() {
    return value;
  }

  /** Where a packed event's bytes are copied to be read ({@link PackedEventText}). */
  byte[] packed() {
    return packed;
  }

  /**
   * A session id's text as {@link #writeSession} writes it, escaped but without its quotes, made once while it
   * repeats; null when that text is not ASCII.
   */
  byte[] quotedSession(String id) {
    if (!id.equals(session)) {
      session = id;
      sessionText = quotedAscii(id);
    }
    return sessionText == null ? null : sessionText.asQuotedUTF8();
  }

  /**
   * Writes what {@link Timestamps#format} gives, without making it: its text composed as {@link PackedEventText}
   * composes it (the second's once, then only the milliseconds) and written as a raw value.
   */
  void writeTimestamp(long epochMs, JsonGenerator gen) throws IOException {
    if (timestampText.clear().timestamp(epochMs)) {
      timestampText.writeTo(gen);
    } else {
      gen.writeString(Timestamps.format(epochMs));
    }
  }

  /** The length of what {@link #writeSession} writes, counted once while the id repeats. */
  long sessionLength(String id) {
    if (!id.equals(measuredSession)) {
      measuredSession = id;
      sessionBytes = stringLength(id);
    }
    return sessionBytes;
  }

  /**
   * The bytes Vert.x's byte generator makes of a value as {@link JsonForm} writes it (a string, a number, a
   * boolean or null), computed without making them; any other value is counted through a generator
   * ({@link JsonTextLength}).
   */
  long length(Object v) {
    if (v == null) {
      return 4;
    } else if (v instanceof String s) {
      return stringLength(s);
    } else if (v instanceof Integer n) {
      return digits(n);
    } else if (v instanceof Long n) {
      return digits(n);
    } else if (v instanceof Double n) {
      // As the generator writes a double: Double.toString's text, quoted when it is not a finite number.
      double d = n;
      return Double.toString(d).length() + (Double.isFinite(d) ? 0 : 2);
    } else if (v instanceof Boolean b) {
      return b ? 4 : 5;
    }
    return JsonTextLength.of(v);
  }

  /**
   * The bytes of a string's text, quotes included, as Vert.x's byte generator writes it: a quote or a backslash
   * escaped in two, a control character in two ({@code \b \t \n \f \r}) or six (a backslash, u and four hex
   * digits), other ASCII in one, then UTF-8 (two bytes up to U+07FF, three above) except that each half of a
   * surrogate pair is escaped on its own in six.
   */
  long stringLength(String s) {
    int n = s.length();
    if (n > COPIED_CHARS) {
      long bytes = 2;
      for (int i = 0; i < n; i++) {
        char c = s.charAt(i);
        bytes += c >= 0x20 && c < 0x80 && c != '"' && c != '\\' ? 1 : charBytes(c);
      }
      return bytes;
    }
    // From a copy, as writeString reads a short string: much faster than charAt under C1.
    s.getChars(0, n, chars, 0);
    long bytes = 2;
    for (int i = 0; i < n; i++) {
      // Plain ASCII tested here, not in a call: C1 does not inline charBytes.
      char c = chars[i];
      bytes += c >= 0x20 && c < 0x80 && c != '"' && c != '\\' ? 1 : charBytes(c);
    }
    return bytes;
  }

  private static int charBytes(char c) {
    if (c >= 0x20 && c < 0x80) {
      return c == '"' || c == '\\' ? 2 : 1;
    } else if (c < 0x20) {
      return c == '\b' || c == '\t' || c == '\n' || c == '\f' || c == '\r' ? 2 : 6;
    } else if (c < 0x800) {
      return 2;
    }
    return Character.isSurrogate(c) ? 6 : 3;
  }

  /** The characters of a whole number's decimal text. */
  static int digits(long v) {
    // Counted on the negative side, where every long has a value.
    long x = v < 0 ? v : -v;
    int n = v < 0 ? 2 : 1;
    while (x <= -10) {
      x /= 10;
      n++;
    }
    return n;
  }

  /**
   * A string's quoted text made once, when that is the text {@link JsonGenerator#writeString(String)} writes: for
   * ASCII strings. (Beyond ASCII the two differ: Vert.x's byte generator escapes a surrogate pair, a pre-quoted
   * string keeps it.) Null for other strings.
   */
  static SerializableString quotedAscii(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) >= 0x80) {
        return null;
      }
    }
    return new SerializedString(s);
  }
}
