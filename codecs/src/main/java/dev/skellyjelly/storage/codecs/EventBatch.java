package dev.skellyjelly.storage.codecs;

import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

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
 * @param pausedMs      how many milliseconds of the window capture was paused
 */
public record EventBatch(String windowId, String sessionId, long windowStartMs, long windowEndMs, int part,
                         int parts, boolean late, boolean replayed, long pausedMs, List<RawEvent> events,
                         List<ScreenshotRef> screenshotRefs) {

  /** A batch of a window that capture was never paused in. */
  public EventBatch(String windowId, String sessionId, long windowStartMs, long windowEndMs, int part, int parts,
                    boolean late, boolean replayed, List<RawEvent> events, List<ScreenshotRef> screenshotRefs) {
    this(windowId, sessionId, windowStartMs, windowEndMs, part, parts, late, replayed, 0, events, screenshotRefs);
  }

  public EventBatch {
    events = events instanceof HandedOver<RawEvent> given ? given : List.copyOf(events);
    screenshotRefs = List.copyOf(screenshotRefs);
  }

  /**
   * Events given up by their owner for a batch: the batch keeps them as they are instead of copying them,
   * and nobody can change them through the batch. A window of 30 000 events is published without a 120 KB
   * copy, which was what most often set off a garbage collection between a window's close and its batch.
   * The caller must not change {@code events} (or the list it is a view of) afterwards, nor hold nulls in it.
   */
  public static List<RawEvent> handOver(List<RawEvent> events) {
    return events instanceof HandedOver<RawEvent> given ? given : new HandedOver<>(events);
  }

  /** The list behind a batch's events as given to {@link #handOver}, or {@code events} itself. */
  static List<?> given(List<?> events) {
    return events instanceof HandedOver<?> h ? h.owned : events;
  }

  /** An unmodifiable view that {@link EventBatch} trusts not to change. */
  private static final class HandedOver<E> extends AbstractList<E> implements RandomAccess {
    private final List<E> owned;

    HandedOver(List<E> owned) {
      this.owned = owned;
    }

    @Override
    public E get(int index) {
      return owned.get(index);
    }

    @Override
    public int size() {
      return owned.size();
    }
  }
}
