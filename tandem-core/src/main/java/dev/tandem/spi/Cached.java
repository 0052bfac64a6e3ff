package dev.tandem.spi;

import java.util.Optional;

/**
 * What a {@link CacheTier} holds for a key: a value or a known absence, with the version that
 * orders it against other writes of the key.
 *
 * <p>An absence loaded from the database has version 0, older than every write. An absence
 * written by a delete (a tombstone) has the delete's version.
 *
 * @param value the cached value, or empty for a known absence
 * @param version the version; 0 only for an absence loaded from the database
 * @param <V> the value type
 */
public record Cached<V>(Optional<V> value, long version) {

  private static final Cached<?> ABSENT = new Cached<>(Optional.empty(), 0);

  /** @throws IllegalArgumentException if version is negative, or 0 with a value */
  public Cached {
    if (version < 0 || (version == 0 && value.isPresent())) {
      throw new IllegalArgumentException("invalid version " + version + " for " + value);
    }
  }

  /** Returns an entry for a value written or loaded at {@code version}. */
  public static <V> Cached<V> present(V value, long version) {
    return new Cached<>(Optional.of(value), version);
  }

  /** Returns a tombstone for a delete committed at {@code version}. */
  public static <V> Cached<V> deleted(long version) {
    return new Cached<>(Optional.empty(), version);
  }

  /** Returns the entry for an absence loaded from the database (version 0). */
  @SuppressWarnings("unchecked")
  public static <V> Cached<V> absent() {
    return (Cached<V>) ABSENT;
  }

  /** Returns whether this entry is newer than {@code other}, so that it may replace it. */
  public boolean isNewerThan(Cached<V> other) {
    return version > other.version;
  }
}
