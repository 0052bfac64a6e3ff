package dev.tandem.cli.bench;

import static java.util.Objects.requireNonNull;

import dev.tandem.Versioned;
import dev.tandem.spi.Store;
import dev.tandem.spi.StoreTransaction;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * A store that counts the keys it loads, so that the hit ratio of a cache without counters of its
 * own (the naive class, Ehcache) is known: every miss loads once.
 */
final class CountingStore<K, V> implements Store<K, V> {

  private final Store<K, V> store;
  private final LongAdder loads = new LongAdder();

  CountingStore(Store<K, V> store) {
    this.store = requireNonNull(store, "store");
  }

  /** Returns how many keys were loaded so far. */
  long loads() {
    return loads.sum();
  }

  @Override
  public Optional<Versioned<V>> load(K key) {
    loads.increment();
    return store.load(key);
  }

  @Override
  public Map<K, Versioned<V>> loadAll(Collection<? extends K> keys) {
    loads.add(keys.size());
    return store.loadAll(keys);
  }

  @Override
  public StoreTransaction<K, V> begin() {
    return store.begin();
  }

  @Override
  public void close() {
    store.close();
  }
}
