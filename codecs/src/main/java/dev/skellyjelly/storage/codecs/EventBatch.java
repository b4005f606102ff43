package dev.skellyjelly.storage.codecs;

import java.util.List;

/**
 * The committed events of one session's event-time window, or of one part of it, as the Analysis Engine
 * receives them on {@link Addresses#EVENT_BATCH}. Screenshot events carry metadata only; their bytes are
 * reached through {@link #screenshotRefs()}.
 *
 * @param windowId      stable for (session, window start, part, firing)
 * @param windowStartMs inclusive bound, aligned to the window length
 * @param windowEndMs   exclusive bound
 * @param part          0-based part of this firing
 * @param parts         how many parts this firing has
 * @param late          a later firing carrying events committed after the window closed
 * @param replayed      re-emitted after a restart
 */
public record EventBatch(String windowId, String sessionId, long windowStartMs, long windowEndMs, int part,
                         int parts, boolean late, boolean replayed, List<RawEvent> events,
                         List<ScreenshotRef> screenshotRefs) {

  public EventBatch {
    events = List.copyOf(events);
    screenshotRefs = List.copyOf(screenshotRefs);
  }
}
