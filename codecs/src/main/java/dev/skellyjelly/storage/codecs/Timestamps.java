package dev.skellyjelly.storage.codecs;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;

/** The contract's timestamp text: {@code yyyy-MM-dd'T'HH:mm:ss.SSS'Z'} out; ISO-8601 with a zone in. */
public final class Timestamps {

  private Timestamps() {
  }

  /** The date part of the last day formatted: events of a batch share it, so most calls skip the calendar. */
  private static volatile DayPrefix lastDay = new DayPrefix(Long.MIN_VALUE, null);

  private record DayPrefix(long day, char[] chars) {
  }

  /** Formats epoch milliseconds as {@code yyyy-MM-dd'T'HH:mm:ss.SSS'Z'}. */
  public static String format(long epochMs) {
    char[] c = new char[TEXT_CHARS];
    return formatInto(epochMs, c) ? new String(c) : Instant.ofEpochMilli(epochMs).toString();
  }

  /** Characters of a timestamp's text for a year from 0 to 9999. */
  public static final int TEXT_CHARS = 24;

  /** The first millisecond of the year 0 and of the year 10000: {@link #formatInto} writes the times between. */
  private static final long YEAR_0_MS = -62_167_219_200_000L;
  private static final long YEAR_10000_MS = 253_402_300_800_000L;

  /** The length of what {@link #format} gives, made only for a year outside 0 to 9999. */
  public static int textLength(long epochMs) {
    return epochMs >= YEAR_0_MS && epochMs < YEAR_10000_MS ? TEXT_CHARS : format(epochMs).length();
  }

  /**
   * Writes what {@link #format} gives into {@code c} ({@link #TEXT_CHARS} long), so that a caller writing many
   * (a batch's text) makes no string for each; false, and nothing written, for a year outside 0 to 9999.
   */
  public static boolean formatInto(long epochMs, char[] c) {
    long day = Math.floorDiv(epochMs, 86_400_000L);
    int msOfDay = (int) Math.floorMod(epochMs, 86_400_000L);
    DayPrefix prefix = lastDay;
    if (prefix.day != day) {
      LocalDate date = LocalDate.ofEpochDay(day);
      int year = date.getYear();
      if (year < 0 || year > 9999) {
        return false;
      }
      char[] p = new char[11];
      put(p, 0, year, 4);
      p[4] = '-';
      put(p, 5, date.getMonthValue(), 2);
      p[7] = '-';
      put(p, 8, date.getDayOfMonth(), 2);
      p[10] = 'T';
      prefix = new DayPrefix(day, p);
      lastDay = prefix;
    }
    System.arraycopy(prefix.chars, 0, c, 0, 11);
    put(c, 11, msOfDay / 3_600_000, 2);
    c[13] = ':';
    put(c, 14, msOfDay / 60_000 % 60, 2);
    c[16] = ':';
    put(c, 17, msOfDay / 1000 % 60, 2);
    c[19] = '.';
    put(c, 20, msOfDay % 1000, 3);
    c[23] = 'Z';
    return true;
  }

  private static void put(char[] c, int at, int value, int digits) {
    for (int i = at + digits - 1; i >= at; i--) {
      c[i] = (char) ('0' + value % 10);
      value /= 10;
    }
  }

  /**
   * Parses ISO-8601 text that carries a zone ({@code Z} or an offset) into epoch milliseconds.
   *
   * @throws IllegalArgumentException when the text has no zone or cannot be parsed
   */
  public static long parse(String text) {
    long ms = parseCommon(text);
    return ms != NOT_COMMON ? ms : parseAny(text);
  }

  /** What {@link #parseCommon} answers for text it leaves to {@link #parseAny}. */
  static final long NOT_COMMON = Long.MIN_VALUE;

  /**
   * The form producers send, {@code yyyy-MM-ddTHH:mm:ss}, an optional fraction of 1 to 9 digits, then {@code Z} or
   * {@code ±HH:MM}, read without the formatter, which cost a producer's event over two microseconds and 2 KB of
   * garbage; {@link #NOT_COMMON} for any other text, valid or not, which {@link #parseAny} then reads. Where it
   * answers it answers what {@link #parseAny} does (TimestampsTest compares them).
   */
  static long parseCommon(String s) {
    int n = s.length();
    if (n < 20 || s.charAt(4) != '-' || s.charAt(7) != '-' || s.charAt(10) != 'T' || s.charAt(13) != ':'
      || s.charAt(16) != ':') {
      return NOT_COMMON;
    }
    int year = digits(s, 0, 4);
    int month = digits(s, 5, 2);
    int day = digits(s, 8, 2);
    int hour = digits(s, 11, 2);
    int minute = digits(s, 14, 2);
    int second = digits(s, 17, 2);
    if (year < 0 || month < 0 || day < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0
      || second > 59) {
      return NOT_COMMON;
    }
    long epochDay;
    try {
      // Checks the month and the day of that month and year.
      epochDay = LocalDate.of(year, month, day).toEpochDay();
    } catch (DateTimeException noSuchDay) {
      return NOT_COMMON;
    }
    int at = 19;
    int millis = 0;
    if (s.charAt(at) == '.') {
      int fraction = 0;
      while (at + 1 + fraction < n && digits(s, at + 1 + fraction, 1) >= 0) {
        fraction++;
      }
      if (fraction < 1 || fraction > 9) {
        return NOT_COMMON;
      }
      for (int i = 0; i < 3; i++) {
        millis = millis * 10 + (i < fraction ? s.charAt(at + 1 + i) - '0' : 0);
      }
      at += 1 + fraction;
    }
    int offsetSeconds;
    if (at == n - 1 && s.charAt(at) == 'Z') {
      offsetSeconds = 0;
    } else if (at == n - 6 && (s.charAt(at) == '+' || s.charAt(at) == '-') && s.charAt(at + 3) == ':') {
      int oh = digits(s, at + 1, 2);
      int om = digits(s, at + 4, 2);
      if (oh < 0 || om < 0 || om > 59 || oh * 60 + om > 18 * 60) {
        return NOT_COMMON;
      }
      offsetSeconds = (s.charAt(at) == '-' ? -1 : 1) * (oh * 3600 + om * 60);
    } else {
      return NOT_COMMON;
    }
    long seconds = epochDay * 86_400L + hour * 3600L + minute * 60L + second
      - offsetSeconds;
    return seconds * 1000L + millis;
  }

  /** The value of {@code count} ASCII digits at {@code at}, or -1. */
  private static int digits(String s, int at, int count) {
    int v = 0;
    for (int i = at; i < at + count; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }

  /** Any ISO-8601 text with a zone, through the JDK's formatter. */
  static long parseAny(String text) {
    try {
      var parsed = DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(text);
      long seconds = parsed.getLong(ChronoField.INSTANT_SECONDS);
      int millis = parsed.get(ChronoField.MILLI_OF_SECOND);
      return Math.addExact(Math.multiplyExact(seconds, 1000L), millis);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("is not ISO-8601 with a zone: " + clip(text));
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("is out of range: " + clip(text));
    }
  }

  private static String clip(String s) {
    return s.length() <= 64 ? '"' + s + '"' : '"' + s.substring(0, 64) + "…\"";
  }
}
