package dev.skellyjelly.storage.codecs;

/** A mouse click at a screen position. */
public record MouseClick(int x, int y, Button button, ClickType clickType) implements EventData {

  public enum Button {
    LEFT, RIGHT, MIDDLE;

    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public enum ClickType {
    SINGLE, DOUBLE, TRIPLE;

    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  @Override
  public EventType type() {
    return EventType.MOUSE_CLICK;
  }
}
