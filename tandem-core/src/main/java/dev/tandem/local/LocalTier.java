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
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToIntBiFunction;
import org.jspecify.annotations.Nullable;

/**
 * The in-process cache tier, on a Caffeine cache: one JVM, one copy.
 *
 * <p><b>Design.</b> The Caffeine cache holds, per key, the {@link Cached} entry that was installed
 * (the value and its version in one immutable object; an absence is an entry with no value), and
 * nothing else, so that a hit is one Caffeine lookup through its map view plus one load of the
 * entry's value, and a cached key costs a Caffeine entry and one small object. What only misses and
 * writes need lives in a small map that nothing evicts ({@code states}), and only while there is
 * something to hold: the lease of a fill in flight, the fence, and the count of writes in flight. A
 * lease must outlive the eviction of the entry it guards (race H6), so it is never kept in
 * Caffeine; a version is never kept without its value, so it can never outlive the entry.
 *
 * <p>Every mutation runs inside {@code states.compute} for its key (which locks the key whether or
 * not it has a state) and updates Caffeine from there, so "lease still valid", "newer than the
 * cached version" and "install" are one atomic step: Caffeine's own removals (eviction, expiry)
 * only ever take an entry away, which no check depends on. The locks are always taken in that
 * order; Caffeine's eviction listener only counts. No I/O ever runs inside a compute.
 *
 * <p>Invariants: an entry is replaced only by a newer version; a fill installs only under a lease
 * taken before its database read and not revoked since; a fenced key has no entry; {@code states}
 * holds no key that has nothing in flight.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class LocalTier<K, V> implements CacheTier<K, V> {

  /**
   * What the tier knows of a key besides its entry, while a fill or write of it is in flight or it
   * is fenced. Immutable: replaced inside {@code states.compute}.
   *
   * @param lease the lease of a fill in flight, or {@link CacheTier#NO_LEASE}
   * @param fenced whether fills are refused until a committed write (after an unknown outcome)
   * @param writers writes of this key prepared ({@link #beforeWrite}) and not yet published or
   *     abandoned: while there are any the key takes no fill
   */
  private record State(long lease, boolean fenced, int writers) {
    static final State EMPTY = new State(NO_LEASE, false, 0);

    boolean refusesFills() {
      return fenced || writers > 0;
    }

    /** Returns this state, or null (no mapping) if it holds nothing. */
    @Nullable State orNull() {
      return lease == NO_LEASE && !fenced && writers == 0 ? null : this;
    }
  }

  private final Cache<K, Cached<V>> cache;

  /**
   * Caffeine's map view: for a bounded cache the cache itself, one dependent load fewer per hit.
   */
  private final ConcurrentMap<K, Cached<V>> entries;

  private final ConcurrentHashMap<K, State> states = new ConcurrentHashMap<>();
  private final AtomicLong lastLease = new AtomicLong();
  private final LongAdder evictions;

  private LocalTier(Cache<K, Cached<V>> cache, LongAdder evictions) {
    this.cache = cache;
    this.entries = cache.asMap();
    this.evictions = evictions;
  }

  /** Returns a builder of a local tier. A bound (size or weight) is required. */
  public static <K, V> Builder<K, V> builder() {
    return new Builder<>();
  }

  /**
   * Returns the cached value (null on a miss, empty for a cached absence). A lookup in Caffeine's
   * map view counts as a read for eviction, as {@code getIfPresent} does.
   */
  @Override
  public @Nullable Optional<V> getValueIfPresent(K key) {
    Cached<V> entry = entries.get(key);
    return entry == null ? null : Optional.ofNullable(entry.value());
  }

  @Override
  public @Nullable Cached<V> getIfPresent(K key) {
    return entries.get(key);
  }

  @Override
  public Map<K, Cached<V>> getAllPresent(Collection<? extends K> keys) {
    Map<K, Cached<V>> found = new HashMap<>();
    for (K key : keys) {
      Cached<V> cached = entries.get(key);
      if (cached != null) {
        found.put(key, cached);
      }
    }
    return found;
  }

  @Override
  public long beginFill(K key) {
    State state =
        states.compute(
            key,
            (k, current) -> {
              State s = current != null ? current : State.EMPTY;
              return s.refusesFills() || s.lease() != NO_LEASE
                  ? s
                  : new State(lastLease.incrementAndGet(), false, 0);
            });
    return state.refusesFills() ? NO_LEASE : state.lease();
  }

  @Override
  public boolean fill(K key, long lease, Cached<V> loaded) {
    if (lease == NO_LEASE) {
      return false;
    }
    boolean[] valid = {false};
    states.computeIfPresent(
        key,
        (k, s) -> {
          if (s.lease() != lease || s.refusesFills()) {
            return s; // revoked by a write, or fenced: the load may be stale
          }
          valid[0] = true;
          installIfNewer(k, loaded);
          return null; // the lease is consumed, and a key with a lease has no fence and no writers
        });
    return valid[0];
  }

  @Override
  public void cancelFill(K key, long lease) {
    if (lease == NO_LEASE) {
      return;
    }
    states.computeIfPresent(
        key,
        (k, s) -> s.lease() != lease ? s : new State(NO_LEASE, s.fenced(), s.writers()).orNull());
  }

  /**
   * Counts a write of the key in flight: until it publishes or is abandoned, no fill is accepted (a
   * load may have seen the write's commit) and a write publishing while another is still in flight
   * does not install its older value. The cached entry stays: until the write returns, serving the
   * previous value is correct.
   */
  @Override
  public void beforeWrite(K key) {
    states.compute(
        key,
        (k, current) -> {
          State s = current != null ? current : State.EMPTY;
          return new State(NO_LEASE, s.fenced(), s.writers() + 1); // revokes the lease too
        });
  }

  @Override
  public void writeAbandoned(K key) {
    states.computeIfPresent(
        key, (k, s) -> new State(s.lease(), s.fenced(), Math.max(0, s.writers() - 1)).orNull());
  }

  @Override
  public void applyCommitted(K key, Cached<V> committed) {
    states.compute(
        key,
        (k, current) -> {
          int writers = current != null ? Math.max(0, current.writers() - 1) : 0;
          if (writers > 0) {
            entries.remove(
                k); // another write of the key is in flight and will publish the newer value
          } else {
            installIfNewer(k, committed);
          }
          return new State(NO_LEASE, false, writers).orNull(); // revokes leases, lifts the fence
        });
  }

  @Override
  public void fence(K key) {
    states.compute(
        key,
        (k, current) -> {
          entries.remove(k);
          return new State(NO_LEASE, true, 0); // the prepared writes of the key end with this fence
        });
  }

  @Override
  public void invalidate(K key) {
    states.compute(
        key,
        (k, s) -> {
          entries.remove(k);
          return s;
        });
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

  /**
   * Returns the keys Caffeine holds (values and cached absences), walked through its map view in
   * pages of {@code pageSize}; weakly consistent, never blocks a writer.
   *
   * @throws IllegalArgumentException if {@code pageSize} is not positive
   */
  @Override
  public Iterator<List<K>> cachedKeys(int pageSize) {
    return CacheTier.inPages(entries.keySet().iterator(), pageSize);
  }

  /** Returns whether {@code key} is fenced; for tests and diagnostics. */
  boolean isFenced(K key) {
    State state = states.get(key);
    return state != null && state.fenced();
  }

  /** Returns the number of keys with a lease in flight; for tests and diagnostics. */
  int leaseCount() {
    int leases = 0;
    for (State s : states.values()) {
      leases += s.lease() != NO_LEASE ? 1 : 0;
    }
    return leases;
  }

  /** Returns how many keys the side map holds; for tests (only keys with something in flight). */
  int trackedKeys() {
    return states.size();
  }

  @Override
  public String toString() {
    return "LocalTier{size=" + cache.estimatedSize() + "}";
  }

  /**
   * Installs {@code offered} unless Caffeine holds a newer or equal version of the key. Runs inside
   * {@code states.compute} of the key, so no other mutation of the key can slip in between the
   * check and the install; Caffeine may only remove the entry meanwhile, after which any entry the
   * caller may install is fine.
   */
  private void installIfNewer(K key, Cached<V> offered) {
    Cached<V> current = entries.get(key);
    if (current == null || offered.version() > current.version()) {
      entries.put(key, offered);
    }
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
        throw new IllegalArgumentException(
            "maximum size must not be negative but was " + maximumSize);
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
    public Builder<K, V> maximumWeight(
        long maximumWeight, ToIntBiFunction<? super K, ? super V> weigher) {
      requireNonNull(weigher, "weigher");
      checkNoBound();
      if (maximumWeight < 0) {
        throw new IllegalArgumentException(
            "maximum weight must not be negative but was " + maximumWeight);
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
        throw new IllegalStateException(
            "expire after write was already set to " + expireAfterWrite);
      }
      if (duration.isNegative() || duration.isZero()) {
        throw new IllegalArgumentException(
            "expire after write must be positive but was " + duration);
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
     * Sets the executor for Caffeine's maintenance work. Default: {@code
     * ForkJoinPool.commonPool()}; tests use {@code Runnable::run}.
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
        throw new IllegalStateException(
            "a local tier needs a bound: set maximum size or maximum weight");
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
      // Caffeine's listener may be passed a null key and entry (references it lost); neither is
      // used.
      Caffeine<K, Cached<V>> typed =
          caffeine.evictionListener(
              (@Nullable K key, @Nullable Cached<V> entry, RemovalCause cause) -> {
                if (cause.wasEvicted()) {
                  evictions.increment();
                }
              });
      if (maximumWeight >= 0) {
        ToIntBiFunction<? super K, ? super V> w = requireNonNull(weigher);
        typed
            .maximumWeight(maximumWeight)
            .weigher((K key, Cached<V> entry) -> weigh(w, key, entry));
      }
      return new LocalTier<>(typed.build(), evictions);
    }

    private static <K, V> int weigh(
        ToIntBiFunction<? super K, ? super V> weigher, K key, Cached<V> entry) {
      V value = entry.value();
      return value == null ? 1 : weigher.applyAsInt(key, value);
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
