package dev.skellyjelly.storage.codecs;

/**
 * The focused window changed.
 *
 * @param windowTitle at most 4096 characters
 * @param appName     at most 4096 characters
 * @param processId   u32
 * @param durationMs  u32 time spent in the previous window, or null
 */
public record WindowFocus(String windowTitle, String appName, long processId, Long durationMs)
  implements EventData {

  @Override
  public EventType type() {
    return EventType.WINDOW_FOCUS;
  }
}
