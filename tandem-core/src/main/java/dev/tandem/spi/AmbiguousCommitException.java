package dev.tandem.spi;

/**
 * Thrown by {@link StoreTransaction#commit()} when the commit was sent but its outcome is unknown,
 * typically because the connection was lost before the answer arrived.
 */
public class AmbiguousCommitException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with the failure that made the outcome unknown. */
  public AmbiguousCommitException(String message, Throwable cause) {
    super(message, cause);
  }
}
