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
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToIntBiFunction;
import org.jspecify.annotations.Nullable;

/**
 * The in-process cache tier, on a Caffeine cache: one JVM, one copy.
 *
 * <p><b>Design.</b> The Caffeine cache holds each key's value itself (or one shared marker for a
 * known absence), so that a hit costs what a Caffeine hit costs: no wrapper to dereference. What
 * the hit path does not need lives beside it in a small map that nothing evicts ({@code states}):
 * per key, the version of the cached object (identified by reference), the lease of a fill in
 * flight, and the fence. A lease must outlive the eviction of the entry it guards (race H6), and
 * a version is trusted only while Caffeine still holds the very object it was recorded for.
 *
 * <p>Every mutation runs inside {@code states.compute} for its key and updates Caffeine from
 * there, so "lease still valid", "newer than the cached version" and "install" are one atomic
 * step. Caffeine's eviction listener never touches {@code states} (that would take the two locks
 * in the other order); it queues the key, and later mutations drop the states of evicted keys. No
 * I/O ever runs inside a compute.
 *
 * <p>Invariants: an entry is replaced only by a newer version; a fill installs only under a lease
 * taken before its database read and not revoked since; a fenced key has no entry.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class LocalTier<K, V> implements CacheTier<K, V> {

  /** What Caffeine holds for a known absence (a tombstone or a loaded absence). */
  private static final Object ABSENT = new Object() {
    @Override
    public String toString() {
      return "ABSENT";
    }
  };

  /** How many queued evictions a mutation cleans up at most. */
  private static final int CLEANUP_BATCH = 16;

  /**
   * What the tier knows of a key besides Caffeine's entry. Immutable: replaced inside
   * {@code states.compute}.
   *
   * @param cached the object recorded in Caffeine for this key, or null
   * @param version the version of {@code cached}
   * @param lease the lease of a fill in flight, or {@link CacheTier#NO_LEASE}
   * @param fenced whether fills are refused until a committed write (after an unknown outcome)
   * @param writers writes of this key prepared ({@link #beforeWrite}) and not yet published or
   *     abandoned: while there are any the key takes no fill
   */
  private record State(@Nullable Object cached, long version, long lease, boolean fenced, int writers) {
    static final State EMPTY = new State(null, 0, NO_LEASE, false, 0);

    boolean idle() {
      return cached == null && lease == NO_LEASE && !fenced && writers == 0;
    }

    boolean refusesFills() {
      return fenced || writers > 0;
    }
  }

  private final Cache<K, Object> cache;
  private final ConcurrentHashMap<K, State> states = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<K> evicted;
  private final AtomicLong lastLease = new AtomicLong();
  private final LongAdder evictions;

  private LocalTier(Cache<K, Object> cache, ConcurrentLinkedQueue<K> evicted, LongAdder evictions) {
    this.cache = cache;
    this.evicted = evicted;
    this.evictions = evictions;
  }

  /** Returns a builder of a local tier. A bound (size or weight) is required. */
  public static <K, V> Builder<K, V> builder() {
    return new Builder<>();
  }

  @Override
  @SuppressWarnings("unchecked")
  public @Nullable Optional<V> getValueIfPresent(K key) {
    Object value = cache.getIfPresent(key);
    if (value == null) {
      return null;
    }
    return value == ABSENT ? Optional.empty() : Optional.of((V) value);
  }

  @Override
  public @Nullable Cached<V> getIfPresent(K key) {
    Object value = cache.getIfPresent(key);
    if (value == null) {
      return null;
    }
    State state = states.get(key);
    if (state == null || state.cached() != value) {
      return null; // being replaced right now: the caller reads the database instead
    }
    return toCached(value, state.version());
  }

  @Override
  public Map<K, Cached<V>> getAllPresent(Collection<? extends K> keys) {
    Map<K, Cached<V>> found = new HashMap<>();
    for (K key : keys) {
      Cached<V> cached = getIfPresent(key);
      if (cached != null) {
        found.put(key, cached);
      }
    }
    return found;
  }

  @Override
  public long beginFill(K key) {
    cleanUp();
    State state = states.compute(key, (k, current) -> {
      State s = current != null ? current : State.EMPTY;
      return s.refusesFills() || s.lease() != NO_LEASE ? s
          : new State(s.cached(), s.version(), lastLease.incrementAndGet(), false, 0);
    });
    return state.refusesFills() ? NO_LEASE : state.lease();
  }

  @Override
  public boolean fill(K key, long lease, Cached<V> loaded) {
    if (lease == NO_LEASE) {
      return false;
    }
    boolean[] valid = {false};
    states.computeIfPresent(key, (k, s) -> {
      if (s.lease() != lease || s.refusesFills()) {
        return s; // revoked by a write, or fenced: the load may be stale
      }
      valid[0] = true;
      State next = new State(s.cached(), s.version(), NO_LEASE, false, 0);
      if (isNewer(k, next, loaded)) {
        next = install(k, loaded);
      }
      return next.idle() ? null : next;
    });
    return valid[0];
  }

  @Override
  public void cancelFill(K key, long lease) {
    if (lease == NO_LEASE) {
      return;
    }
    states.computeIfPresent(key, (k, s) -> {
      if (s.lease() != lease) {
        return s;
      }
      State next = new State(s.cached(), s.version(), NO_LEASE, s.fenced(), s.writers());
      return next.idle() ? null : next;
    });
  }

  /**
   * Counts a write of the key in flight: until it publishes or is abandoned, no fill is accepted
   * (a load may have seen the write's commit) and a write publishing while another is still in
   * flight does not install its older value. The cached entry stays: until the write returns,
   * serving the previous value is correct.
   */
  @Override
  public void beforeWrite(K key) {
    states.compute(key, (k, current) -> {
      State s = current != null ? current : State.EMPTY;
      return new State(s.cached(), s.version(), NO_LEASE, s.fenced(), s.writers() + 1); // revokes the lease too
    });
  }

  @Override
  public void writeAbandoned(K key) {
    states.computeIfPresent(key, (k, s) -> {
      State next = new State(s.cached(), s.version(), s.lease(), s.fenced(), Math.max(0, s.writers() - 1));
      return next.idle() ? null : next;
    });
  }

  @Override
  public void applyCommitted(K key, Cached<V> committed) {
    cleanUp();
    states.compute(key, (k, current) -> {
      State s = current != null ? current : State.EMPTY;
      int writers = Math.max(0, s.writers() - 1);
      State next = new State(s.cached(), s.version(), NO_LEASE, false, writers); // revokes leases, lifts the fence
      if (writers > 0) {
        cache.invalidate(k); // another write of the key is in flight and will publish the newer value
        return new State(null, 0, NO_LEASE, false, writers);
      }
      return isNewer(k, next, committed) ? install(k, committed) : next.idle() ? null : next;
    });
  }

  @Override
  public void fence(K key) {
    states.compute(key, (k, current) -> {
      cache.invalidate(k);
      return new State(null, 0, NO_LEASE, true, 0); // the prepared writes of the key end with this fence
    });
  }

  @Override
  public void invalidate(K key) {
    states.compute(key, (k, s) -> {
      cache.invalidate(k);
      if (s == null) {
        return null;
      }
      State next = new State(null, 0, s.lease(), s.fenced(), s.writers());
      return next.idle() ? null : next;
    });
  }

  @Override
  public void invalidateAll() {
    cache.invalidateAll();
    for (K key : states.keySet()) {
      forgetIfGone(key);
    }
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
    return CacheTier.inPages(cache.asMap().keySet().iterator(), pageSize);
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

  /** Returns how many keys the side map tracks; for tests (it must not outgrow the cache). */
  int trackedKeys() {
    cleanUp();
    return states.size();
  }

  @Override
  public String toString() {
    return "LocalTier{size=" + cache.estimatedSize() + "}";
  }

  /** Whether {@code offered} may replace what Caffeine holds for the key (nothing, or an older version). */
  private boolean isNewer(K key, State state, Cached<V> offered) {
    Object current = state.cached();
    if (current == null || cache.getIfPresent(key) != current) {
      return true; // nothing cached (evicted or expired): any entry the caller may install is fine
    }
    return offered.version() > state.version();
  }

  private State install(K key, Cached<V> entry) {
    Object value = entry.value() != null ? entry.value() : ABSENT;
    cache.put(key, value);
    return new State(value, entry.version(), NO_LEASE, false, 0);
  }

  @SuppressWarnings("unchecked")
  private Cached<V> toCached(Object value, long version) {
    return value == ABSENT ? (version == 0 ? Cached.absent() : Cached.deleted(version))
        : Cached.present((V) value, version);
  }

  /** Drops the states of a few keys that Caffeine evicted. */
  private void cleanUp() {
    K key;
    for (int i = 0; i < CLEANUP_BATCH && (key = evicted.poll()) != null; i++) {
      forgetIfGone(key);
    }
  }

  private void forgetIfGone(K key) {
    states.computeIfPresent(key, (k, s) -> {
      if (s.cached() == null || cache.getIfPresent(k) == s.cached()) {
        return s;
      }
      State next = new State(null, 0, s.lease(), s.fenced(), s.writers());
      return next.idle() ? null : next;
    });
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
      ConcurrentLinkedQueue<K> evicted = new ConcurrentLinkedQueue<>();
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
      Caffeine<K, Object> typed = caffeine.evictionListener((K key, Object value, RemovalCause cause) -> {
        if (cause.wasEvicted()) {
          evictions.increment();
          if (key != null) {
            evicted.add(key); // its state is dropped later, outside Caffeine's lock
          }
        }
      });
      if (maximumWeight >= 0) {
        ToIntBiFunction<? super K, ? super V> w = requireNonNull(weigher);
        typed.maximumWeight(maximumWeight).weigher((K key, Object value) -> weigh(w, key, value));
      }
      return new LocalTier<>(typed.build(), evicted, evictions);
    }

    @SuppressWarnings("unchecked")
    private static <K, V> int weigh(ToIntBiFunction<? super K, ? super V> weigher, K key, Object value) {
      return value == ABSENT ? 1 : weigher.applyAsInt(key, (V) value);
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
