package dev.tandem;

import static java.util.Objects.requireNonNull;

/**
 * A value together with the version the database assigned to it when it was written.
 *
 * <p>Versions are positive and strictly increase per key, across deletes and re-creates: of two
 * committed writes of one key, the later one has the greater version.
 *
 * @param value the value, never null
 * @param version the version, at least 1
 * @param <V> the value type
 */
public record Versioned<V>(V value, long version) {

  /**
   * Creates a versioned value.
   *
   * @throws NullPointerException if {@code value} is null
   * @throws IllegalArgumentException if {@code version} is not positive
   */
  public Versioned {
    requireNonNull(value, "value");
    if (version < 1) {
      throw new IllegalArgumentException("version must be positive but was " + version);
    }
  }
}
