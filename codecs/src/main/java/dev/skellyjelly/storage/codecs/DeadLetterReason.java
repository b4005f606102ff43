package dev.skellyjelly.storage.codecs;

/**
 * Why an input was rejected. When an input has several problems, the reason with the lowest
 * {@link #precedence()} wins (the contract's order: not_an_object first, bad_image last). The number is
 * stated per reason so that declaration order means nothing: reordering or inserting a constant cannot
 * change which reason a producer is told.
 */
public enum DeadLetterReason {
  NOT_AN_OBJECT("not_an_object", 1),
  BAD_WIRE("bad_wire", 2),
  UNKNOWN_EVENT_TYPE("unknown_event_type", 3),
  MISSING_FIELD("missing_field", 4),
  BAD_UUID("bad_uuid", 5),
  BAD_TIMESTAMP("bad_timestamp", 6),
  FUTURE_TIMESTAMP("future_timestamp", 7),
  BAD_FIELD("bad_field", 8),
  TOO_LARGE("too_large", 9),
  BAD_IMAGE("bad_image", 10);

  private final String wireName;
  private final int precedence;

  DeadLetterReason(String wireName, int precedence) {
    this.wireName = wireName;
    this.precedence = precedence;
  }

  public String wireName() {
    return wireName;
  }

  /** The contract's rank of this reason: 1 wins over every other reason an input also has. */
  public int precedence() {
    return precedence;
  }

  /** Whether this reason is the one reported when an input has both this problem and {@code other}. */
  public boolean outranks(DeadLetterReason other) {
    return precedence < other.precedence;
  }
}
