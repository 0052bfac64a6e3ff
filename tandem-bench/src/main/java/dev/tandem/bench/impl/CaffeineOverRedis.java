package dev.tandem.bench.impl;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tandem.testkit.server.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.jspecify.annotations.Nullable;

/**
 * A baseline: the near cache a user would write by hand, a bare Caffeine cache filled from Redis
 * through Lettuce (SET, then GET and put the decoded value), with no invalidation, versions or
 * time to live. Its hits are bare Caffeine hits; its entries are filled the way a near cache's
 * are, amid the Redis client's allocations. Starts a private redis-server.
 */
public final class CaffeineOverRedis implements ReadCache, AutoCloseable {
  private final RedisServer server;
  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final RedisCommands<String, String> redis;
  private final Cache<Long, String> cache;

  /** Starts a redis-server and connects to it. */
  public CaffeineOverRedis(int maximumSize) {
    this.server = RedisServer.start();
    this.client = RedisClient.create(server.uri());
    this.connection = client.connect();
    this.redis = connection.sync();
    this.cache = Caffeine.newBuilder().maximumSize(maximumSize).build();
  }

  @Override
  public void put(Long key, String value) {
    String name = "by-hand:{" + key + "}";
    redis.set(name, value);
    String read = redis.get(name);
    if (read != null) {
      cache.put(key, read);
    }
  }

  @Override
  public @Nullable String get(Long key) {
    return cache.getIfPresent(key);
  }

  @Override
  public void close() {
    try {
      connection.close();
      client.shutdown();
    } finally {
      server.close();
    }
  }
}
