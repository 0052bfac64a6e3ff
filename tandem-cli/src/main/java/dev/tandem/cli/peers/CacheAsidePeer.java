package dev.tandem.cli.peers;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Cache-aside as teams write it by hand, with Lettuce (one shared connection, as Lettuce
 * recommends): a read GETs the key and on a miss reads the row and SETs it; a write commits the
 * row, then SETs the key; a compare-and-set locks the row ({@code SELECT ... FOR UPDATE}), writes
 * it if it holds the expected value, commits, then SETs; a delete deletes the row, then DELs the
 * key. No expiry: the copy stays until it is overwritten or deleted.
 */
final class CacheAsidePeer implements PeerMap {

  private final TableBridge<?> bridge;
  private final String prefix;
  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final RedisCommands<String, String> redis;

  CacheAsidePeer(PeerSettings settings, TableBridge<?> bridge) {
    this.bridge = bridge;
    this.prefix = settings.prefix() + "aside:";
    RedisURI.Builder uri = RedisURI.builder(settings.requireRedis());
    Duration timeout = settings.commandTimeout();
    if (timeout != null) {
      uri.withTimeout(timeout);
    }
    this.client = RedisClient.create(uri.build());
    try {
      this.connection = client.connect();
    } catch (RuntimeException e) {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      throw e;
    }
    this.redis = connection.sync();
  }

  @Override
  public @Nullable String get(String key) {
    String cached = redis.get(prefix + key);
    if (cached != null) {
      return cached;
    }
    String loaded = bridge.load(key);
    if (loaded != null) {
      redis.set(prefix + key, loaded);
    }
    return loaded;
  }

  @Override
  public void put(String key, String value) {
    bridge.write(Map.of(key, value));
    redis.set(prefix + key, value);
  }

  @Override
  public boolean replace(String key, String expected, String value) {
    if (!bridge.replace(key, expected, value)) {
      return false;
    }
    redis.set(prefix + key, value);
    return true;
  }

  @Override
  public void remove(String key) {
    bridge.delete(List.of(key));
    redis.del(prefix + key);
  }

  @Override
  public void evict(String key) {
    redis.del(prefix + key);
  }

  @Override
  public TableBridge<?> bridge() {
    return bridge;
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }
}
