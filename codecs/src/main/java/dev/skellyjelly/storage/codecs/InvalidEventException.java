package dev.skellyjelly.storage.codecs;

/**
 * An input that breaks the contract's validation rules. The message names the field and what is wrong
 * with it; it never carries image bytes.
 */
public final class InvalidEventException extends RuntimeException {

  private final DeadLetterReason reason;
  private final String field;

  public InvalidEventException(DeadLetterReason reason, String field, String detail) {
    super(detail, null, false, false);
    this.reason = reason;
    this.field = field;
  }

  public DeadLetterReason reason() {
    return reason;
  }

  /** The offending field's path, such as {@code data.key_code}, or null when the input as a whole is wrong. */
  public String field() {
    return field;
  }

  /** What is wrong, naming the field. */
  public String detail() {
    return getMessage();
  }
}
