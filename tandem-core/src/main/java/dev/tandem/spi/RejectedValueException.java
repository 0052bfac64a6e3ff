package dev.tandem.spi;

/**
 * Thrown by a store when a value cannot be stored at all (it fails to encode, or breaks a limit
 * known before any statement runs). Tandem reports it to the caller as an {@link
 * IllegalArgumentException} naming the key.
 */
public class RejectedValueException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient Object key;

  /** Creates the exception for {@code key} with a message that says what is wrong. */
  public RejectedValueException(Object key, String message, Throwable cause) {
    super(message, cause);
    this.key = key;
  }

  /** Creates the exception for {@code key} with a message that says what is wrong. */
  public RejectedValueException(Object key, String message) {
    super(message);
    this.key = key;
  }

  /** Returns the key whose value was rejected. */
  public Object key() {
    return key;
  }
}
