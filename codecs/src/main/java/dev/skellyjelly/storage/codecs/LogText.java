package dev.skellyjelly.storage.codecs;

/**
 * Text taken from input, made safe for one log line: control characters (line breaks, escape sequences),
 * Unicode line separators and bidirectional overrides are written as {@code \\uXXXX} ({@code \\n}, {@code \\r},
 * {@code \\t} as such), so input can neither start a forged log line nor hide or reorder what a line says.
 */
public final class LogText {

  private LogText() {
  }

  public static String escape(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder out = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      String replacement = switch (c) {
        case '\n' -> "\\n";
        case '\r' -> "\\r";
        case '\t' -> "\\t";
        case '\\' -> "\\\\";
        default -> unsafe(c) ? String.format("\\u%04x", (int) c) : null;
      };
      if (replacement != null && out == null) {
        out = new StringBuilder(s.length() + 16).append(s, 0, i);
      }
      if (out != null) {
        if (replacement != null) {
          out.append(replacement);
        } else {
          out.append(c);
        }
      }
    }
    return out == null ? s : out.toString();
  }

  private static boolean unsafe(char c) {
    return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == '\u2028' || c == '\u2029'
      || (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069') || c == '\u200E' || c == '\u200F'
      || c == '\u061C';
  }
}
