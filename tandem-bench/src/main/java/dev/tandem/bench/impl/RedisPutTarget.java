package dev.tandem.bench.impl;

import dev.tandem.Tandem;
import dev.tandem.redis.Codec;
import dev.tandem.redis.NearTier;
import dev.tandem.redis.RedisTier;
import dev.tandem.spi.CacheTier;
import dev.tandem.testkit.server.RedisServer;
import java.time.Duration;

/**
 * Puts through Tandem over a store that only hands out versions ({@link NullStore}), so that a
 * put costs what its cache tier costs: the Redis tier alone, or a near tier over it. Starts a
 * private redis-server.
 */
public final class RedisPutTarget implements AutoCloseable {
  private final RedisServer server;
  private final Tandem<Long, String> tandem;

  /** Starts a redis-server and builds a Tandem over {@code tier}: {@code redis} or {@code near}. */
  public RedisPutTarget(String tier) {
    this.server = RedisServer.start();
    try {
      RedisTier<Long, String> shared = RedisTier.<Long, String>builder(Codec.string()).uri(server.uri())
          .keyPrefix("put-bench:").build();
      CacheTier<Long, String> used = switch (tier) {
        case "redis" -> shared;
        case "near" -> NearTier.builder(shared).uri(server.uri()).maximumSize(100_000).keyDecoder(Long::valueOf)
            .boundedStaleness(Duration.ofSeconds(1)).build();
        default -> {
          shared.close();
          throw new IllegalArgumentException("unknown tier " + tier);
        }
      };
      this.tandem = Tandem.builder(new NullStore()).cacheTier(used).build();
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
  }

  /** Writes {@code value} under {@code key} through Tandem. */
  public void put(Long key, String value) {
    tandem.put(key, value);
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
