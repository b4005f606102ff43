package dev.skellyjelly.storage.codecs;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Text from input written into a log line stays on that line and reads as it is. */
class LogTextTest {

  @Test
  void controlCharactersLineSeparatorsAndBidiOverridesAreEscaped() {
    assertEquals("a\\nINFO forged line\\r\\tb", LogText.escape("a\nINFO forged line\r\tb"));
    assertEquals("\\u001b[31mred\\u001b[0m", LogText.escape("\u001b[31mred\u001b[0m"));
    assertEquals("x\\u2028y\\u2029z", LogText.escape("x\u2028y\u2029z"));
    assertEquals("\\u202egnp.exe", LogText.escape("\u202Egnp.exe"));
    assertEquals("nul\\u0000 del\\u007f c1\\u0085", LogText.escape("nul\u0000 del\u007F c1\u0085"));
    // A backslash is doubled, so an escape in the log always came from the module.
    assertEquals("a\\\\nb", LogText.escape("a\\nb"));
    assertEquals("null", LogText.escape(null));
  }

  @Test
  void plainTextIsReturnedAsItIs() {
    String plain = "event_type \"keystrokes\" is unknown – é €";
    assertSame(plain, LogText.escape(plain));
  }
}
