package dev.skellyjelly.storage.codecs;

/** Image formats a screenshot may arrive in. */
public enum ImageFormat {
  PNG("png"),
  WEBP("webp"),
  HEIC("heic");

  private final String wireName;

  ImageFormat(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  /** The format for its lower-case name, or null when there is none. */
  public static ImageFormat fromWireName(String name) {
    for (ImageFormat f : values()) {
      if (f.wireName.equals(name)) {
        return f;
      }
    }
    return null;
  }
}
