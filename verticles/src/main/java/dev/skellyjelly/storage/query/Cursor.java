package dev.skellyjelly.storage.query;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * An opaque page cursor: the kind of list, the snapshot of the first page and the last position given, as
 * base64url text. A cursor of another kind, or text that is none, is refused naming {@code after}.
 */
final class Cursor {

  private Cursor() {
  }

  static String encode(String kind, long... values) {
    StringBuilder sb = new StringBuilder(kind);
    for (long v : values) {
      sb.append(':').append(v);
    }
    return Base64.getUrlEncoder().withoutPadding().encodeToString(sb.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** The {@code count} numbers of a cursor of {@code kind}, or null when there is no cursor. */
  static long[] decode(String kind, String cursor, int count) {
    if (cursor == null) {
      return null;
    }
    try {
      String[] parts = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8).split(":");
      if (parts.length != count + 1 || !parts[0].equals(kind)) {
        throw new IllegalArgumentException();
      }
      long[] values = new long[count];
      for (int i = 0; i < count; i++) {
        values[i] = Long.parseLong(parts[i + 1]);
      }
      return values;
    } catch (IllegalArgumentException e) {
      throw new BadArgument("after", "is not a cursor this list gave out");
    }
  }
}
