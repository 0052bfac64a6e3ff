package dev.tandem.cli.peers;

import static java.util.Objects.requireNonNull;

import io.lettuce.core.RedisURI;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Where a peer of one node finds its servers.
 *
 * @param redisUri the Redis of the run, with its credentials, TLS and database (its {@code
 *     toString} hides the password), or null if the run has none
 * @param prefix the prefix of the run's Redis keys and map names
 * @param localCacheSize the bound of a node's local copies (the near map's, the cache size of
 *     Hazelcast's members)
 * @param commandTimeout the Redis command timeout, or null for the client's default
 * @param hazelcast the cluster the Hazelcast members of the run form
 */
public record PeerSettings(
    @Nullable RedisURI redisUri,
    String prefix,
    long localCacheSize,
    @Nullable Duration commandTimeout,
    HazelcastCluster hazelcast) {

  /** Checks the settings. */
  public PeerSettings {
    requireNonNull(prefix, "prefix");
    requireNonNull(hazelcast, "hazelcast");
    if (localCacheSize < 1) {
      throw new IllegalArgumentException(
          "localCacheSize must be positive but was " + localCacheSize);
    }
  }

  /**
   * Returns the Redis URI.
   *
   * @throws IllegalStateException if the run has no Redis
   */
  RedisURI requireRedis() {
    if (redisUri == null) {
      throw new IllegalStateException("this peer needs the run's Redis");
    }
    return redisUri;
  }
}
