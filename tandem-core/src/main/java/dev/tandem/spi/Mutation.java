package dev.tandem.spi;

import static java.util.Objects.requireNonNull;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A change of one key: a {@link Put} or a {@link Delete}, and for stores that declare them a {@link
 * Patch} ({@link Store#patchColumns}) or a {@link PutIfVersion} ({@link Store#putsIfVersion}). A
 * store that does not declare them is never given them.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public sealed interface Mutation<K, V> {

  /** Returns the key this mutation changes. */
  K key();

  /** Creates or replaces the value of a key. */
  record Put<K, V>(K key, V value) implements Mutation<K, V> {
    /**
     * @throws NullPointerException if key or value is null
     */
    public Put {
      requireNonNull(key, "key");
      requireNonNull(value, "value");
    }
  }

  /** Deletes a key; deleting an absent key is allowed and still gets a version. */
  record Delete<K, V>(K key) implements Mutation<K, V> {
    /**
     * @throws NullPointerException if key is null
     */
    public Delete {
      requireNonNull(key, "key");
    }
  }

  /**
   * Sets some value columns of an existing key and gives it a new version, leaving the other
   * columns as they are; changes nothing if the key is absent. Its {@link Written} carries the
   * whole new value ({@link Written#value}), or is {@link Written#unchanged} for an absent key.
   *
   * @param columns column name to new value (null for SQL NULL), names among {@link
   *     Store#patchColumns}; not empty
   */
  record Patch<K, V>(K key, Map<String, @Nullable Object> columns) implements Mutation<K, V> {
    /**
     * @throws NullPointerException if key or columns is null
     * @throws IllegalArgumentException if columns is empty
     */
    public Patch {
      requireNonNull(key, "key");
      requireNonNull(columns, "columns");
      if (columns.isEmpty()) {
        throw new IllegalArgumentException("a patch of key " + key + " sets no column");
      }
    }
  }

  /**
   * Replaces the value of a key only if its committed version is {@code expectedVersion}; changes
   * nothing otherwise (the key is absent or has another version), and its {@link Written} is then
   * {@link Written#unchanged}.
   */
  record PutIfVersion<K, V>(K key, V value, long expectedVersion) implements Mutation<K, V> {
    /**
     * @throws NullPointerException if key or value is null
     * @throws IllegalArgumentException if expectedVersion is not positive
     */
    public PutIfVersion {
      requireNonNull(key, "key");
      requireNonNull(value, "value");
      if (expectedVersion < 1) {
        throw new IllegalArgumentException(
            "expected version must be positive but was " + expectedVersion);
      }
    }
  }
}
