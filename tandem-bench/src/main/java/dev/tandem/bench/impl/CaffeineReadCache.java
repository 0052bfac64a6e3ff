package dev.tandem.bench.impl;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.jspecify.annotations.Nullable;

/**
 * The baseline: a bare Caffeine cache, read with {@code getIfPresent}; with {@code expiring}, one
 * whose entries also expire a while after write, by a clock that costs one volatile read (what a
 * near tier's L1 needs for its staleness cap).
 */
final class CaffeineReadCache implements ReadCache {
  private final Cache<Long, String> cache;

  private static volatile long now = System.nanoTime();

  CaffeineReadCache(int maximumSize, boolean expiring) {
    Caffeine<Object, Object> builder = Caffeine.newBuilder().maximumSize(maximumSize);
    if (expiring) {
      builder.expireAfterWrite(java.time.Duration.ofHours(1)).ticker(() -> now);
    }
    cache = builder.build();
  }

  @Override
  public void put(Long key, String value) {
    cache.put(key, value);
  }

  @Override
  public @Nullable String get(Long key) {
    return cache.getIfPresent(key);
  }
}
