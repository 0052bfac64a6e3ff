package dev.tandem.local;

import static java.util.Objects.requireNonNull;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.tandem.Ticker;
import dev.tandem.spi.CacheTier;
import dev.tandem.spi.Cached;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiFunction;
import java.util.function.ToIntBiFunction;
import org.jspecify.annotations.Nullable;

/**
 * The in-process cache tier, on a Caffeine cache: one JVM, one copy.
 *
 * <p><b>Design.</b> Entries live in a bounded Caffeine cache. Leases and fences live beside it in
 * a small map that nothing evicts, holding only keys with a fill in flight or a fence: a lease must
 * outlive the eviction of the entry it guards (race H6). Every operation that checks or revokes a
 * lease runs inside that map's per-key {@code compute} and updates the Caffeine entry from there,
 * so "lease still valid" and "install" are one atomic step. No I/O ever runs inside a compute.
 *
 * <p>Invariants: an entry is replaced only by a newer version; a fill installs only under a lease
 * taken before its database read and not revoked since; a fenced key has no entry.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class LocalTier<K, V> implements CacheTier<K, V> {

  private static final long FENCED = -1;

  private final Cache<K, Cached<V>> cache;
  private final ConcurrentHashMap<K, Long> leases = new ConcurrentHashMap<>();
  private final AtomicLong lastLease = new AtomicLong();
  private final LongAdder evictions;

  private LocalTier(Cache<K, Cached<V>> cache, LongAdder evictions) {
    this.cache = cache;
    this.evictions = evictions;
  }

  /** Returns a builder of a local tier. A bound (size or weight) is required. */
  public static <K, V> Builder<K, V> builder() {
    return new Builder<>();
  }

  @Override
  public @Nullable Cached<V> getIfPresent(K key) {
    return cache.getIfPresent(key);
  }

  @Override
  public Map<K, Cached<V>> getAllPresent(Collection<? extends K> keys) {
    return cache.getAllPresent(keys);
  }

  @Override
  public long beginFill(K key) {
    long lease = leases.compute(key, (k, current) -> current != null ? current : lastLease.incrementAndGet());
    return lease == FENCED ? NO_LEASE : lease;
  }

  @Override
  public boolean fill(K key, long lease, Cached<V> loaded) {
    if (lease == NO_LEASE) {
      return false;
    }
    boolean[] installed = {false};
    leases.computeIfPresent(key, (k, current) -> {
      if (current != lease) {
        return current; // revoked by a write, or fenced: the load may be stale
      }
      cache.asMap().merge(k, loaded, newest());
      installed[0] = true;
      return null;
    });
    return installed[0];
  }

  @Override
  public void cancelFill(K key, long lease) {
    if (lease != NO_LEASE) {
      leases.remove(key, lease);
    }
  }

  @Override
  public void applyCommitted(K key, Cached<V> committed) {
    leases.compute(key, (k, current) -> {
      cache.asMap().merge(k, committed, newest());
      return null; // revokes every lease and lifts a fence
    });
  }

  @Override
  public void fence(K key) {
    leases.compute(key, (k, current) -> {
      cache.invalidate(k);
      return FENCED;
    });
  }

  @Override
  public void invalidate(K key) {
    cache.invalidate(key);
  }

  @Override
  public void invalidateAll() {
    cache.invalidateAll();
  }

  @Override
  public long estimatedSize() {
    return cache.estimatedSize();
  }

  @Override
  public long evictionCount() {
    return evictions.sum();
  }

  /** Returns whether {@code key} is fenced; for tests and diagnostics. */
  boolean isFenced(K key) {
    Long lease = leases.get(key);
    return lease != null && lease == FENCED;
  }

  /** Returns the number of keys with a lease or a fence; for tests and diagnostics. */
  int leaseCount() {
    return leases.size();
  }

  @Override
  public String toString() {
    return "LocalTier{size=" + cache.estimatedSize() + "}";
  }

  private static <V> BiFunction<Cached<V>, Cached<V>, Cached<V>> newest() {
    return (current, offered) -> offered.isNewerThan(current) ? offered : current;
  }

  /**
   * Builds a {@link LocalTier}. Each setting may be made once; exactly one of maximum size and
   * maximum weight is required.
   *
   * @param <K> the key type
   * @param <V> the value type
   */
  public static final class Builder<K, V> {
    private long maximumSize = -1;
    private long maximumWeight = -1;
    private @Nullable ToIntBiFunction<? super K, ? super V> weigher;
    private @Nullable Duration expireAfterWrite;
    private @Nullable Ticker ticker;
    private @Nullable Executor executor;

    private Builder() {}

    /**
     * Bounds the number of entries (cached absences count too).
     *
     * @throws IllegalStateException if a size or weight bound was already set
     * @throws IllegalArgumentException if negative
     */
    public Builder<K, V> maximumSize(long maximumSize) {
      checkNoBound();
      if (maximumSize < 0) {
        throw new IllegalArgumentException("maximum size must not be negative but was " + maximumSize);
      }
      this.maximumSize = maximumSize;
      return this;
    }

    /**
     * Bounds the total weight of entries; a cached absence weighs 1.
     *
     * @throws IllegalStateException if a size or weight bound was already set
     * @throws IllegalArgumentException if negative
     */
    public Builder<K, V> maximumWeight(long maximumWeight, ToIntBiFunction<? super K, ? super V> weigher) {
      requireNonNull(weigher, "weigher");
      checkNoBound();
      if (maximumWeight < 0) {
        throw new IllegalArgumentException("maximum weight must not be negative but was " + maximumWeight);
      }
      this.maximumWeight = maximumWeight;
      this.weigher = weigher;
      return this;
    }

    /**
     * Expires an entry this long after it was written or loaded. Default: no expiry.
     *
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if not positive
     */
    public Builder<K, V> expireAfterWrite(Duration duration) {
      requireNonNull(duration, "duration");
      if (expireAfterWrite != null) {
        throw new IllegalStateException("expire after write was already set to " + expireAfterWrite);
      }
      if (duration.isNegative() || duration.isZero()) {
        throw new IllegalArgumentException("expire after write must be positive but was " + duration);
      }
      this.expireAfterWrite = duration;
      return this;
    }

    /**
     * Sets the time source for expiry. Default: {@link Ticker#system()}.
     *
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> ticker(Ticker ticker) {
      requireNonNull(ticker, "ticker");
      if (this.ticker != null) {
        throw new IllegalStateException("ticker was already set");
      }
      this.ticker = ticker;
      return this;
    }

    /**
     * Sets the executor for Caffeine's maintenance work. Default: {@code ForkJoinPool.commonPool()};
     * tests use {@code Runnable::run}.
     *
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> executor(Executor executor) {
      requireNonNull(executor, "executor");
      if (this.executor != null) {
        throw new IllegalStateException("executor was already set");
      }
      this.executor = executor;
      return this;
    }

    /**
     * Builds the tier.
     *
     * @throws IllegalStateException if neither maximum size nor maximum weight was set
     */
    public LocalTier<K, V> build() {
      if (maximumSize < 0 && maximumWeight < 0) {
        throw new IllegalStateException("a local tier needs a bound: set maximum size or maximum weight");
      }
      LongAdder evictions = new LongAdder();
      Caffeine<Object, Object> caffeine = Caffeine.newBuilder();
      if (maximumSize >= 0) {
        caffeine.maximumSize(maximumSize);
      }
      if (expireAfterWrite != null) {
        caffeine.expireAfterWrite(expireAfterWrite);
      }
      if (ticker != null) {
        Ticker t = ticker;
        caffeine.ticker(t::read);
      }
      if (executor != null) {
        caffeine.executor(executor);
      }
      Caffeine<K, Cached<V>> typed = caffeine.evictionListener((K key, Cached<V> value, RemovalCause cause) -> {
        if (cause.wasEvicted()) {
          evictions.increment();
        }
      });
      if (maximumWeight >= 0) {
        ToIntBiFunction<? super K, ? super V> w = requireNonNull(weigher);
        typed.maximumWeight(maximumWeight)
            .weigher((K key, Cached<V> entry) -> entry.value() == null ? 1 : w.applyAsInt(key, entry.value()));
      }
      return new LocalTier<>(typed.build(), evictions);
    }

    private void checkNoBound() {
      if (maximumSize >= 0) {
        throw new IllegalStateException("maximum size was already set to " + maximumSize);
      }
      if (maximumWeight >= 0) {
        throw new IllegalStateException("maximum weight was already set to " + maximumWeight);
      }
    }
  }
}
