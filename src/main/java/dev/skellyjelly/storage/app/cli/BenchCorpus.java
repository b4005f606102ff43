package dev.skellyjelly.storage.app.cli;

import dev.skellyjelly.storage.app.sim.EventMix;
import dev.skellyjelly.storage.codecs.EventData;
import dev.skellyjelly.storage.codecs.RawEvent;
import dev.skellyjelly.storage.codecs.Uuids;

/**
 * The events every measure of {@code bench} uses: the realistic mix, one event per millisecond of event
 * time, a resource sample per second; generated as it is consumed (a million events held at once would not
 * fit the heap the module runs in).
 */
final class BenchCorpus {

  /** A window start (2025-11-26T10:00:00Z), aligned to 30 s: the first event's time. */
  static final long T0 = 1_764_151_200_000L;
  static final long WINDOW_MS = 30_000;

  private final EventMix mix = new EventMix(2026);
  private final boolean producerIds;
  private final int size;
  private int next;

  BenchCorpus(int size, boolean producerIds) {
    this.size = size;
    this.producerIds = producerIds;
  }

  boolean hasNext() {
    return next < size;
  }

  RawEvent next() {
    int i = next++;
    EventData data = i % 1000 == 0 ? mix.resource() : mix.next();
    return new RawEvent(producerIds ? Uuids.random() : null, null, T0 + i, data);
  }
}
