package dev.tandem.bench.impl;

import org.jspecify.annotations.Nullable;

/**
 * A read of a key that the Redis benchmark stored beforehand: Tandem's Redis tier, or a raw Lettuce
 * GET of the same key and bytes.
 */
public interface RedisHit extends AutoCloseable {

  /** Reads {@code key}; returns what was read (for the benchmark to consume), null if absent. */
  @Nullable Object get(long key);

  @Override
  void close();

  /**
   * Fills {@code keys} keys (0 to keys - 1) with values of {@code valueBytes} characters through
   * Tandem on the Redis at {@code uri}, then returns the adapter named by the benchmark's
   * {@code @Param}: {@code tandem} or {@code lettuce}.
   */
  static RedisHit named(String name, String uri, int keys, int valueBytes) {
    TandemRedisHit tandem = new TandemRedisHit(uri);
    tandem.fill(keys, valueBytes);
    return switch (name) {
      case "tandem" -> tandem;
      case "lettuce" -> {
        tandem.close();
        yield new LettuceHit(uri);
      }
      default -> throw new IllegalArgumentException("unknown Redis client " + name);
    };
  }
}
