package dev.tandem;

/**
 * A value was refused before any I/O by the {@linkplain Tandem.Builder#validator validator}:
 * nothing was written and the cache is unchanged. The cause is what the validator threw.
 */
public final class InvalidValueException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;
  private final transient Object key;

  InvalidValueException(String operation, Object key, RuntimeException cause) {
    super(operation + ": the value of key " + key + " is invalid: " + cause.getMessage(), cause);
    this.key = key;
  }

  /** Returns the key whose value was refused. */
  public Object key() {
    return key;
  }
}
