package dev.tandem.bench.impl;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import org.jspecify.annotations.Nullable;

/** The baseline: a bare Caffeine cache, read with {@code getIfPresent}. */
final class CaffeineReadCache implements ReadCache {
  private final Cache<Long, String> cache;

  CaffeineReadCache(int maximumSize) {
    cache = Caffeine.newBuilder().maximumSize(maximumSize).build();
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
