package dev.skellyjelly.storage.codecs;

/**
 * Validates typed {@link RawEvent}s by the contract's rules (the same rules the JSON form is held to),
 * reporting the reason of highest precedence when several apply.
 */
public final class EventValidator {

  private EventValidator() {
  }

  /**
   * Checks an event and returns it with its UUIDs in lower case (the same instance when they already are).
   *
   * @param nowMs the receiver's clock, for the future-timestamp rule
   * @throws InvalidEventException naming the reason and the field
   */
  public static RawEvent validate(RawEvent e, long nowMs, ValidationLimits limits) {
    return validate(e, nowMs, limits, false);
  }

  /** The same, where {@code imageless} says a screenshot carries no image (an exported one: CONTRACT §8). */
  static RawEvent validate(RawEvent e, long nowMs, ValidationLimits limits, boolean imageless) {
    Problems p = new Problems();
    RawEvent normalized = check(e, nowMs, limits, imageless, p);
    p.throwIfAny();
    return normalized;
  }

  static RawEvent check(RawEvent e, long nowMs, ValidationLimits limits, boolean imageless, Problems p) {
    String id = p.uuid("id", e.id(), false);
    String session = p.uuid("session_id", e.sessionId(), false);
    p.timestamp(e.timestampMs(), nowMs, limits);
    EventData data = checkData(e.data(), limits, imageless, p);
    if (p.any()) {
      return e;
    }
    if (data == e.data()) {
      return e.withIds(id, session);
    }
    return new RawEvent(id, session, e.timestampMs(), data);
  }

  private static EventData checkData(EventData data, ValidationLimits limits, boolean imageless, Problems p) {
    if (data instanceof Keystroke k) {
      p.u32("data.key_code", k.keyCode());
      p.present("data.modifiers", k.modifiers());
      if (k.interKeyIntervalMs() != null) {
        p.u32("data.inter_key_interval_ms", k.interKeyIntervalMs());
      }
    } else if (data instanceof MouseMove m) {
      p.nonNegativeFinite("data.velocity", m.velocity());
    } else if (data instanceof MouseClick c) {
      p.present("data.button", c.button());
      p.present("data.click_type", c.clickType());
    } else if (data instanceof WindowFocus w) {
      p.text("data.window_title", w.windowTitle());
      p.text("data.app_name", w.appName());
      p.u32("data.process_id", w.processId());
      if (w.durationMs() != null) {
        p.u32("data.duration_ms", w.durationMs());
      }
    } else if (data instanceof ProcessEvent pe) {
      p.u32("data.process_id", pe.processId());
      p.text("data.process_name", pe.processName());
      p.present("data.event_type", pe.eventType());
    } else if (data instanceof ResourceUsage r) {
      p.nonNegativeFinite("data.cpu_percent", r.cpuPercent());
      p.u32("data.memory_mb", r.memoryMb());
      p.nonNegativeFinite("data.disk_io_mb_per_sec", r.diskIoMbPerSec());
      p.nonNegativeFinite("data.network_io_mb_per_sec", r.networkIoMbPerSec());
    } else if (data instanceof Screenshot s) {
      return checkScreenshot(s, limits, imageless, p);
    }
    return data;
  }

  private static Screenshot checkScreenshot(Screenshot s, ValidationLimits limits, boolean imageless, Problems p) {
    String sid = p.uuid("data.screenshot_id", s.screenshotId(), true);
    p.present("data.format", s.format());
    p.text("data.window_title", s.windowTitle());
    p.text("data.app_name", s.appName());
    if (s.screenRegion() == null) {
      p.present("data.screen_region", null);
    } else {
      p.u32("data.screen_region.width", s.screenRegion().width());
      p.u32("data.screen_region.height", s.screenRegion().height());
    }
    byte[] image = s.image();
    if (image == null) {
      if (!s.privacyMasked() && !imageless) {
        p.present("data.image", null);
      }
    } else if (image.length > limits.maxImageBytes()) {
      p.add(DeadLetterReason.TOO_LARGE, "data.image", "data.image has " + image.length + " bytes, at most "
        + limits.maxImageBytes() + " allowed");
    } else if (image.length == 0) {
      if (!s.privacyMasked()) {
        p.add(DeadLetterReason.BAD_IMAGE, "data.image", "data.image is empty and privacy_masked is false");
      }
    } else if (s.format() != null) {
      try {
        ImageHeaders.read(image, s.format());
      } catch (IllegalArgumentException bad) {
        p.add(DeadLetterReason.BAD_IMAGE, "data.image", "data.image: " + bad.getMessage());
      }
    }
    if (sid != null && !sid.equals(s.screenshotId())) {
      return new Screenshot(sid, s.format(), s.image(), s.windowTitle(), s.appName(), s.screenRegion(), s.privacyMasked());
    }
    return s;
  }
}
