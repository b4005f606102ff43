package dev.skellyjelly.storage.app;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations on the command line: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}. */
public final class Durations {

  private static final Pattern FORM = Pattern.compile("(\\d+)(ms|s|m|h)");

  private Durations() {
  }

  /** Milliseconds of a duration text; IllegalArgumentException when it is not one. */
  public static long parseMs(String text) {
    Matcher m = FORM.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a duration such as 500ms, 30s, 5m or 1h");
    }
    long n = Long.parseLong(m.group(1));
    switch (m.group(2)) {
      case "ms":
        return n;
      case "s":
        return n * 1000;
      case "m":
        return n * 60_000;
      default:
        return n * 3_600_000;
    }
  }
}
