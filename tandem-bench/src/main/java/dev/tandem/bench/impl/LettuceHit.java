package dev.tandem.bench.impl;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * The baseline: a raw Lettuce GET (synchronous, one shared connection, byte arrays) of the Redis
 * key and bytes that Tandem stored, without decoding them.
 */
final class LettuceHit implements RedisHit {

  private static final int CACHED_KEYS = 1 << 16;

  private final RedisClient client;
  private final StatefulRedisConnection<byte[], byte[]> connection;
  private final RedisCommands<byte[], byte[]> redis;
  private final byte[][] names = new byte[CACHED_KEYS][];

  LettuceHit(String uri) {
    this.client = RedisClient.create(uri);
    this.connection = client.connect(ByteArrayCodec.INSTANCE);
    this.redis = connection.sync();
  }

  @Override
  public byte @Nullable [] get(long key) {
    return redis.get(name(key));
  }

  /**
   * Tandem's key name of a number: {@code <prefix>{<key>}}; built as Tandem builds it, per read.
   */
  private static byte[] name(long key) {
    return (TandemRedisHit.PREFIX + "{" + key + "}").getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown();
  }
}
