package dev.skellyjelly.storage.codecs;

/**
 * The configurable bounds of validation.
 *
 * @param maxClockSkewMs how far in the future a timestamp may lie
 * @param maxImageBytes  the largest screenshot image accepted
 */
public record ValidationLimits(long maxClockSkewMs, long maxImageBytes) {

  /** The contract's defaults: 5 s of skew, 16 MB images. */
  public static final ValidationLimits DEFAULTS = new ValidationLimits(5000, 16L << 20);

  /** Longest {@code window_title}, {@code app_name} or {@code process_name}, in characters. */
  public static final int MAX_STRING_CHARS = 4096;
}
