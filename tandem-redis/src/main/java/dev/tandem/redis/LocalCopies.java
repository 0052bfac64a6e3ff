package dev.tandem.redis;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.tandem.Ticker;
import dev.tandem.spi.Cached;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * One generation of a {@link NearTier}'s L1: a size-bounded Caffeine cache of {@linkplain Copy
 * copies}, each holding the answer an unversioned read returns ({@code Optional.of(value)}, or
 * the shared {@code Optional.empty()} for a known absence), the version, and the time at which the
 * copy stops being served. The answer is made once, when the copy is installed, so that a hit
 * allocates nothing even where the JIT does not inline the tier into its caller (an {@code
 * Optional} made per hit then escapes: 16 bytes a hit, which measured slower than the extra
 * dereference).
 *
 * <p>The time to live is checked here, on each read, against the tier's clock, rather than by
 * Caffeine's {@code expireAfterWrite}: Caffeine then runs the plain size-bounded read path of a
 * bare Caffeine cache, and the check costs one volatile load (the {@link CoarseClock}) and a
 * comparison. An expired copy is never served. It is removed when an install replaces it, when
 * the size bound evicts it, or by a sweep that installs start at most every half time to live (on
 * the maintenance executor): so an expired copy is gone within about 1.5 times the time to live,
 * counted as evicted.
 *
 * <p>Not atomic by itself: {@link NearTier} calls {@link #install} and {@link #remove} for a key
 * only while it holds that key's lock.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
final class LocalCopies<K, V> {

  /** What L1 holds for a key: the answer a hit returns, the version, and the deadline. */
  private record Copy<V>(Optional<V> answer, long version, long expiresAt) {
    Cached<V> entry() {
      return new Cached<>(answer.orElse(null), version);
    }
  }

  /** The longest time to live kept exactly; longer ones are cut to it (about 73 years). */
  private static final Duration LONGEST = Duration.ofNanos(Long.MAX_VALUE / 4);

  private final Cache<K, Copy<V>> copies;
  private final Ticker ticker;
  private final long timeToLiveNanos;
  private final LongAdder evictions;
  private final Executor sweeper;
  private final AtomicLong lastSweep;

  LocalCopies(long maximumSize, Duration timeToLive, Ticker ticker, @Nullable Executor executor, LongAdder evictions) {
    this.ticker = ticker;
    this.timeToLiveNanos = (timeToLive.compareTo(LONGEST) > 0 ? LONGEST : timeToLive).toNanos();
    this.evictions = evictions;
    this.sweeper = executor != null ? executor : ForkJoinPool.commonPool();
    this.lastSweep = new AtomicLong(ticker.read());
    Caffeine<Object, Object> caffeine = Caffeine.newBuilder().maximumSize(maximumSize);
    if (executor != null) {
      caffeine.executor(executor);
    }
    this.copies = caffeine.<K, Copy<V>>evictionListener((K key, Copy<V> copy, RemovalCause cause) -> {
      if (cause.wasEvicted()) {
        evictions.increment();
      }
    }).build();
  }

  /** Returns the answer held for {@code key} (empty for a known absence), or null: the hit path. */
  @SuppressWarnings("NullableOptional")
  @Nullable Optional<V> value(K key) {
    Copy<V> copy = live(key);
    return copy != null ? copy.answer : null;
  }

  /** Returns the entry held for {@code key}, or null if none or expired. */
  @Nullable Cached<V> entry(K key) {
    Copy<V> copy = live(key);
    return copy != null ? copy.entry() : null;
  }

  /** Returns the copy of {@code key} if one is held and its time to live has not run out. */
  private @Nullable Copy<V> live(K key) {
    Copy<V> copy = copies.getIfPresent(key);
    return copy != null && copy.expiresAt - ticker.read() > 0 ? copy : null;
  }

  /**
   * Holds {@code entry} for {@code key} for the time to live, unless a newer one is held (an
   * expired copy counts as none, and is counted as evicted); call under the key's lock.
   */
  void install(K key, Cached<V> entry) {
    long now = ticker.read();
    Copy<V> current = copies.getIfPresent(key);
    boolean expired = current != null && current.expiresAt - now <= 0;
    if (current == null || expired || entry.version() > current.version) {
      if (expired) {
        evictions.increment();
      }
      copies.put(key, new Copy<>(entry.optional(), entry.version(), now + timeToLiveNanos));
    }
    long last = lastSweep.get();
    if (now - last >= timeToLiveNanos / 2 && lastSweep.compareAndSet(last, now)) {
      sweeper.execute(this::sweepExpired);
    }
  }

  /**
   * Removes the copies whose time to live ran out, each only if it is still the copy held (an
   * install that replaced it meanwhile wins), and counts them as evicted. Needs no key lock.
   */
  void sweepExpired() {
    long now = ticker.read();
    ConcurrentMap<K, Copy<V>> map = copies.asMap();
    map.forEach((key, copy) -> {
      if (copy.expiresAt - now <= 0 && map.remove(key, copy)) {
        evictions.increment();
      }
    });
  }

  /** Drops what is held for {@code key}; call under the key's lock. */
  void remove(K key) {
    copies.invalidate(key);
  }

  /** Returns whether a copy is held for {@code key}, expired or not (without counting a read). */
  boolean contains(K key) {
    return copies.asMap().containsKey(key);
  }

  /** Returns the approximate number of copies held, expired ones included. */
  long size() {
    return copies.estimatedSize();
  }
}
