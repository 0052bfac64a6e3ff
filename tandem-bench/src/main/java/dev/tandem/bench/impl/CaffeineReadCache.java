package dev.tandem.bench.impl;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.jspecify.annotations.Nullable;

/**
 * The baseline: a bare Caffeine cache, read with {@code getIfPresent}. Filled either with {@code
 * put} alone, or through a read path (look up, miss, put), as any cache in front of a slower one is
 * filled in use: then its lookup has a history of misses when the JIT compiles it.
 */
final class CaffeineReadCache implements ReadCache {
  private final Cache<Long, String> cache;
  private final boolean readThrough;

  CaffeineReadCache(int maximumSize, boolean readThrough) {
    this.cache = Caffeine.newBuilder().maximumSize(maximumSize).build();
    this.readThrough = readThrough;
  }

  @Override
  public void put(Long key, String value) {
    if (readThrough) {
      cache.invalidate(key); // a write drops the copy; the read after it misses and fills
      if (cache.getIfPresent(key) != null) {
        throw new IllegalStateException("key " + key + " is still cached after its invalidation");
      }
    }
    cache.put(key, value);
  }

  @Override
  public @Nullable String get(Long key) {
    return cache.getIfPresent(key);
  }
}
