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

    /** The sixteen combinations, by their {@link #bits}. */
    private static final Modifiers[] ALL = new Modifiers[16];

    static {
      for (int i = 0; i < ALL.length; i++) {
        ALL[i] = new Modifiers((i & 1) != 0, (i & 2) != 0, (i & 4) != 0, (i & 8) != 0);
      }
    }

    /**
     * The one instance of a combination: a window holds thousands of keystrokes with a handful of combinations
     * among them, so the decoders share these instead of making one for each.
     */
    public static Modifiers of(boolean shift, boolean ctrl, boolean alt, boolean meta) {
      return ALL[(shift ? 1 : 0) | (ctrl ? 2 : 0) | (alt ? 4 : 0) | (meta ? 8 : 0)];
    }

    /** The combination of the low four of {@code bits} as {@link #bits} gives them; higher bits are ignored. */
    public static Modifiers ofBits(int bits) {
      return ALL[bits & 15];
    }

    /** Shift 1, ctrl 2, alt 4, meta 8: how the wire format and the database's blocks store a combination. */
    public int bits() {
      return (shift ? 1 : 0) | (ctrl ? 2 : 0) | (alt ? 4 : 0) | (meta ? 8 : 0);
    }
  }

  @Override
  public EventType type() {
    return EventType.KEYSTROKE;
  }
}
