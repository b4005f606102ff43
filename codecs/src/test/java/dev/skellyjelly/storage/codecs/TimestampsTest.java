package dev.skellyjelly.storage.codecs;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimestampsTest {

  /** What the formatter makes of the text: its epoch milliseconds, or the message it refuses the text with. */
  private static String byFormatter(String text) {
    try {
      return Long.toString(Timestamps.parseAny(text));
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  private static String byParse(String text) {
    try {
      return Long.toString(Timestamps.parse(text));
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }

  @Test
  void producersCommonFormIsReadWithoutTheFormatterToTheSameMillisecond() {
    Random rnd = new Random(42);
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 20_000; i++) {
      long ms = rnd.nextLong(-62_000_000_000_000L, 253_000_000_000_000L);
      int nanos = rnd.nextInt(1_000_000_000);
      Instant t = Instant.ofEpochSecond(Math.floorDiv(ms, 1000), nanos);
      int offsetMinutes = rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(-18 * 60, 18 * 60 + 1);
      ZoneOffset offset = ZoneOffset.ofTotalSeconds(offsetMinutes * 60);
      String fraction = switch (rnd.nextInt(5)) {
        case 0 -> "";
        case 1 -> ".SSS";
        case 2 -> ".SSSSSS";
        case 3 -> ".SSSSSSSSS";
        default -> ".S";
      };
      String zone = offsetMinutes == 0 && rnd.nextBoolean() ? "'Z'" : "xxx";
      texts.add(DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss" + fraction + zone).withZone(offset).format(t));
    }
    for (String text : texts) {
      long fast = Timestamps.parseCommon(text);
      assertTrue(fast != Timestamps.NOT_COMMON, text);
      assertEquals(Timestamps.parseAny(text), fast, text);
    }
  }

  @Test
  void textTheCommonWayDoesNotTakeIsReadOrRefusedAsTheFormatterDoes() {
    String[] texts = {
      "2026-12-04T12:00:00.123Z", "2026-12-04T12:00:00Z", "2026-12-04T12:00Z", "2026-12-04t12:00:00.5z",
      "2026-02-29T00:00:00Z", "2024-02-29T23:59:59.999999999Z", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z",
      "2026-12-04T24:00:00Z", "2026-12-04T23:60:00Z", "2026-12-04T23:59:60Z", "2026-12-04T12:00:00.Z",
      "2026-12-04T12:00:00.1234567890Z", "2026-12-04T12:00:00+18:00", "2026-12-04T12:00:00+18:01",
      "2026-12-04T12:00:00-00:00", "2026-12-04T12:00:00+05:30:15", "2026-12-04T12:00:00+0530",
      "2026-12-04T12:00:00", "2026-12-04 12:00:00Z", "+12026-12-04T12:00:00Z", "0000-01-01T00:00:00Z",
      "2026-12-04T12:00:00.123+01:00", "2026-12-04T12:00:00.12a3Z", "٢٠٢٦-12-04T12:00:00Z", "2026-12-04T12:00:00ZZ",
      "2026-1a-04T12:00:00Z", "",
    };
    for (String text : texts) {
      assertEquals(byFormatter(text), byParse(text), text);
    }
    assertEquals(1_796_400_000_123L - 1_796_400_000_123L % 86_400_000L + 12 * 3_600_000L + 123,
      Timestamps.parse(Timestamps.format(1_796_400_000_123L - 1_796_400_000_123L % 86_400_000L + 12 * 3_600_000L + 123)));
    assertThrows(IllegalArgumentException.class, () -> Timestamps.parse("2026-02-30T00:00:00Z"));
  }

  @Test
  void theCommonFormCostsNoFormatterGarbage() {
    String text = "2026-12-04T12:00:00.123456Z";
    for (int i = 0; i < 20_000; i++) {
      Timestamps.parse(text);
    }
    long perCall = Allocated.bytes(() -> {
      for (int i = 0; i < 1000; i++) {
        Timestamps.parse(text);
      }
    }) / 1000;
    assertTrue(perCall <= 64, "bytes a call: " + perCall);
    assertTrue(Allocated.bytes(() -> Timestamps.parseAny(text)) > 4 * 64, "the formatter's garbage, for scale");
  }
}
