package dev.tandem.redis;

import dev.tandem.testkit.server.RedisCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * {@link TandemOnRedisIT} on a real three-master Redis Cluster: two nodes, each with its own
 * cluster connection, share the cache (H8); keys spread over the three masters, each key's entry
 * and metadata in one slot.
 */
class TandemOnRedisClusterIT extends TandemOnRedisIT {

  private static RedisCluster cluster;

  @BeforeAll
  static void startCluster() {
    cluster = RedisCluster.start();
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Override
  RedisTier.Builder<String, Long> server(RedisTier.Builder<String, Long> builder, String prefix) {
    Epochs.trustCluster(cluster.uris(), prefix);
    return builder.clusterUri(cluster.uris().toArray(new String[0]));
  }
}
