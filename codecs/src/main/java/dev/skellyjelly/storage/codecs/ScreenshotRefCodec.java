package dev.skellyjelly.storage.codecs;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

/** Passes a {@link ScreenshotRef} itself within a JVM; writes the versioned wire form between JVMs. */
public final class ScreenshotRefCodec implements MessageCodec<ScreenshotRef, ScreenshotRef> {

  @Override
  public void encodeToWire(Buffer buffer, ScreenshotRef ref) {
    WireFormat.writeMessage(buffer, ref);
  }

  @Override
  public ScreenshotRef decodeFromWire(int pos, Buffer buffer) {
    return WireFormat.readRefMessage(buffer, pos);
  }

  @Override
  public ScreenshotRef transform(ScreenshotRef ref) {
    return ref;
  }

  @Override
  public String name() {
    return Codecs.SCREENSHOT_REF;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
