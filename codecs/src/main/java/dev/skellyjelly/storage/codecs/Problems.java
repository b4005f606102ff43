package dev.skellyjelly.storage.codecs;

/** Collects what is wrong with an input and keeps the reason that outranks the rest ({@link DeadLetterReason}). */
final class Problems {

  private DeadLetterReason reason;
  private String field;
  private String detail;

  void add(DeadLetterReason r, String f, String d) {
    if (reason == null || r.outranks(reason)) {
      reason = r;
      field = f;
      detail = d;
    }
  }

  boolean any() {
    return reason != null;
  }

  void throwIfAny() {
    if (reason != null) {
      throw new InvalidEventException(reason, field, detail);
    }
  }

  static final long U32_MAX = 0xFFFF_FFFFL;

  void u32(String path, long v) {
    if (v < 0 || v > U32_MAX) {
      add(DeadLetterReason.BAD_FIELD, path, path + " must be an integer 0…4294967295, got " + v);
    }
  }

  void nonNegativeFinite(String path, double v) {
    if (!Double.isFinite(v)) {
      add(DeadLetterReason.BAD_FIELD, path, path + " must be a finite number, got " + v);
    } else if (v < 0) {
      add(DeadLetterReason.BAD_FIELD, path, path + " must be ≥ 0, got " + v);
    }
  }

  void text(String path, String v) {
    if (v == null) {
      add(DeadLetterReason.MISSING_FIELD, path, path + " is missing");
    } else if (v.length() > ValidationLimits.MAX_STRING_CHARS) {
      add(DeadLetterReason.TOO_LARGE, path, path + " has " + v.length() + " characters, at most "
        + ValidationLimits.MAX_STRING_CHARS + " allowed");
    }
  }

  void present(String path, Object v) {
    if (v == null) {
      add(DeadLetterReason.MISSING_FIELD, path, path + " is missing");
    }
  }

  /** Checks optional UUID text; returns it in lower case. */
  String uuid(String path, String v, boolean required) {
    if (v == null) {
      if (required) {
        add(DeadLetterReason.MISSING_FIELD, path, path + " is missing");
      }
      return null;
    }
    if (!Uuids.isCanonical(v)) {
      add(DeadLetterReason.BAD_UUID, path, path + " is not a canonical UUID: " + clip(v));
      return null;
    }
    return Uuids.normalize(v);
  }

  void timestamp(long ms, long nowMs, ValidationLimits limits) {
    if (ms < 0) {
      add(DeadLetterReason.BAD_TIMESTAMP, "timestamp", "timestamp is before 1970: " + ms);
    } else if (ms - nowMs > limits.maxClockSkewMs()) {
      add(DeadLetterReason.FUTURE_TIMESTAMP, "timestamp", "timestamp lies " + (ms - nowMs)
        + " ms in the future, at most " + limits.maxClockSkewMs() + " allowed");
    }
  }

  static String clip(String s) {
    return s.length() <= 64 ? '"' + s + '"' : '"' + s.substring(0, 64) + "…\"";
  }
}
