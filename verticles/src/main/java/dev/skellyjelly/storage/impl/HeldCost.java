package dev.skellyjelly.storage.impl;

import dev.skellyjelly.storage.codecs.ProcessEvent;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Screenshot;
import dev.skellyjelly.storage.codecs.WindowFocus;

/**
 * What the batcher's memory holds for a window and for an event, in bytes, as the JVM lays them out (64-bit,
 * compressed references; strings counted at two bytes a character, their worst case). Estimates on the high
 * side: the batcher's bounds are in these bytes.
 */
final class HeldCost {

  /**
   * A window recorded, without its events: its key and session string, the window object, its two lists and
   * the map entry that holds it.
   */
  static final long WINDOW = 400;
  /** A screenshot reference a window keeps. */
  static final long REF = 200;

  /** An event object with its id string and its data record, and its slot and text length in a window's list. */
  private static final long EVENT = 200;

  private HeldCost() {
  }

  /** The bytes one held event costs. */
  static long of(RawEvent e) {
    long data = 0;
    if (e.data() instanceof WindowFocus f) {
      data = chars(f.windowTitle()) + chars(f.appName());
    } else if (e.data() instanceof ProcessEvent p) {
      data = chars(p.processName());
    } else if (e.data() instanceof Screenshot s) {
      data = chars(s.screenshotId()) + chars(s.windowTitle()) + chars(s.appName()) + 64;
    }
    return EVENT + data;
  }

  private static long chars(String s) {
    return s == null ? 0 : 24 + 2L * s.length();
  }
}
