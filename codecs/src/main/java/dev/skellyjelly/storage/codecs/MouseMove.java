package dev.skellyjelly.storage.codecs;

/**
 * A pointer movement.
 *
 * @param x        i32
 * @param y        i32
 * @param velocity pixels per second, finite and ≥ 0
 */
public record MouseMove(int x, int y, double velocity) implements EventData {

  @Override
  public EventType type() {
    return EventType.MOUSE_MOVE;
  }
}
