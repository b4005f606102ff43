package dev.skellyjelly.storage.codecs;

/** Where a screenshot's bytes live, as a {@link ScreenshotRef} and the {@code screenshots} table say it. */
public enum ScreenshotStorage {
  MEMORY("memory"),
  DISK("disk"),
  /** A masked capture that came without an image. */
  NONE("none"),
  /** The bytes were deleted (only seen in replayed batches). */
  DELETED("deleted");

  private final String wireName;

  ScreenshotStorage(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  public static ScreenshotStorage fromWireName(String name) {
    for (ScreenshotStorage s : values()) {
      if (s.wireName.equals(name)) {
        return s;
      }
    }
    return null;
  }
}
