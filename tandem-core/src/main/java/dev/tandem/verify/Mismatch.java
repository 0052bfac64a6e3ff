package dev.tandem.verify;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * A key whose cached entry disagrees with the database, seen twice in a row the same way.
 *
 * @param key the key
 * @param kind how they disagree
 * @param cacheVersion the cached entry's version; null when the cache was read through {@link
 *     dev.tandem.Tandem#getIfCached}, which does not tell it
 * @param databaseVersion the row's version, or 0 when the database has no row
 * @param cacheValue the cached value, or null for a cached absence
 * @param databaseValue the database's value, or null when it has no row
 * @param <K> the key type
 * @param <V> the value type
 */
public record Mismatch<K, V>(
    K key,
    Kind kind,
    @Nullable Long cacheVersion,
    long databaseVersion,
    @Nullable V cacheValue,
    @Nullable V databaseValue) {

  /** How a cached entry and the database disagree. */
  public enum Kind {
    /**
     * Same version (or version unknown), different value: typically the row was changed by SQL that
     * bypassed Tandem, which does not draw a new version.
     */
    VALUE_DIFFERS("value differs"),
    /** The cache holds an older version than the database: a write it did not see. */
    STALE("cache is older"),
    /** The cache holds a newer version than the database: the database went back (a restore?). */
    AHEAD("cache is newer"),
    /** The cache holds a value, the database has no row: deleted without Tandem. */
    DELETED("row deleted"),
    /** The cache holds an absence, the database has a row: inserted without Tandem. */
    MISSING("row not in cache");

    private final String label;

    Kind(String label) {
      this.label = label;
    }

    /** Returns a short description for tables, for example "value differs". */
    public String label() {
      return label;
    }
  }

  /** Creates the mismatch. */
  public Mismatch {
    requireNonNull(key, "key");
    requireNonNull(kind, "kind");
  }
}
