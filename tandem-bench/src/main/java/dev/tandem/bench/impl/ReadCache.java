package dev.tandem.bench.impl;

import org.jspecify.annotations.Nullable;

/** A cache that the read benchmark can fill and query for hits. */
public interface ReadCache {

  /** Stores {@code value} under {@code key}. */
  void put(Long key, String value);

  /** Returns the cached value of {@code key}, or null. */
  @Nullable String get(Long key);

  /** Creates the adapter named by the benchmark's {@code @Param}. */
  static ReadCache named(String name, int maximumSize) {
    return switch (name) {
      case "caffeine" -> new CaffeineReadCache(maximumSize, false);
      case "caffeine-read-through" -> new CaffeineReadCache(maximumSize, true);
      case "tandem" -> new TandemReadCache(maximumSize, false);
      case "tandem-stats" -> new TandemReadCache(maximumSize, true);
      default -> throw new IllegalArgumentException("unknown cache " + name);
    };
  }
}
