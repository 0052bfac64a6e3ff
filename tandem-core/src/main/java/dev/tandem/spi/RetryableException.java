package dev.tandem.spi;

/**
 * Thrown by a store when a transaction failed for a passing reason and did <b>not</b> commit, so
 * that running it again from the start is safe: a serialization failure, a detected deadlock, a
 * lock timeout, or a connection that could not be obtained or was refused before any statement was
 * sent. Tandem retries such a transaction with capped exponential backoff and jitter.
 *
 * <p>Never throw it when the outcome is unknown: that is {@link AmbiguousCommitException}.
 */
public class RetryableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with the store's failure. */
  public RetryableException(String message, Throwable cause) {
    super(message, cause);
  }
}
