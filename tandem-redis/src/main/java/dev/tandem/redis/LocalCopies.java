package dev.tandem.redis;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.tandem.Ticker;
import dev.tandem.spi.Cached;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * One generation of a {@link NearTier}'s L1: a Caffeine cache of the values themselves (one shared
 * marker for a known absence), so that a hit costs what a Caffeine hit costs and does not
 * dereference a wrapper, and beside it the {@link Cached} entry (value and version) of each value
 * held, identified by reference, for versioned reads and the "only newer" check.
 *
 * <p>Not atomic by itself: {@link NearTier} calls {@link #install} and {@link #remove} for a key
 * only while it holds that key's lock. A versioned read that finds a value and an entry that do
 * not belong together (a change in between) reports a miss. Caffeine's eviction listener drops
 * the entry of an evicted or expired value; it takes no other lock.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class LocalCopies<K, V> {

  /** What the cache holds for a known absence (a tombstone or a loaded absence). */
  static final Object ABSENT = new Object() {
    @Override
    public String toString() {
      return "ABSENT";
    }
  };

  private final Cache<K, Object> values;
  private final ConcurrentHashMap<K, Cached<V>> entries = new ConcurrentHashMap<>();

  LocalCopies(long maximumSize, Duration timeToLive, Ticker ticker, @Nullable Executor executor, LongAdder evictions) {
    Caffeine<Object, Object> caffeine = Caffeine.newBuilder()
        .maximumSize(maximumSize)
        .expireAfterWrite(timeToLive)
        .ticker(ticker::read);
    if (executor != null) {
      caffeine.executor(executor);
    }
    this.values = caffeine.<K, Object>evictionListener((K key, Object value, RemovalCause cause) -> {
      if (cause.wasEvicted()) {
        evictions.increment();
        if (key != null) {
          entries.computeIfPresent(key, (k, e) -> holds(e, value) ? null : e);
        }
      }
    }).build();
  }

  /** Returns the value held for {@code key}, {@link #ABSENT}, or null: the hit path. */
  @Nullable Object value(K key) {
    return values.getIfPresent(key);
  }

  /** Returns {@code held} (not null) as the answer of an unversioned read. */
  @SuppressWarnings("unchecked")
  static <V> Optional<V> optional(Object held) {
    return held == ABSENT ? Optional.empty() : Optional.of((V) held);
  }

  /** Returns the entry held for {@code key}, or null if none (or if it is being replaced). */
  @Nullable Cached<V> entry(K key) {
    Object held = values.getIfPresent(key);
    if (held == null) {
      return null;
    }
    Cached<V> entry = entries.get(key);
    return entry != null && holds(entry, held) ? entry : null;
  }

  /** Holds {@code entry} for {@code key} unless a newer one is held; call under the key's lock. */
  void install(K key, Cached<V> entry) {
    Cached<V> current = entry(key);
    if (current == null || entry.isNewerThan(current)) {
      entries.put(key, entry); // first: a reader that sees the old value with it reports a miss
      values.put(key, entry.value() != null ? entry.value() : ABSENT);
    }
  }

  /** Drops what is held for {@code key}; call under the key's lock. */
  void remove(K key) {
    values.invalidate(key);
    entries.remove(key);
  }

  /** Returns whether a value is held for {@code key} (without counting a read). */
  boolean contains(K key) {
    return values.asMap().containsKey(key);
  }

  long size() {
    return values.estimatedSize();
  }

  private static boolean holds(Cached<?> entry, Object value) {
    return entry.value() != null ? entry.value() == value : value == ABSENT;
  }
}
