package dev.tandem;

import java.util.List;

/** A conditional write found another version than it expected, and wrote nothing. */
public final class VersionConflictException extends TandemException {
  private static final long serialVersionUID = 1L;

  private final long expectedVersion;
  private final long actualVersion;

  VersionConflictException(Object key, long expectedVersion, long actualVersion) {
    super(
        "version conflict on key "
            + key
            + ": expected version "
            + expectedVersion
            + " but found "
            + (actualVersion == 0 ? "no value" : "version " + actualVersion),
        List.of(key),
        null);
    this.expectedVersion = expectedVersion;
    this.actualVersion = actualVersion;
  }

  /** Returns the version the caller expected; 0 means the caller expected the key to be absent. */
  public long expectedVersion() {
    return expectedVersion;
  }

  /** Returns the version found in the database; 0 means the key was absent. */
  public long actualVersion() {
    return actualVersion;
  }
}
