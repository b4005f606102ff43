package dev.skellyjelly.storage.codecs;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/** Passes a {@link RawEvent} itself within a JVM; writes the versioned wire form between JVMs. */
public final class RawEventCodec implements MessageCodec<RawEvent, RawEvent> {

  @Override
  public void encodeToWire(Buffer buffer, RawEvent event) {
    WireFormat.writeMessage(buffer, event);
  }

  @Override
  public RawEvent decodeFromWire(int pos, Buffer buffer) {
    return WireFormat.readEventMessage(buffer, pos);
  }

  @Override
  public RawEvent transform(RawEvent event) {
    return event;
  }

  @Override
  public String name() {
    return Codecs.RAW_EVENT;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
