package dev.tandem.verify;

import static java.util.Objects.requireNonNull;

import dev.tandem.Tandem;
import dev.tandem.Versioned;
import dev.tandem.spi.CacheTier;
import dev.tandem.spi.Cached;
import dev.tandem.spi.Store;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import org.jspecify.annotations.Nullable;

/**
 * Compares cached entries with the database, key by key, and optionally repairs what differs by
 * invalidating it (the next read then loads the database's row). It reads the cache without ever
 * filling it and the database with {@link Store#loadAll}; it never writes the database and never
 * installs an entry. An application runs it in-process, on demand or on a schedule, over the store
 * and the tier it built its {@link Tandem} from:
 *
 * <pre>{@code
 * Verifier<Long, Account> verifier = Verifier.builder(store).tier(tier)
 *     .meterRegistry(registry).name("accounts").build();
 * scheduler.scheduleWithFixedDelay(() -> {
 *   VerifyReport<Long, Account> report = verifier.verifyAndRepair();
 *   if (!report.consistent()) log.warn("repaired {} stale keys: {}", report.repaired(), report.mismatches());
 * }, 1, 1, TimeUnit.HOURS);
 * }</pre>
 *
 * <p><b>What is checked.</b> {@link #verify()} walks the keys the tier holds ({@link
 * CacheTier#cachedKeys}): the cache can only be stale where it holds a copy. {@link
 * #verify(Iterable)} checks the given keys instead (those not cached are counted and skipped). For
 * each cached entry, with the tier's version: a version older than the row's is {@linkplain
 * Mismatch.Kind#STALE stale}, a newer one is {@linkplain Mismatch.Kind#AHEAD ahead}, equal versions
 * with unequal values (a row changed by SQL that bypassed Tandem and drew no new version)
 * {@linkplain Mismatch.Kind#VALUE_DIFFERS differ}, a cached value for a row the database no longer
 * has is {@linkplain Mismatch.Kind#DELETED deleted}, a cached absence of a row that exists is
 * {@linkplain Mismatch.Kind#MISSING missing}. A cached absence of an absent row, and a tombstone,
 * agree.
 *
 * <p><b>Under load.</b> A write in flight (committed, its cache update not yet applied) looks like
 * a stale entry for a moment; so does a write whose fence has not reached the entry yet. So each
 * suspected mismatch is looked at again, the database first and then the cache, no sooner than the
 * {@linkplain Builder#recheckDelay re-check delay} after the first look, and reported only if both
 * the entry and the row are the same as on the first look. If either changed, or the entry is gone,
 * it is counted as {@linkplain VerifyReport#changing() changing}: writers are active there, and the
 * consistency contract promises convergence once they stop, not at every instant.
 *
 * <p>Keys are checked on the calling thread, a page at a time; the verifier is immutable and
 * thread-safe, and runs may overlap.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class Verifier<K, V> {

  private static final int DEFAULT_PAGE_SIZE = 500;
  private static final Duration DEFAULT_RECHECK_DELAY = Duration.ofSeconds(1);

  /**
   * A cached entry as seen by the verifier; {@code version} is null when the view cannot tell it.
   */
  private record Entry<V>(@Nullable V value, @Nullable Long version) {}

  /** A suspected mismatch, with what the first look saw. */
  private record Suspect<K, V>(
      K key, Entry<V> entry, Optional<Versioned<V>> row, Mismatch<K, V> mismatch) {}

  /** How the verifier reads, lists and invalidates the cache. */
  private interface CacheView<K, V> {
    /** Returns the cached entry, or null if the key is not cached (or only its absence, unseen). */
    @Nullable Entry<V> probe(K key);

    void invalidate(K key);

    Iterator<List<K>> keys(int pageSize);
  }

  private final Store<K, V> store;
  private final CacheView<K, V> cache;
  private final BiPredicate<? super V, ? super V> equality;
  private final int pageSize;
  private final long recheckDelayNanos;
  private final @Nullable VerifyMeters meters;

  private Verifier(Builder<K, V> builder, CacheView<K, V> cache) {
    this.store = builder.store;
    this.cache = cache;
    this.equality = builder.equality != null ? builder.equality : Objects::deepEquals;
    this.pageSize = builder.pageSize > 0 ? builder.pageSize : DEFAULT_PAGE_SIZE;
    this.recheckDelayNanos =
        (builder.recheckDelay != null ? builder.recheckDelay : DEFAULT_RECHECK_DELAY).toNanos();
    String name = builder.name != null ? builder.name : "tandem";
    this.meters =
        builder.meterRegistry == null
            ? null
            : VerifyMeters.register(
                (io.micrometer.core.instrument.MeterRegistry) builder.meterRegistry, name);
  }

  /**
   * Returns a builder of a verifier of the cache in front of {@code store}.
   *
   * @throws NullPointerException if store is null
   */
  public static <K, V> Builder<K, V> builder(Store<K, V> store) {
    return new Builder<>(requireNonNull(store, "store"));
  }

  /**
   * Compares every entry the tier holds with the database. Nothing is changed.
   *
   * @return what was found
   * @throws UnsupportedOperationException if the verifier reads the cache through a {@link Tandem}
   *     ({@link Builder#cache}), or the tier cannot list its keys
   * @throws IllegalStateException if the tier lists a key that is not of the store's {@linkplain
   *     Store#keyType key type} (a shared tier whose key decoder is not the inverse of its encoder)
   * @throws CancellationException if the thread is interrupted while it waits to re-check (its
   *     interrupt status is set again)
   * @throws RuntimeException from the store or the tier if a read fails
   */
  public VerifyReport<K, V> verify() {
    return run(cache.keys(pageSize), false, true);
  }

  /**
   * Like {@link #verify()}, then invalidates the cached entry of every mismatch and looks at each
   * again; a key counts as repaired when it is then consistent or no longer cached. Never writes
   * the database nor installs an entry.
   *
   * @return what was found and repaired
   * @throws UnsupportedOperationException if the verifier reads the cache through a {@link Tandem}
   *     ({@link Builder#cache}), or the tier cannot list its keys
   * @throws IllegalStateException if the tier lists a key that is not of the store's key type
   * @throws CancellationException if the thread is interrupted while it waits to re-check
   * @throws RuntimeException from the store or the tier if a read or an invalidation fails
   */
  public VerifyReport<K, V> verifyAndRepair() {
    return run(cache.keys(pageSize), true, true);
  }

  /**
   * Compares the cached entry of each of {@code keys} with the database. Keys that are not cached
   * are counted and skipped. Nothing is changed.
   *
   * @return what was found
   * @throws NullPointerException if keys or one of them is null
   * @throws CancellationException if the thread is interrupted while it waits to re-check
   * @throws RuntimeException from the store or the tier if a read fails
   */
  public VerifyReport<K, V> verify(Iterable<? extends K> keys) {
    return run(CacheTier.inPages(requireNonNull(keys, "keys").iterator(), pageSize), false, false);
  }

  /**
   * Like {@link #verify(Iterable)}, then invalidates the cached entry of every mismatch and looks
   * at each again; a key counts as repaired when it is then consistent or no longer cached.
   *
   * @return what was found and repaired
   * @throws NullPointerException if keys or one of them is null
   * @throws CancellationException if the thread is interrupted while it waits to re-check
   * @throws RuntimeException from the store or the tier if a read or an invalidation fails
   */
  public VerifyReport<K, V> verifyAndRepair(Iterable<? extends K> keys) {
    return run(CacheTier.inPages(requireNonNull(keys, "keys").iterator(), pageSize), true, false);
  }

  private VerifyReport<K, V> run(
      Iterator<? extends List<? extends K>> pages, boolean repair, boolean listed) {
    long start = System.nanoTime();
    Tally<K, V> tally = new Tally<>();
    List<Suspect<K, V>> suspects = new ArrayList<>();
    long firstSuspectAt = 0;
    while (pages.hasNext()) {
      List<? extends K> page = pages.next();
      List<K> cachedKeys = new ArrayList<>(page.size());
      List<Entry<V>> entries = new ArrayList<>(page.size());
      for (K key : page) {
        requireNonNull(key, "keys: a key is null");
        if (listed) {
          checkKeyType(key);
        }
        tally.checked++;
        Entry<V> entry = cache.probe(key);
        if (entry != null) {
          cachedKeys.add(key);
          entries.add(entry);
        }
      }
      tally.cached += cachedKeys.size();
      Map<K, Versioned<V>> rows = cachedKeys.isEmpty() ? Map.of() : store.loadAll(cachedKeys);
      for (int i = 0; i < cachedKeys.size(); i++) {
        K key = cachedKeys.get(i);
        Optional<Versioned<V>> row = Optional.ofNullable(rows.get(key));
        Mismatch<K, V> suspected = compare(key, entries.get(i), row);
        if (suspected != null) {
          if (suspects.isEmpty()) {
            firstSuspectAt = System.nanoTime();
          }
          suspects.add(new Suspect<>(key, entries.get(i), row, suspected));
        }
      }
      if (suspects.size() >= pageSize) {
        recheck(suspects, firstSuspectAt, tally);
        suspects.clear();
      }
    }
    if (!suspects.isEmpty()) {
      recheck(suspects, firstSuspectAt, tally);
    }
    int repaired = repair ? repair(tally.mismatches) : 0;
    VerifyReport<K, V> report =
        new VerifyReport<>(
            tally.checked,
            tally.cached,
            tally.changing,
            tally.mismatches,
            repaired,
            Duration.ofNanos(System.nanoTime() - start));
    if (meters != null) {
      meters.record(report);
    }
    return report;
  }

  /**
   * Looks at each suspect again, the database first and then the cache, once the re-check delay has
   * passed since the first of them was seen: a write that was in flight on the first look has
   * published by then, and a difference that is still the same is drift.
   */
  private void recheck(List<Suspect<K, V>> suspects, long firstSeenAt, Tally<K, V> tally) {
    awaitRecheck(firstSeenAt);
    List<K> keys = new ArrayList<>(suspects.size());
    for (Suspect<K, V> suspect : suspects) {
      keys.add(suspect.key());
    }
    Map<K, Versioned<V>> rows = store.loadAll(keys);
    for (Suspect<K, V> suspect : suspects) {
      Optional<Versioned<V>> row = Optional.ofNullable(rows.get(suspect.key()));
      Entry<V> again = cache.probe(suspect.key());
      if (again != null && same(suspect.entry(), again) && sameRow(suspect.row(), row)) {
        tally.mismatches.add(suspect.mismatch());
      } else {
        tally.changing++;
      }
    }
  }

  private void awaitRecheck(long firstSeenAt) {
    long wait = recheckDelayNanos - (System.nanoTime() - firstSeenAt);
    if (wait <= 0) {
      return;
    }
    try {
      TimeUnit.NANOSECONDS.sleep(
          wait); // the settle time of writes in flight, not a wait for a condition
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      CancellationException cancelled =
          new CancellationException("verify was interrupted before its re-check");
      cancelled.initCause(e);
      throw cancelled;
    }
  }

  private int repair(List<Mismatch<K, V>> mismatches) {
    int repaired = 0;
    for (Mismatch<K, V> mismatch : mismatches) {
      cache.invalidate(mismatch.key());
      Entry<V> after = cache.probe(mismatch.key());
      if (after == null || compare(mismatch.key(), after, store.load(mismatch.key())) == null) {
        repaired++;
      }
    }
    return repaired;
  }

  private void checkKeyType(K key) {
    Class<?> type = store.keyType();
    if (!type.isInstance(key)) {
      throw new IllegalStateException(
          "the cache tier listed the key '"
              + key
              + "' as a "
              + key.getClass().getName()
              + ", but the store's keys are "
              + type.getName()
              + ": set the tier's key decoder to the inverse of its key encoder");
    }
  }

  /** Returns the mismatch between a cached entry and the database's row, or null if they agree. */
  private @Nullable Mismatch<K, V> compare(K key, Entry<V> entry, Optional<Versioned<V>> row) {
    V value = entry.value();
    Long version = entry.version();
    if (row.isEmpty()) {
      return value == null
          ? null
          : new Mismatch<>(key, Mismatch.Kind.DELETED, version, 0, value, null);
    }
    Versioned<V> current = row.get();
    if (value == null) {
      return new Mismatch<>(
          key, Mismatch.Kind.MISSING, version, current.version(), null, current.value());
    }
    Mismatch.Kind kind = null;
    if (version != null && version < current.version()) {
      kind = Mismatch.Kind.STALE;
    } else if (version != null && version > current.version()) {
      kind = Mismatch.Kind.AHEAD;
    } else if (!equality.test(value, current.value())) {
      kind = Mismatch.Kind.VALUE_DIFFERS;
    }
    return kind == null
        ? null
        : new Mismatch<>(key, kind, version, current.version(), value, current.value());
  }

  private boolean same(Entry<V> a, Entry<V> b) {
    V x = a.value();
    V y = b.value();
    return Objects.equals(a.version(), b.version())
        && (x == null ? y == null : y != null && equality.test(x, y));
  }

  private boolean sameRow(Optional<Versioned<V>> a, Optional<Versioned<V>> b) {
    if (a.isEmpty() || b.isEmpty()) {
      return a.isEmpty() && b.isEmpty();
    }
    return a.get().version() == b.get().version()
        && equality.test(a.get().value(), b.get().value());
  }

  @Override
  public String toString() {
    return "Verifier{" + store + ", " + cache + "}";
  }

  /** What one run counted so far. */
  private static final class Tally<K, V> {
    long checked;
    long cached;
    long changing;
    final List<Mismatch<K, V>> mismatches = new ArrayList<>();
  }

  /**
   * Builds a {@link Verifier}: exactly one of {@link #tier} and {@link #cache} must be set; each
   * setting may be made once.
   *
   * @param <K> the key type
   * @param <V> the value type
   */
  public static final class Builder<K, V> {
    private final Store<K, V> store;
    private @Nullable CacheTier<K, V> tier;
    private @Nullable Tandem<K, V> tandem;
    private @Nullable BiPredicate<? super V, ? super V> equality;
    private int pageSize;
    private @Nullable Duration recheckDelay;
    private @Nullable Object meterRegistry;
    private @Nullable String name;

    private Builder(Store<K, V> store) {
      this.store = store;
    }

    /**
     * Reads the cache through its tier, the one the Tandem was built with: versions and cached
     * absences are compared too, and {@link Verifier#verify()} walks the tier's keys.
     *
     * @throws IllegalStateException if a tier or a Tandem was already set
     */
    public Builder<K, V> tier(CacheTier<K, V> tier) {
      requireNonNull(tier, "tier");
      checkNoCache();
      this.tier = tier;
      return this;
    }

    /**
     * Reads the cache through {@link Tandem#getIfCached}, which tells values but neither versions
     * nor cached absences: only values are compared, and only the keys given to {@link
     * Verifier#verify(Iterable)} can be checked.
     *
     * @throws IllegalStateException if a tier or a Tandem was already set
     */
    public Builder<K, V> cache(Tandem<K, V> tandem) {
      requireNonNull(tandem, "tandem");
      checkNoCache();
      this.tandem = tandem;
      return this;
    }

    /**
     * Sets how values are compared. Default: {@link Objects#deepEquals} (so arrays compare by
     * content). A predicate that always answers true compares versions only.
     *
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> valueEquality(BiPredicate<? super V, ? super V> equality) {
      requireNonNull(equality, "equality");
      if (this.equality != null) {
        throw new IllegalStateException("value equality was already set to " + this.equality);
      }
      this.equality = equality;
      return this;
    }

    /**
     * Sets how many keys are read from the tier and the database in one go, and how many suspects
     * are re-checked together. Default: 500.
     *
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if not positive
     */
    public Builder<K, V> pageSize(int pageSize) {
      if (this.pageSize != 0) {
        throw new IllegalStateException("page size was already set to " + this.pageSize);
      }
      if (pageSize < 1) {
        throw new IllegalArgumentException("page size must be positive but was " + pageSize);
      }
      this.pageSize = pageSize;
      return this;
    }

    /**
     * Sets how long after the first look a suspected mismatch is looked at again: longer than a
     * write takes from its commit to its cache update, so that a write in flight is not reported as
     * drift. Suspects are re-checked a page at a time, so a run waits at most this long per page of
     * suspects, and not at all when there are none. Default: 1 second.
     *
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if negative
     */
    public Builder<K, V> recheckDelay(Duration delay) {
      requireNonNull(delay, "delay");
      if (recheckDelay != null) {
        throw new IllegalStateException("recheck delay was already set to " + recheckDelay);
      }
      if (delay.isNegative()) {
        throw new IllegalArgumentException("recheck delay must not be negative but was " + delay);
      }
      this.recheckDelay = delay;
      return this;
    }

    /**
     * Publishes what each run found to a Micrometer registry (micrometer-core must be on the class
     * path), tagged {@code cache=<name>}: counters {@code tandem.verify.checked} (keys examined),
     * {@code tandem.verify.stale} by {@code kind} (mismatches: stale, ahead, value_differs,
     * deleted, missing), {@code tandem.verify.changing} (suspects that did not persist), {@code
     * tandem.verify.repaired}, the timer {@code tandem.verify.runs} (duration of each run) and the
     * gauge {@code tandem.verify.last.stale} (mismatches found by the latest run). Default: no
     * metrics.
     *
     * @param registry an {@code io.micrometer.core.instrument.MeterRegistry}
     * @throws IllegalStateException if a registry was already set
     */
    public Builder<K, V> meterRegistry(io.micrometer.core.instrument.MeterRegistry registry) {
      requireNonNull(registry, "registry");
      if (this.meterRegistry != null) {
        throw new IllegalStateException("meter registry was already set");
      }
      this.meterRegistry = registry;
      return this;
    }

    /**
     * Sets the name in the meters' {@code cache} tag; use the Tandem's name. Default: {@code
     * "tandem"}.
     *
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if blank
     */
    public Builder<K, V> name(String name) {
      requireNonNull(name, "name");
      if (this.name != null) {
        throw new IllegalStateException("name was already set to " + this.name);
      }
      if (name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank");
      }
      this.name = name;
      return this;
    }

    /**
     * Builds the verifier.
     *
     * @throws IllegalStateException if neither a tier nor a Tandem was set
     */
    public Verifier<K, V> build() {
      CacheTier<K, V> t = tier;
      Tandem<K, V> c = tandem;
      if (t != null) {
        return new Verifier<>(this, tierView(t));
      }
      if (c != null) {
        return new Verifier<>(this, tandemView(c));
      }
      throw new IllegalStateException("tier or cache must be set");
    }

    private void checkNoCache() {
      if (tier != null) {
        throw new IllegalStateException("the cache was already set to tier " + tier);
      }
      if (tandem != null) {
        throw new IllegalStateException("the cache was already set to Tandem " + tandem);
      }
    }

    private static <K, V> CacheView<K, V> tierView(CacheTier<K, V> tier) {
      return new CacheView<>() {
        @Override
        public @Nullable Entry<V> probe(K key) {
          Cached<V> cached = tier.getIfPresent(key);
          return cached == null ? null : new Entry<>(cached.value(), cached.version());
        }

        @Override
        public void invalidate(K key) {
          tier.invalidate(key);
        }

        @Override
        public Iterator<List<K>> keys(int pageSize) {
          return tier.cachedKeys(pageSize);
        }

        @Override
        public String toString() {
          return "tier " + tier;
        }
      };
    }

    private static <K, V> CacheView<K, V> tandemView(Tandem<K, V> tandem) {
      return new CacheView<>() {
        @Override
        public @Nullable Entry<V> probe(K key) {
          return tandem.getIfCached(key).map(v -> new Entry<V>(v, null)).orElse(null);
        }

        @Override
        public void invalidate(K key) {
          tandem.invalidate(key);
        }

        @Override
        public Iterator<List<K>> keys(int pageSize) {
          throw new UnsupportedOperationException(
              "a verifier that reads the cache through a Tandem cannot list the"
                  + " cached keys: give it the tier (Builder.tier), or the keys to check");
        }

        @Override
        public String toString() {
          return "Tandem " + tandem;
        }
      };
    }
  }
}
