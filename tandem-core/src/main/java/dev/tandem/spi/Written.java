package dev.tandem.spi;

/**
 * The result of one applied {@link Mutation}.
 *
 * @param version the version the store assigned: of the new value for a put, of the tombstone
 *     for a delete; positive
 * @param existed whether the key had a value before the mutation
 */
public record Written(long version, boolean existed) {

  /** @throws IllegalArgumentException if version is not positive */
  public Written {
    if (version < 1) {
      throw new IllegalArgumentException("version must be positive but was " + version);
    }
  }
}
