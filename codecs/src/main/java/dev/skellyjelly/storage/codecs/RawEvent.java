package dev.skellyjelly.storage.codecs;

import java.util.Objects;

/**
 * One behavioural event as Data Capture publishes it on {@link Addresses#RAW_EVENT}.
 *
 * @param id          canonical lower-case UUID, or null for the module to assign one
 * @param sessionId   canonical lower-case UUID, or null for the module's own session
 * @param timestampMs event time, epoch milliseconds (UTC)
 * @param data        the type-specific fields
 */
public record RawEvent(String id, String sessionId, long timestampMs, EventData data) {

  public RawEvent {
    Objects.requireNonNull(data, "data");
  }

  public EventType eventType() {
    return data.type();
  }

  /** This event with the given id and session, the same instance when nothing changes. */
  public RawEvent withIds(String id, String sessionId) {
    if (Objects.equals(id, this.id) && Objects.equals(sessionId, this.sessionId)) {
      return this;
    }
    return new RawEvent(id, sessionId, timestampMs, data);
  }

  /** This event without screenshot pixels (how batches carry screenshots); the same instance when it has none. */
  public RawEvent withoutImage() {
    if (data instanceof Screenshot s && s.image() != null) {
      return new RawEvent(id, sessionId, timestampMs, s.withoutImage());
    }
    return this;
  }
}
