package dev.tandem;

import java.util.List;

/**
 * The database may or may not have committed the write: the connection was lost after the commit
 * was sent. Tandem never retries such a write by itself, since a retry could apply a change twice
 * (race H10 of the design).
 *
 * <p>Before this exception is thrown the keys are fenced in the cache: no read serves a cached
 * value for them until their true state has been read back from the database. Read the keys (or
 * retry with {@link Tandem#putIfVersion}) to learn what happened.
 */
public final class CommitOutcomeUnknownException extends TandemException {
  private static final long serialVersionUID = 1L;

  CommitOutcomeUnknownException(String operation, List<?> keys, Throwable cause) {
    super(
        "outcome of "
            + operation
            + " of "
            + describe(keys)
            + " is unknown (the commit may or may not"
            + " have been applied): "
            + cause.getMessage(),
        keys,
        cause);
  }
}
