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
 * One generation of a {@link NearTier}'s L1: a Caffeine cache of the answers of unversioned reads
 * ({@code Optional.of(value)}, or the shared {@code Optional.empty()} for a known absence), made
 * once when a copy is installed, so that a hit allocates nothing and costs what a Caffeine hit
 * costs even where the JIT does not inline the tier into its caller (then an {@code Optional}
 * made per hit escapes and is allocated: 16 bytes a hit). Beside it, the {@link Cached} entry
 * (value and version) of each value held, identified by reference, for versioned reads and the
 * "only newer" check.
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

  private final Cache<K, Optional<V>> values;
  private final ConcurrentHashMap<K, Cached<V>> entries = new ConcurrentHashMap<>();

  LocalCopies(long maximumSize, Duration timeToLive, Ticker ticker, @Nullable Executor executor, LongAdder evictions) {
    Caffeine<Object, Object> caffeine = Caffeine.newBuilder()
        .maximumSize(maximumSize)
        .expireAfterWrite(timeToLive)
        .ticker(ticker::read);
    if (executor != null) {
      caffeine.executor(executor);
    }
    this.values = caffeine.<K, Optional<V>>evictionListener((K key, Optional<V> value, RemovalCause cause) -> {
      if (cause.wasEvicted()) {
        evictions.increment();
        if (key != null) {
          entries.computeIfPresent(key, (k, e) -> holds(e, value) ? null : e);
        }
      }
    }).build();
  }

  /** Returns the answer held for {@code key} (empty for a known absence), or null: the hit path. */
  @SuppressWarnings("NullableOptional")
  @Nullable Optional<V> value(K key) {
    return values.getIfPresent(key);
  }

  /** Returns the entry held for {@code key}, or null if none (or if it is being replaced). */
  @Nullable Cached<V> entry(K key) {
    Optional<V> held = values.getIfPresent(key);
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
      values.put(key, entry.optional());
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

  private static boolean holds(Cached<?> entry, @Nullable Optional<?> held) {
    return held != null && held.orElse(null) == entry.value();
  }
}
