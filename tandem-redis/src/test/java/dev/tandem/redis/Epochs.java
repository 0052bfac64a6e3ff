package dev.tandem.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;

/**
 * Test fixture: a key prefix in steady use on a server. A tier that meets a prefix for the first
 * time on a server that started less than the write fence timeout ago takes no fills until then
 * (a write fenced on an earlier server may be in flight); most tests want the steady state, in
 * which the server vouched for the prefix long ago.
 */
final class Epochs {

  private Epochs() {}

  /** Marks {@code prefix} as verified on the (standalone) server at {@code uri}, fills allowed. */
  static void trust(String uri, String prefix) {
    RedisClient client = RedisClient.create(uri);
    try (StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE)) {
      String runId = runId(connection.sync().info("server"));
      KeySpace<String> keys = new KeySpace<>(prefix, String::valueOf);
      connection.sync().set(keys.epoch(0), (runId + " 0").getBytes(StandardCharsets.US_ASCII));
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
