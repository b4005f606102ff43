package dev.skellyjelly.storage.codecs;

/**
 * Why an input was rejected. Declared in the contract's order of precedence: when several apply, the
 * one declared first wins.
 */
public enum DeadLetterReason {
  NOT_AN_OBJECT("not_an_object"),
  BAD_WIRE("bad_wire"),
  UNKNOWN_EVENT_TYPE("unknown_event_type"),
  MISSING_FIELD("missing_field"),
  BAD_UUID("bad_uuid"),
  BAD_TIMESTAMP("bad_timestamp"),
  FUTURE_TIMESTAMP("future_timestamp"),
  BAD_FIELD("bad_field"),
  TOO_LARGE("too_large"),
  BAD_IMAGE("bad_image");

  private final String wireName;

  DeadLetterReason(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }
}
