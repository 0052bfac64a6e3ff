package dev.tandem.bench.impl;

import dev.tandem.Tandem;
import dev.tandem.local.LocalTier;
import org.jspecify.annotations.Nullable;

/**
 * Tandem with the local tier, read with {@code get} (hits only: the benchmark fills every key
 * first), with or without hit counting. The store is a trivial in-memory one: the hit path never
 * reaches it.
 */
final class TandemReadCache implements ReadCache {
  private final Tandem<Long, String> tandem;

  TandemReadCache(int maximumSize, boolean recordStats) {
    Tandem.Builder<Long, String> builder =
        Tandem.builder(new NullStore())
            .cacheTier(LocalTier.<Long, String>builder().maximumSize(maximumSize).build());
    tandem = (recordStats ? builder.recordStats() : builder).build();
  }

  @Override
  public void put(Long key, String value) {
    tandem.put(key, value);
  }

  @Override
  public @Nullable String get(Long key) {
    return tandem.get(key).orElse(null);
  }
}
