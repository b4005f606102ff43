package dev.skellyjelly.storage.codecs;

/** The {@code data} of a {@link RawEvent}: one record per event type. */
public sealed interface EventData
  permits Keystroke, MouseMove, MouseClick, WindowFocus, Screenshot, ProcessEvent, ResourceUsage {

  /** The event type this data belongs to. */
  EventType type();
}
