package dev.tandem.cli.bench;

import dev.tandem.Versioned;
import dev.tandem.jdbc.JdbcStore;
import dev.tandem.spi.Mutation;
import dev.tandem.spi.StoreTransaction;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.ehcache.Cache;
import org.ehcache.CacheManager;
import org.ehcache.config.builders.CacheConfigurationBuilder;
import org.ehcache.config.builders.CacheManagerBuilder;
import org.ehcache.config.builders.ResourcePoolsBuilder;
import org.ehcache.spi.loaderwriter.CacheLoaderWriter;
import org.jspecify.annotations.Nullable;

/**
 * Ehcache 3 configured as a write-through cache: an on-heap cache whose {@link CacheLoaderWriter}
 * loads misses and writes every put through {@link JdbcStore} (the same statements as {@code
 * direct}), one transaction per write, under Ehcache's lock of the key.
 */
final class EhcacheTarget implements BenchTarget {

  private final CountingStore<String, String> store;
  private final CacheManager manager;
  private final Cache<String, String> cache;
  private final LongAdder reads = new LongAdder();

  EhcacheTarget(JdbcStore<String, String> jdbcStore, long cacheSize) {
    this.store = new CountingStore<>(jdbcStore);
    this.manager =
        CacheManagerBuilder.newCacheManagerBuilder()
            .withCache(
                "bench",
                CacheConfigurationBuilder.newCacheConfigurationBuilder(
                        String.class, String.class, ResourcePoolsBuilder.heap(cacheSize))
                    .withLoaderWriter(new StoreLoaderWriter(store)))
            .build(true);
    this.cache = manager.getCache("bench", String.class, String.class);
  }

  @Override
  public @Nullable String read(String key) {
    reads.increment();
    return cache.get(key);
  }

  @Override
  public void write(String key, String value) {
    cache.put(key, value);
  }

  @Override
  public CacheCounts cacheCounts() {
    long loads = store.loads();
    return new CacheCounts(Math.max(0, reads.sum() - loads), loads);
  }

  @Override
  public void close() {
    try {
      manager.close();
    } finally {
      store.close();
    }
  }

  /** Ehcache's view of the table: load on a miss, write each put in its own transaction. */
  private record StoreLoaderWriter(CountingStore<String, String> store)
      implements CacheLoaderWriter<String, String> {

    @Override
    public @Nullable String load(String key) {
      return store.load(key).map(Versioned::value).orElse(null);
    }

    @Override
    public void write(String key, String value) {
      apply(new Mutation.Put<>(key, value));
    }

    @Override
    public void delete(String key) {
      apply(new Mutation.Delete<>(key));
    }

    private void apply(Mutation<String, String> mutation) {
      try (StoreTransaction<String, String> tx = store.begin()) {
        tx.apply(List.of(mutation));
        tx.commit();
      }
    }
  }
}
