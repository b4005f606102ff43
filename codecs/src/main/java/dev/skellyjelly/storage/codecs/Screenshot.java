package dev.skellyjelly.storage.codecs;

import java.util.Arrays;
import java.util.Objects;

/**
 * A screen capture. The record owns {@code image}: nobody mutates the array once the record exists
 * (it is shared, not copied, so a 5 MB capture costs no copy on its way through the module).
 *
 * @param screenshotId  canonical lower-case UUID
 * @param format        the stated image format
 * @param image         the encoded image, or null when absent (allowed only when {@code privacyMasked})
 * @param windowTitle   at most 4096 characters
 * @param appName       at most 4096 characters
 * @param screenRegion  the captured region
 * @param privacyMasked whether sensitive content was masked out
 */
public record Screenshot(String screenshotId, ImageFormat format, byte[] image, String windowTitle,
                         String appName, Region screenRegion, boolean privacyMasked) implements EventData {

  /** @param width u32 @param height u32 */
  public record Region(int x, int y, long width, long height) {
  }

  @Override
  public EventType type() {
    return EventType.SCREENSHOT;
  }

  /** Length of the image in bytes, 0 when absent. */
  public int imageLength() {
    return image == null ? 0 : image.length;
  }

  public Screenshot withoutImage() {
    return image == null ? this : new Screenshot(screenshotId, format, null, windowTitle, appName, screenRegion, privacyMasked);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Screenshot s
      && privacyMasked == s.privacyMasked
      && Objects.equals(screenshotId, s.screenshotId)
      && format == s.format
      && Arrays.equals(image, s.image)
      && Objects.equals(windowTitle, s.windowTitle)
      && Objects.equals(appName, s.appName)
      && Objects.equals(screenRegion, s.screenRegion);
  }

  @Override
  public int hashCode() {
    return Objects.hash(screenshotId, format, Arrays.hashCode(image), windowTitle, appName, screenRegion, privacyMasked);
  }

  @Override
  public String toString() {
    // Never the pixels.
    return "Screenshot[screenshotId=" + screenshotId + ", format=" + format + ", image=" + imageLength()
      + " bytes, appName=" + appName + ", screenRegion=" + screenRegion + ", privacyMasked=" + privacyMasked + "]";
  }
}
