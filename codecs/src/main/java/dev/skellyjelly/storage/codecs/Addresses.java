package dev.skellyjelly.storage.codecs;

/**
 * The event-bus addresses of the storage module's public contract. Nobody else spells them.
 */
public final class Addresses {

  /** In: a {@link RawEvent} (typed) or its JSON form; send, publish, or request for a durable acknowledgement. */
  public static final String RAW_EVENT = "skelly.raw-event";
  /** Out: an {@link EventBatch} (typed), published. */
  public static final String EVENT_BATCH = "skelly.event-batch";
  /** Out: the same batch in its JSON form, published. */
  public static final String EVENT_BATCH_JSON = "skelly.event-batch.json";
  /** In: {@code {"window_id": "<uuid>"}}: the analysis of that batch is done. */
  public static final String ANALYSIS_COMPLETE = "skelly.analysis-complete";
  /** In, request/reply: {@code {"screenshot_id": "<uuid>"}} answered with the image bytes while retained. */
  public static final String SCREENSHOT = "skelly.storage.screenshot";
  /** Out: one message per rejected input. */
  public static final String DEAD_LETTER = "skelly.storage.dead-letter";
  /** In, request/reply: a JSON snapshot of the module's metrics. */
  public static final String METRICS = "skelly.storage.metrics";
  /** Out: one message per completed deletion: {@code {"from", "to", "types", "app", "events"}}. */
  public static final String DELETED = "skelly.storage.deleted";
  /** In, request/reply: {@code {"query", "variables"}} answered with the GraphQL response. */
  public static final String QUERY = "skelly.storage.query";

  private Addresses() {
  }
}
