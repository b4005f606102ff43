package dev.skellyjelly.storage.codecs;

/**
 * The seven kinds of raw event; {@link #wireName()} is the {@code event_type} of the JSON form and
 * {@link #code()} the byte that stands for it in the wire form and the database.
 */
public enum EventType {
  KEYSTROKE("keystroke"),
  MOUSE_MOVE("mouse_move"),
  MOUSE_CLICK("mouse_click"),
  WINDOW_FOCUS("window_focus"),
  SCREENSHOT("screenshot"),
  PROCESS("process"),
  RESOURCE("resource");

  private static final EventType[] BY_CODE = values();

  private final String wireName;

  EventType(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public int code() {
    return ordinal();
  }

  /** The type for a wire code, or null when there is none. */
  public static EventType fromCode(int code) {
    return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
  }

  /** The type for an {@code event_type} string (lower case, exactly), or null when there is none. */
  public static EventType fromWireName(String name) {
    if (name != null) {
      for (EventType t : BY_CODE) {
        if (t.wireName.equals(name)) {
          return t;
        }
      }
    }
    return null;
  }
}
