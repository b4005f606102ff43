package dev.skellyjelly.storage.codecs;

/** The codec of {@link EventBatch} (name {@value Codecs#EVENT_BATCH}). */
public final class EventBatchCodec extends WireCodec<EventBatch> {

  public EventBatchCodec() {
    super(Codecs.EVENT_BATCH, WireFormat::writeMessage, WireFormat::readBatchMessage);
  }
}
