package dev.tandem;

import java.time.Duration;
import java.util.List;

/**
 * A write gave up before it reached the database: its {@linkplain Tandem.Builder#writeTimeout write
 * timeout} passed while it waited for its keys or for its turn in group commit, or its thread was
 * interrupted while it waited (the thread's interrupt status is set again). Nothing was written and
 * the cache is unchanged; the write may be tried again.
 */
public final class WriteCancelledException extends TandemException {
  private static final long serialVersionUID = 1L;

  private WriteCancelledException(String message, List<?> keys) {
    super(message, keys, null);
  }

  static WriteCancelledException timedOut(String operation, List<?> keys, Duration timeout) {
    return new WriteCancelledException(
        operation
            + " of "
            + describe(keys)
            + " did not reach the database within "
            + "the write timeout of "
            + timeout
            + "; nothing was written",
        keys);
  }

  static WriteCancelledException interrupted(String operation, List<?> keys) {
    return new WriteCancelledException(
        operation
            + " of "
            + describe(keys)
            + " was interrupted before it reached the database; nothing was written",
        keys);
  }
}
