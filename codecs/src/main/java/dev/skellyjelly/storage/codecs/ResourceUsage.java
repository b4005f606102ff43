package dev.skellyjelly.storage.codecs;

/**
 * A resource-usage sample. Rates and percentages are finite and ≥ 0 ({@code cpuPercent} may pass 100 on
 * several cores).
 *
 * @param memoryMb u32
 */
public record ResourceUsage(double cpuPercent, long memoryMb, double diskIoMbPerSec, double networkIoMbPerSec)
  implements EventData {

  @Override
  public EventType type() {
    return EventType.RESOURCE;
  }
}
