package dev.skellyjelly.storage.codecs;

/** The codec of {@link RawEvent} (name {@value Codecs#RAW_EVENT}). */
public final class RawEventCodec extends WireCodec<RawEvent> {

  public RawEventCodec() {
    super(Codecs.RAW_EVENT, WireFormat::writeMessage, WireFormat::readEventMessage);
  }
}
