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
 * through Lettuce, with no invalidation messages, versions or time to live. Its hits are bare
 * Caffeine hits; its entries are filled amid the Redis client's allocations. Starts a private
 * redis-server.
 *
 * <p>Two ways to fill it. Directly: SET, then GET and put the decoded value. Or through its read
 * path, as a near cache is filled in use: a write is a SET that drops the local copy, and the read
 * after it looks the key up, misses, GETs it and puts it. The second way gives the cache's lookup a
 * history of misses before the benchmark's hits, as every near cache's lookup has (Tandem's too);
 * the JIT compiles the lookup with that profile.
 */
public final class CaffeineOverRedis implements ReadCache, AutoCloseable {
  private final RedisServer server;
  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final RedisCommands<String, String> redis;
  private final Cache<Long, String> cache;
  private final boolean readThrough;

  /** Starts a redis-server and connects to it; fills directly. */
  public CaffeineOverRedis(int maximumSize) {
    this(maximumSize, false);
  }

  /**
   * Starts a redis-server and connects to it; with {@code readThrough}, fills through the read
   * path.
   */
  public CaffeineOverRedis(int maximumSize, boolean readThrough) {
    this.readThrough = readThrough;
    this.server = RedisServer.start();
    this.client = RedisClient.create(server.uri());
    this.connection = client.connect();
    this.redis = connection.sync();
    this.cache = Caffeine.newBuilder().maximumSize(maximumSize).build();
  }

  @Override
  public void put(Long key, String value) {
    String name = name(key);
    redis.set(name, value);
    if (readThrough) {
      cache.invalidate(key);
      if (readThrough(key) == null) {
        throw new IllegalStateException("key " + key + " is not in Redis after its SET");
      }
      return;
    }
    String read = redis.get(name);
    if (read != null) {
      cache.put(key, read);
    }
  }

  /** The read path of a hand-written near cache: the local copy, else Redis (keeping a copy). */
  private @Nullable String readThrough(Long key) {
    String local = cache.getIfPresent(key);
    if (local != null) {
      return local;
    }
    String read = redis.get(name(key));
    if (read != null) {
      cache.put(key, read);
    }
    return read;
  }

  private static String name(Long key) {
    return "by-hand:{" + key + "}";
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
