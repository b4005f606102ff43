package dev.skellyjelly.storage.codecs;

/**
 * A process started, stopped or crashed.
 *
 * @param processId   u32
 * @param processName at most 4096 characters
 * @param eventType   what happened to the process
 */
public record ProcessEvent(long processId, String processName, Change eventType) implements EventData {

  public enum Change {
    STARTED, STOPPED, CRASHED;

    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  @Override
  public EventType type() {
    return EventType.PROCESS;
  }
}
