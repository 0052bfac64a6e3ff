package dev.tandem.testkit.naive;

import dev.tandem.Versioned;
import org.jspecify.annotations.Nullable;

/**
 * The cache of a {@link NaiveWriteThrough}: plain get, put and remove, as a tutorial uses a map or
 * a Redis client, with nothing that orders concurrent calls.
 */
public interface NaiveCache<K, V> extends AutoCloseable {

  /** Returns the cached value of {@code key}, or null on a miss (or when the cache fails). */
  @Nullable Versioned<V> get(K key);

  /** Caches {@code value} for {@code key}, replacing whatever is there. */
  void put(K key, Versioned<V> value);

  /** Drops the cached value of {@code key}. */
  void remove(K key);

  /** Drops every cached value. */
  void clear();

  /** Returns how many values are cached, roughly. */
  long size();

  /** Releases what the cache holds (connections); does nothing by default. */
  @Override
  default void close() {}
}
