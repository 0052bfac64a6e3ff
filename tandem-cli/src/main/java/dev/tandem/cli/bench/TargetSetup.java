package dev.tandem.cli.bench;

import static java.util.Objects.requireNonNull;

import dev.tandem.cli.peers.HazelcastCluster;
import dev.tandem.cli.peers.PeerSettings;
import io.lettuce.core.RedisURI;
import org.jspecify.annotations.Nullable;

/**
 * What a compared system of one node is built over.
 *
 * @param table the run's table
 * @param cacheSize the entries each cache may hold
 * @param tier Tandem's cache tier
 * @param redis the run's Redis, or null if no system of the run needs one
 * @param prefix the prefix of this system's Redis keys (the run's, the system's and the round's)
 * @param node this node's number, from 0
 * @param hazelcast the cluster the run's Hazelcast members form
 */
record TargetSetup(
    BenchTable table,
    long cacheSize,
    BenchTier tier,
    @Nullable BenchRedis redis,
    String prefix,
    int node,
    HazelcastCluster hazelcast) {

  TargetSetup {
    requireNonNull(table, "table");
    requireNonNull(tier, "tier");
    requireNonNull(prefix, "prefix");
    requireNonNull(hazelcast, "hazelcast");
  }

  /** Returns where a peer finds its servers. */
  PeerSettings peerSettings() {
    return new PeerSettings(
        redis == null ? null : RedisURI.create(redis.uri()), prefix, cacheSize, null, hazelcast);
  }
}
