package dev.tandem.testkit.naive;

import static java.util.Objects.requireNonNull;

import dev.tandem.Stats;
import dev.tandem.Tandem;
import dev.tandem.Versioned;
import dev.tandem.spi.Mutation;
import dev.tandem.spi.Store;
import dev.tandem.spi.StoreTransaction;
import dev.tandem.spi.Written;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * The write-through cache as tutorials write it: write the database, then {@code cache.put}; on a
 * read miss, load and {@code cache.put}. No versions, no leases, no per-key order. The cache is a
 * map in this process, or any {@link NaiveCache}, such as {@link NaiveRedisCache} shared by many
 * nodes.
 *
 * <p>It is <b>wrong on purpose</b>: the negative control that the race tests and the torture
 * command must catch (stale reads from H1, H2, H3, H6, and H8 across nodes). Never use it for
 * anything else.
 */
public final class NaiveWriteThrough<K, V> implements Tandem<K, V> {

  private final Store<K, V> store;
  private final NaiveCache<K, V> cache;

  /**
   * Creates the naive cache over {@code store}; it drops everything when it grows past the bound.
   */
  public NaiveWriteThrough(Store<K, V> store, int maximumSize) {
    this(store, new MapCache<>(maximumSize));
  }

  /**
   * Returns the tutorial's in-process cache: a map, cleared when it holds {@code maximumSize}
   * entries.
   */
  public static <K, V> NaiveCache<K, V> mapCache(int maximumSize) {
    return new MapCache<>(maximumSize);
  }

  /** Creates the naive write-through over {@code store} with {@code cache} in front of it. */
  public NaiveWriteThrough(Store<K, V> store, NaiveCache<K, V> cache) {
    this.store = requireNonNull(store, "store");
    this.cache = requireNonNull(cache, "cache");
  }

  @Override
  public Optional<V> get(K key) {
    return getVersioned(key).map(Versioned::value);
  }

  @Override
  public Optional<Versioned<V>> getVersioned(K key) {
    Versioned<V> cached = cache.get(key);
    if (cached != null) {
      return Optional.of(cached);
    }
    Optional<Versioned<V>> loaded = store.load(key);
    loaded.ifPresent(v -> cache.put(key, v)); // the stale fill: races H2, H3, H6
    return loaded;
  }

  @Override
  public Optional<V> getIfCached(K key) {
    return Optional.ofNullable(cache.get(key)).map(Versioned::value);
  }

  @Override
  public Map<K, V> getAll(Collection<? extends K> keys) {
    Map<K, V> result = new HashMap<>();
    for (K key : keys) {
      get(key).ifPresent(v -> result.put(key, v));
    }
    return result;
  }

  @Override
  public long put(K key, V value) {
    long version = write(new Mutation.Put<>(key, value)).version();
    cache.put(key, new Versioned<>(value, version)); // unordered with other writers: race H1
    return version;
  }

  @Override
  public void putAll(Map<? extends K, ? extends V> entries) {
    entries.forEach(this::put);
  }

  @Override
  public long putIfVersion(K key, long expectedVersion, V value) {
    long actual = store.load(key).map(Versioned::version).orElse(0L);
    if (actual != expectedVersion) {
      throw new IllegalStateException("version conflict on key " + key);
    }
    return put(key, value);
  }

  @Override
  public Optional<V> update(K key, UnaryOperator<V> function) {
    Optional<V> current = get(key); // read-modify-write through the cache: lost updates
    if (current.isEmpty()) {
      return Optional.empty();
    }
    V next = function.apply(current.get());
    put(key, next);
    return Optional.of(next);
  }

  @Override
  public boolean remove(K key) {
    boolean existed = write(new Mutation.Delete<>(key)).existed();
    cache.remove(key);
    return existed;
  }

  @Override
  public int removeAll(Collection<? extends K> keys) {
    int existed = 0;
    for (K key : keys) {
      existed += remove(key) ? 1 : 0;
    }
    return existed;
  }

  @Override
  public <R> R transaction(
      java.util.function.Function<? super dev.tandem.Transaction<K, V>, ? extends R> work) {
    Map<K, Optional<V>> staged = new java.util.LinkedHashMap<>();
    R result =
        work.apply(
            new dev.tandem.Transaction<>() {
              @Override
              public Optional<V> get(K key) {
                return staged.containsKey(key)
                    ? staged.get(key)
                    : NaiveWriteThrough.this.get(key); // unlocked, through the cache
              }

              @Override
              public void put(K key, V value) {
                staged.put(key, Optional.of(value));
              }

              @Override
              public boolean remove(K key) {
                boolean existed = get(key).isPresent();
                staged.put(key, Optional.empty());
                return existed;
              }
            });
    staged.forEach(
        (key, value) -> { // one transaction per key: not atomic (H7)
          if (value.isPresent()) {
            put(key, value.get());
          } else {
            remove(key);
          }
        });
    return result;
  }

  @Override
  public void invalidate(K key) {
    cache.remove(key);
  }

  @Override
  public void invalidateAll() {
    cache.clear();
  }

  @Override
  public long estimatedSize() {
    return cache.size();
  }

  @Override
  public Stats stats() {
    return new Stats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  }

  @Override
  public void close() {
    cache.close();
    store.close();
  }

  /** The tutorial's in-process cache: a concurrent map, cleared when it is full. */
  private static final class MapCache<K, V> implements NaiveCache<K, V> {
    private final Map<K, Versioned<V>> map = new ConcurrentHashMap<>();
    private final int maximumSize;

    MapCache(int maximumSize) {
      this.maximumSize = maximumSize;
    }

    @Override
    public @Nullable Versioned<V> get(K key) {
      return map.get(key);
    }

    @Override
    public void put(K key, Versioned<V> value) {
      if (map.size() >= maximumSize) {
        map.clear();
      }
      map.put(key, value);
    }

    @Override
    public void remove(K key) {
      map.remove(key);
    }

    @Override
    public void clear() {
      map.clear();
    }

    @Override
    public long size() {
      return map.size();
    }
  }

  private Written write(Mutation<K, V> mutation) {
    try (StoreTransaction<K, V> tx = store.begin()) {
      Written written = tx.apply(List.of(mutation)).get(0);
      tx.commit();
      return written;
    }
  }
}
