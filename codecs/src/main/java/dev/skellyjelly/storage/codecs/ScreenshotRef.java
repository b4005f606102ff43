package dev.skellyjelly.storage.codecs;

/**
 * How a batch points at a screenshot whose bytes the Analysis Engine may fetch from
 * {@link Addresses#SCREENSHOT}.
 *
 * @param sizeBytes the image's length
 * @param width     pixel width from the image header
 * @param height    pixel height from the image header
 */
public record ScreenshotRef(String screenshotId, long timestampMs, ImageFormat format, long sizeBytes,
                            int width, int height, ScreenshotStorage storage) {

  public ScreenshotRef withStorage(ScreenshotStorage storage) {
    return storage == this.storage ? this
      : new ScreenshotRef(screenshotId, timestampMs, format, sizeBytes, width, height, storage);
  }
}
