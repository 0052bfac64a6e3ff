package dev.tandem;

import java.util.List;

/**
 * The database failed and the operation did not take effect: a failed write was not committed (it
 * was rolled back, or never sent), and the cache is unchanged.
 */
public final class StoreException extends TandemException {
  private static final long serialVersionUID = 1L;

  StoreException(String operation, List<?> keys, Throwable cause) {
    super(
        operation + " of " + describe(keys) + " failed in the store: " + cause.getMessage(),
        keys,
        cause);
  }
}
