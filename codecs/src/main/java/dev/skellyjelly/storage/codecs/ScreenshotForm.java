package dev.skellyjelly.storage.codecs;

import java.util.Base64;

/** A screenshot's form, with or without its image (a batch carries it without). */
final class ScreenshotForm extends JsonForm {

  private static final JsonForm REGION = new JsonForm(-1, "x", "y", "width", "height") {
    @Override
    Object value(Object record, int i) {
      Screenshot.Region r = (Screenshot.Region) record;
      return switch (i) {
        case 0 -> r.x();
        case 1 -> r.y();
        case 2 -> r.width();
        default -> r.height();
      };
    }
  };

  private final boolean withImage;

  ScreenshotForm(boolean withImage) {
    super(5, "screenshot_id", "format", "image", "window_title", "app_name", "screen_region", "privacy_masked");
    this.withImage = withImage;
  }

  @Override
  boolean has(Object record, int i) {
    Screenshot s = (Screenshot) record;
    return switch (i) {
      case 2 -> withImage && s.image() != null;
      case 5 -> s.screenRegion() != null;
      default -> true;
    };
  }

  @Override
  Object value(Object record, int i) {
    Screenshot s = (Screenshot) record;
    return switch (i) {
      case 0 -> s.screenshotId();
      case 1 -> s.format() == null ? null : s.format().wireName();
      case 2 -> Base64.getUrlEncoder().withoutPadding().encodeToString(s.image());
      case 3 -> s.windowTitle();
      case 4 -> s.appName();
      case 5 -> s.screenRegion();
      default -> s.privacyMasked();
    };
  }

  @Override
  JsonForm child(Object record) {
    return REGION;
  }
}
