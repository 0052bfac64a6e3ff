package dev.tandem;

import java.util.List;

/**
 * The cache tier could not be reached to prepare a write, so the write was refused before the
 * database was touched: nothing was written. Writing without the tier could leave another node's
 * copy stale, which Tandem never trades for availability unless told to. Also thrown by {@link
 * Tandem#invalidate} and {@link Tandem#invalidateAll} when the tier cannot be reached.
 */
public final class CacheTierUnavailableException extends TandemException {
  private static final long serialVersionUID = 1L;

  CacheTierUnavailableException(String operation, List<?> keys, Throwable cause) {
    super(
        operation
            + " of "
            + describe(keys)
            + " refused: the cache tier is unavailable: "
            + cause.getMessage(),
        keys,
        cause);
  }
}
