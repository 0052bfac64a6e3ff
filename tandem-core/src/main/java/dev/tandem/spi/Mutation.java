package dev.tandem.spi;

import static java.util.Objects.requireNonNull;

/**
 * A change of one key: a {@link Put} or a {@link Delete}.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public sealed interface Mutation<K, V> {

  /** Returns the key this mutation changes. */
  K key();

  /** Creates or replaces the value of a key. */
  record Put<K, V>(K key, V value) implements Mutation<K, V> {
    /** @throws NullPointerException if key or value is null */
    public Put {
      requireNonNull(key, "key");
      requireNonNull(value, "value");
    }
  }

  /** Deletes a key; deleting an absent key is allowed and still gets a version. */
  record Delete<K, V>(K key) implements Mutation<K, V> {
    /** @throws NullPointerException if key is null */
    public Delete {
      requireNonNull(key, "key");
    }
  }
}
