package dev.tandem.bench.impl;

import dev.tandem.Tandem;
import dev.tandem.redis.Codec;
import dev.tandem.redis.NearTier;
import dev.tandem.redis.RedisTier;
import dev.tandem.spi.CacheTier;
import dev.tandem.testkit.server.RedisServer;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A private redis-server and a Tandem over a cache tier on it: the Redis tier alone, or a near tier
 * in front of it (staleness bound 1 s, keys decoded with {@code Long::valueOf}). The store only
 * hands out versions ({@link NullStore}), so that what the benchmarks measure is the cache tier's
 * share. Closing it closes the Tandem (and its tiers) and stops the server.
 */
public final class TandemOverRedis implements AutoCloseable {
  private final RedisServer server;
  private final @Nullable NearTier<Long, String> near;
  private final Tandem<Long, String> tandem;

  /**
   * Starts a redis-server and a Tandem over a Redis tier whose keys start with {@code keyPrefix}.
   */
  public static TandemOverRedis redis(String keyPrefix) {
    return new TandemOverRedis(keyPrefix, 0);
  }

  /** As {@link #redis}, with a near tier of at most {@code maximumSize} L1 copies in front. */
  public static TandemOverRedis near(String keyPrefix, long maximumSize) {
    if (maximumSize <= 0) {
      throw new IllegalArgumentException(
          "a near tier needs a positive maximum size, not " + maximumSize);
    }
    return new TandemOverRedis(keyPrefix, maximumSize);
  }

  private TandemOverRedis(String keyPrefix, long nearMaximumSize) {
    this.server = RedisServer.start();
    CacheTier<Long, String> tier = null;
    try {
      RedisTier<Long, String> shared =
          RedisTier.<Long, String>builder(Codec.string())
              .uri(server.uri())
              .keyPrefix(keyPrefix)
              .build();
      tier = shared;
      if (nearMaximumSize > 0) {
        tier =
            NearTier.builder(shared)
                .uri(server.uri())
                .maximumSize(nearMaximumSize)
                .keyDecoder(Long::valueOf)
                .boundedStaleness(Duration.ofSeconds(1))
                .build(); // owns the shared tier from here on
      }
      this.near = tier instanceof NearTier<Long, String> nearTier ? nearTier : null;
      this.tandem = Tandem.builder(new NullStore()).cacheTier(tier).build();
    } catch (RuntimeException e) {
      if (tier != null) {
        tier.close();
      }
      server.close();
      throw e;
    }
  }

  /** Returns the Tandem. */
  public Tandem<Long, String> tandem() {
    return tandem;
  }

  /**
   * Returns the near tier.
   *
   * @throws IllegalStateException if this Tandem has none
   */
  public NearTier<Long, String> near() {
    if (near == null) {
      throw new IllegalStateException("this Tandem runs on the Redis tier alone");
    }
    return near;
  }

  @Override
  public void close() {
    try {
      tandem.close();
    } finally {
      server.close();
    }
  }
}
