package dev.tandem.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Test fixture: a key prefix in steady use on a server. A tier that meets a prefix for the first
 * time on a server that started less than the write fence timeout ago takes no fills until then (a
 * write fenced on an earlier server may be in flight); most tests want the steady state, in which
 * the server vouched for the prefix long ago.
 */
final class Epochs {

  private Epochs() {}

  /** Marks {@code prefix} as verified on the (standalone) server at {@code uri}, fills allowed. */
  static void trust(String uri, String prefix) {
    RedisClient client = RedisClient.create(uri);
    try (StatefulRedisConnection<byte[], byte[]> connection =
        client.connect(ByteArrayCodec.INSTANCE)) {
      String runId = runId(connection.sync().info("server"));
      KeySpace<String> keys = new KeySpace<>(prefix, String::valueOf);
      connection.sync().set(keys.epoch(0), (runId + " 0").getBytes(StandardCharsets.US_ASCII));
    } finally {
      client.shutdown();
    }
  }

  /**
   * Marks {@code prefix} as verified on every master of the cluster at {@code uris}, fills allowed.
   */
  static void trustCluster(List<String> uris, String prefix) {
    RedisClusterClient client =
        RedisClusterClient.create(uris.stream().map(RedisURI::create).toList());
    try (StatefulRedisClusterConnection<byte[], byte[]> connection =
        client.connect(ByteArrayCodec.INSTANCE)) {
      KeySpace<String> keys = new KeySpace<>(prefix, String::valueOf);
      for (RedisClusterNode node : connection.getPartitions()) {
        if (!node.is(RedisClusterNode.NodeFlag.UPSTREAM) || node.getSlots().isEmpty()) {
          continue;
        }
        int n = 0;
        while (!node.hasSlot(SlotHash.getSlot(keys.epoch(n)))) {
          n++;
        }
        var sync = connection.getConnection(node.getNodeId()).sync();
        sync.set(
            keys.epoch(n), (runId(sync.info("server")) + " 0").getBytes(StandardCharsets.US_ASCII));
      }
    } finally {
      client.shutdown();
    }
  }

  static String runId(String info) {
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("run_id:")) {
        return line.substring("run_id:".length()).strip();
      }
    }
    throw new IllegalStateException("no run_id in " + info);
  }
}
