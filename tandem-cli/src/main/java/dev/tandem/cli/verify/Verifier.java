package dev.tandem.cli.verify;

import static java.util.Objects.requireNonNull;

import dev.tandem.Tandem;
import dev.tandem.Versioned;
import dev.tandem.spi.CacheTier;
import dev.tandem.spi.Cached;
import dev.tandem.spi.Store;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiPredicate;
import org.jspecify.annotations.Nullable;

/**
 * Compares cached entries with the database, key by key, and optionally repairs what differs by
 * invalidating it (the next read then loads the database's row). It reads the cache without ever
 * filling it and the database with {@link Store#load}; it never writes the database.
 *
 * <pre>{@code
 * Verifier<Long, Account> verifier = Verifier.builder(store).tier(tier).build();
 * VerifyReport<Long, Account> report = verifier.verify(TableKeys.of(dataSource, "account", "id", Long.class));
 * if (!report.consistent()) { ... report.mismatches() ... }
 * }</pre>
 *
 * <p>Give it the {@link CacheTier} the Tandem was built with where you can: the tier tells versions
 * and cached absences, so the report can tell a stale entry from a row changed behind Tandem's back,
 * and catch a row inserted behind its back. Through {@link Tandem#getIfCached} only values are
 * compared.
 *
 * <p><b>Under load.</b> A write in flight (committed, its cache update not yet applied) looks like a
 * mismatch for a moment. So a suspected mismatch is looked at twice, cache then database each time,
 * and reported only if both looks agree; if the entry or the row changed in between it is counted
 * as {@linkplain VerifyReport#changing() changing}. Run it when writers are quiet for a definite
 * answer (the contract promises convergence once writes stop).
 *
 * <p>Keys are checked one by one on the calling thread; the verifier is immutable and thread-safe.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class Verifier<K, V> {

  /** A cached entry as seen by the verifier; {@code version} is null when the view cannot tell it. */
  private record Entry<V>(@Nullable V value, @Nullable Long version) {}

  /** How the verifier reads and invalidates the cache. */
  private interface CacheView<K, V> {
    /** Returns the cached entry, or null if the key is not cached (or only its absence, unseen). */
    @Nullable Entry<V> probe(K key);

    void invalidate(K key);
  }

  private final Store<K, V> store;
  private final CacheView<K, V> cache;
  private final BiPredicate<? super V, ? super V> equality;

  private Verifier(Store<K, V> store, CacheView<K, V> cache, BiPredicate<? super V, ? super V> equality) {
    this.store = store;
    this.cache = cache;
    this.equality = equality;
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
   * Compares the cached entry of each of {@code keys} with the database. Keys that are not cached
   * are counted and skipped. Nothing is changed.
   *
   * @throws NullPointerException if keys or one of them is null
   * @throws RuntimeException from the store if a load fails
   */
  public VerifyReport<K, V> verify(Iterable<? extends K> keys) {
    return check(keys, false);
  }

  /**
   * Like {@link #verify}, then invalidates the cached entry of every mismatch and checks those
   * keys again; a key counts as repaired when the second check finds it consistent (or no longer
   * cached).
   *
   * @throws NullPointerException if keys or one of them is null
   * @throws RuntimeException from the store if a load fails
   */
  public VerifyReport<K, V> verifyAndRepair(Iterable<? extends K> keys) {
    return check(keys, true);
  }

  private VerifyReport<K, V> check(Iterable<? extends K> keys, boolean repair) {
    requireNonNull(keys, "keys");
    long checked = 0;
    long cached = 0;
    long changing = 0;
    List<Mismatch<K, V>> mismatches = new ArrayList<>();
    for (K key : keys) {
      requireNonNull(key, "keys: a key is null");
      checked++;
      Entry<V> entry = cache.probe(key);
      if (entry == null) {
        continue;
      }
      cached++;
      Optional<Versioned<V>> row = store.load(key);
      Mismatch<K, V> suspected = compare(key, entry, row);
      if (suspected == null) {
        continue;
      }
      Entry<V> again = cache.probe(key);
      Optional<Versioned<V>> rowAgain = store.load(key);
      if (again == null || !same(entry, again) || !sameRow(row, rowAgain)) {
        changing++;
        continue;
      }
      mismatches.add(suspected);
    }
    int repaired = 0;
    if (repair) {
      for (Mismatch<K, V> mismatch : mismatches) {
        cache.invalidate(mismatch.key());
        Entry<V> after = cache.probe(mismatch.key());
        if (after == null || compare(mismatch.key(), after, store.load(mismatch.key())) == null) {
          repaired++;
        }
      }
    }
    return new VerifyReport<>(checked, cached, changing, mismatches, repaired);
  }

  /** Returns the mismatch between a cached entry and the database's row, or null if they agree. */
  private @Nullable Mismatch<K, V> compare(K key, Entry<V> entry, Optional<Versioned<V>> row) {
    V value = entry.value();
    Long version = entry.version();
    if (row.isEmpty()) {
      return value == null ? null : new Mismatch<>(key, Mismatch.Kind.DELETED, version, 0, value, null);
    }
    Versioned<V> current = row.get();
    if (value == null) {
      return new Mismatch<>(key, Mismatch.Kind.MISSING, version, current.version(), null, current.value());
    }
    Mismatch.Kind kind = null;
    if (version != null && version < current.version()) {
      kind = Mismatch.Kind.STALE;
    } else if (version != null && version > current.version()) {
      kind = Mismatch.Kind.AHEAD;
    } else if (!equality.test(value, current.value())) {
      kind = Mismatch.Kind.VALUE_DIFFERS;
    }
    return kind == null ? null : new Mismatch<>(key, kind, version, current.version(), value, current.value());
  }

  private boolean same(Entry<V> a, Entry<V> b) {
    V x = a.value();
    V y = b.value();
    return Objects.equals(a.version(), b.version()) && (x == null ? y == null : y != null && equality.test(x, y));
  }

  private boolean sameRow(Optional<Versioned<V>> a, Optional<Versioned<V>> b) {
    if (a.isEmpty() || b.isEmpty()) {
      return a.isEmpty() && b.isEmpty();
    }
    return a.get().version() == b.get().version() && equality.test(a.get().value(), b.get().value());
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
    private @Nullable CacheView<K, V> view;
    private @Nullable String viewName;
    private @Nullable BiPredicate<? super V, ? super V> equality;

    private Builder(Store<K, V> store) {
      this.store = store;
    }

    /**
     * Reads the cache through its tier, the one the Tandem was built with: versions and cached
     * absences are compared too.
     *
     * @throws IllegalStateException if a tier or a Tandem was already set
     */
    public Builder<K, V> tier(CacheTier<K, V> tier) {
      requireNonNull(tier, "tier");
      checkNoView();
      viewName = "tier " + tier;
      view = new CacheView<>() {
        @Override
        public @Nullable Entry<V> probe(K key) {
          Cached<V> cached = tier.getIfPresent(key);
          return cached == null ? null : new Entry<>(cached.value(), cached.version());
        }

        @Override
        public void invalidate(K key) {
          tier.invalidate(key);
        }
      };
      return this;
    }

    /**
     * Reads the cache through {@link Tandem#getIfCached}, which tells values but neither versions
     * nor cached absences: only values are compared.
     *
     * @throws IllegalStateException if a tier or a Tandem was already set
     */
    public Builder<K, V> cache(Tandem<K, V> tandem) {
      requireNonNull(tandem, "tandem");
      checkNoView();
      viewName = "Tandem " + tandem;
      view = new CacheView<>() {
        @Override
        public @Nullable Entry<V> probe(K key) {
          return tandem.getIfCached(key).map(v -> new Entry<V>(v, null)).orElse(null);
        }

        @Override
        public void invalidate(K key) {
          tandem.invalidate(key);
        }
      };
      return this;
    }

    /**
     * Sets how values are compared. Default: {@link Objects#deepEquals} (so arrays compare by
     * content).
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
     * Builds the verifier.
     *
     * @throws IllegalStateException if neither a tier nor a Tandem was set
     */
    public Verifier<K, V> build() {
      if (view == null) {
        throw new IllegalStateException("tier or cache must be set");
      }
      return new Verifier<>(store, view, equality != null ? equality : Objects::deepEquals);
    }

    private void checkNoView() {
      if (view != null) {
        throw new IllegalStateException("the cache was already set to " + viewName);
      }
    }
  }
}
