package dev.tandem.spi;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link CacheTier} holds for a key: a value or a known absence, with the version that
 * orders it against other writes of the key.
 *
 * <p>An absence loaded from the database has version 0, older than every write. An absence written
 * by a delete (a tombstone) has the delete's version.
 *
 * @param value the cached value, or null for a known absence (kept unwrapped: a hit is one pointer
 *     away from the value)
 * @param version the version; 0 only for an absence loaded from the database
 * @param <V> the value type
 */
public record Cached<V>(@Nullable V value, long version) {

  private static final Cached<?> ABSENT = new Cached<>(null, 0);

  /**
   * @throws IllegalArgumentException if version is negative, or 0 with a value
   */
  public Cached {
    if (version < 0 || (version == 0 && value != null)) {
      throw new IllegalArgumentException("invalid version " + version + " for " + value);
    }
  }

  /** Returns an entry for a value written or loaded at {@code version}. */
  public static <V> Cached<V> present(V value, long version) {
    return new Cached<>(java.util.Objects.requireNonNull(value, "value"), version);
  }

  /** Returns a tombstone for a delete committed at {@code version}. */
  public static <V> Cached<V> deleted(long version) {
    return new Cached<>(null, version);
  }

  /** Returns the entry for an absence loaded from the database (version 0). */
  @SuppressWarnings("unchecked")
  public static <V> Cached<V> absent() {
    return (Cached<V>) ABSENT;
  }

  /** Returns the value, or empty for a known absence. */
  public Optional<V> optional() {
    return Optional.ofNullable(value);
  }

  /** Returns whether this entry is newer than {@code other}, so that it may replace it. */
  public boolean isNewerThan(Cached<V> other) {
    return version > other.version;
  }
}
