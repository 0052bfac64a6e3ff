package dev.tandem.spi;

import org.jspecify.annotations.Nullable;

/**
 * The result of one applied {@link Mutation}.
 *
 * @param version the version the store assigned: of the new value for a put or patch, of the
 *     tombstone for a delete; positive, or 0 for a conditional mutation that changed nothing
 *     ({@link #unchanged})
 * @param existed whether the key had a value before the mutation; false for {@link #unchanged}
 * @param value the whole value after a {@link Mutation.Patch}, read back from the store; null for
 *     the other mutations
 */
public record Written(long version, boolean existed, @Nullable Object value) {

  private static final Written UNCHANGED = new Written(0, false, null);

  /**
   * @throws IllegalArgumentException if version is negative, or 0 with a value
   */
  public Written {
    if (version < 0 || version == 0 && value != null) {
      throw new IllegalArgumentException("version must be positive but was " + version);
    }
  }

  /**
   * Returns the result of a put or delete.
   *
   * @throws IllegalArgumentException if version is not positive
   */
  public Written(long version, boolean existed) {
    this(positive(version), existed, null);
  }

  /**
   * Returns the result of a {@link Mutation.Patch} or {@link Mutation.PutIfVersion} that changed
   * nothing (the key was absent, or had another version): version 0, {@code existed} false.
   */
  public static Written unchanged() {
    return UNCHANGED;
  }

  /** Returns whether the mutation wrote (false only for a conditional one that changed nothing). */
  public boolean wrote() {
    return version > 0;
  }

  private static long positive(long version) {
    if (version < 1) {
      throw new IllegalArgumentException("version must be positive but was " + version);
    }
    return version;
  }
}
