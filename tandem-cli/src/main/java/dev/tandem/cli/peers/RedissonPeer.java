package dev.tandem.cli.peers;

import io.lettuce.core.RedisCredentials;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.redisson.Redisson;
import org.redisson.api.RLocalCachedMap;
import org.redisson.api.RMap;
import org.redisson.api.RedissonClient;
import org.redisson.api.map.WriteMode;
import org.redisson.api.options.LocalCachedMapOptions;
import org.redisson.api.options.MapOptions;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;
import org.redisson.config.SingleServerConfig;

/**
 * Redisson's write-through map over the run's Redis, as its documentation sets it up: an {@code
 * RMap} (or, near, an {@code RLocalCachedMap} with an LRU local cache, {@code INVALIDATE} sync and
 * {@code CLEAR} on reconnection) with a {@code MapWriter} and {@code MapLoader} in {@code
 * WRITE_THROUGH} mode, values as text ({@code StringCodec}), every other setting Redisson's default
 * (connection pool of 64, 3 retries). A write is {@code fastPut}, a compare-and-set {@code
 * replace(key, old, new)}, a delete {@code fastRemove}; the writer commits after Redisson changed
 * Redis, the loader runs on a miss.
 */
final class RedissonPeer implements PeerMap {

  private final TableBridge<?> bridge;
  private final RedissonClient client;
  private final RMap<String, String> map;
  private final @Nullable RLocalCachedMap<String, String> near;

  RedissonPeer(PeerSettings settings, TableBridge<?> bridge, boolean nearCache) {
    this.bridge = bridge;
    RedisURI uri = settings.requireRedis();
    Config config = new Config();
    config.setCodec(StringCodec.INSTANCE);
    SingleServerConfig server =
        config
            .useSingleServer()
            .setAddress(
                (uri.isSsl() ? "rediss://" : "redis://") + uri.getHost() + ":" + uri.getPort())
            .setDatabase(uri.getDatabase());
    RedisCredentials credentials =
        uri.getCredentialsProvider().resolveCredentials().toFuture().join(); // a URI's: at once
    if (credentials != null && credentials.hasPassword()) {
      server.setPassword(new String(credentials.getPassword()));
      if (credentials.hasUsername()) {
        server.setUsername(credentials.getUsername());
      }
    }
    Duration timeout = settings.commandTimeout();
    if (timeout != null) {
      server.setTimeout((int) timeout.toMillis());
    }
    this.client = Redisson.create(config);
    try {
      if (nearCache) {
        LocalCachedMapOptions<String, String> options =
            LocalCachedMapOptions.<String, String>name(settings.prefix() + "redisson-near")
                .codec(StringCodec.INSTANCE)
                .writer(bridge)
                .loader(bridge)
                .writeMode(WriteMode.WRITE_THROUGH)
                .cacheSize((int) Math.min(Integer.MAX_VALUE, settings.localCacheSize()))
                .evictionPolicy(LocalCachedMapOptions.EvictionPolicy.LRU)
                .syncStrategy(LocalCachedMapOptions.SyncStrategy.INVALIDATE)
                .reconnectionStrategy(LocalCachedMapOptions.ReconnectionStrategy.CLEAR);
        RLocalCachedMap<String, String> local = client.getLocalCachedMap(options);
        this.near = local;
        this.map = local;
      } else {
        this.near = null;
        this.map =
            client.getMap(
                MapOptions.<String, String>name(settings.prefix() + "redisson")
                    .codec(StringCodec.INSTANCE)
                    .writer(bridge)
                    .loader(bridge)
                    .writeMode(WriteMode.WRITE_THROUGH));
      }
    } catch (RuntimeException e) {
      client.shutdown();
      throw e;
    }
  }

  @Override
  public @Nullable String get(String key) {
    return map.get(key);
  }

  @Override
  public void put(String key, String value) {
    map.fastPut(key, value);
  }

  @Override
  public boolean replace(String key, String expected, String value) {
    return map.replace(key, expected, value);
  }

  @Override
  public void remove(String key) {
    map.fastRemove(key);
  }

  /**
   * Redisson drops no single entry without deleting it: the near map clears its local copies, the
   * map nothing.
   */
  @Override
  public void evict(String key) {
    if (near != null) {
      near.clearLocalCache();
    }
  }

  @Override
  public TableBridge<?> bridge() {
    return bridge;
  }

  @Override
  public void close() {
    if (near != null) {
      near.destroy(); // this node's listeners and local copies, not the data
    }
    client.shutdown();
  }
}
