package dev.skellyjelly.storage.codecs;

/** The codec of {@link ScreenshotRef} (name {@value Codecs#SCREENSHOT_REF}). */
public final class ScreenshotRefCodec extends WireCodec<ScreenshotRef> {

  public ScreenshotRefCodec() {
    super(Codecs.SCREENSHOT_REF, WireFormat::writeMessage, WireFormat::readRefMessage);
  }
}
