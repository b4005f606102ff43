package dev.skellyjelly.storage.codecs;

/**
 * Keystroke timing (never which text was typed beyond the key code).
 *
 * @param keyCode            u32
 * @param modifiers          modifier keys held
 * @param interKeyIntervalMs u32, or null when unknown
 */
public record Keystroke(long keyCode, Modifiers modifiers, Long interKeyIntervalMs) implements EventData {

  public record Modifiers(boolean shift, boolean ctrl, boolean alt, boolean meta) {
  }

  @Override
  public EventType type() {
    return EventType.KEYSTROKE;
  }
}
