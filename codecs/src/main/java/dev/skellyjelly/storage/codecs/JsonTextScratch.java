package dev.skellyjelly.storage.codecs;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;

import java.io.IOException;

/**
 * What the text of many records written one after another ({@link JsonForm#write}, a batch's events) reuses, so
 * that each record's text makes no strings: a buffer for each timestamp's text, a buffer for short strings, and
 * the last session id quoted (every event of a batch has the same). One per text, used on one thread.
 */
final class JsonTextScratch {

  /** Longest string copied to {@link #chars}; a longer one the generator reads from the string itself. */
  private static final int COPIED_CHARS = 128;

  private final char[] timestamp = new char[Timestamps.TEXT_CHARS];
  /** The second {@link #timestamp} holds, when it holds one: events of a batch mostly share it. */
  private long second = Long.MIN_VALUE;
  private final char[] chars = new char[COPIED_CHARS];
  private String session;
  private SerializableString sessionText;

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

  /** Writes what {@link Timestamps#format} gives, without making it. */
  void writeTimestamp(long epochMs, JsonGenerator gen) throws IOException {
    long s = Math.floorDiv(epochMs, 1000L);
    if (s != second) {
      second = Timestamps.formatInto(epochMs, timestamp) ? s : Long.MIN_VALUE;
      if (second == Long.MIN_VALUE) {
        gen.writeString(Timestamps.format(epochMs));
        return;
      }
    } else {
      // Only the milliseconds differ from the timestamp before: yyyy-MM-ddTHH:mm:ss.SSSZ.
      int ms = (int) Math.floorMod(epochMs, 1000L);
      timestamp[20] = (char) ('0' + ms / 100);
      timestamp[21] = (char) ('0' + ms / 10 % 10);
      timestamp[22] = (char) ('0' + ms % 10);
    }
    gen.writeString(timestamp, 0, timestamp.length);
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
