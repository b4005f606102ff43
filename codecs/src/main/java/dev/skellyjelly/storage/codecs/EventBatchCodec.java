package dev.skellyjelly.storage.codecs;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/** Passes an {@link EventBatch} itself within a JVM; writes the versioned wire form between JVMs. */
public final class EventBatchCodec implements MessageCodec<EventBatch, EventBatch> {

  @Override
  public void encodeToWire(Buffer buffer, EventBatch batch) {
    WireFormat.writeMessage(buffer, batch);
  }

  @Override
  public EventBatch decodeFromWire(int pos, Buffer buffer) {
    return WireFormat.readBatchMessage(buffer, pos);
  }

  @Override
  public EventBatch transform(EventBatch batch) {
    return batch;
  }

  @Override
  public String name() {
    return Codecs.EVENT_BATCH;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
