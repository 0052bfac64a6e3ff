package dev.tandem.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import java.time.Duration;
import java.util.List;

/**
 * The Lettuce clients the tiers create for themselves from a URI, set up alike: the connect timeout
 * bounds the TCP connect and the handshake (AUTH, HELLO, SELECT), the command timeout every
 * command, and commands issued while disconnected fail at once instead of queueing.
 */
final class RedisClients {

  private RedisClients() {}

  /**
   * Returns a client of one server.
   *
   * @param autoReconnect whether Lettuce reconnects by itself: the Redis tier does not (it verifies
   *     every new connection, H9), the near tier's subscription does
   */
  static RedisClient single(
      RedisURI uri, Duration connectTimeout, Duration commandTimeout, boolean autoReconnect) {
    RedisClient client = RedisClient.create(bounded(uri, connectTimeout));
    client.setOptions(
        ClientOptions.builder()
            .autoReconnect(autoReconnect)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .socketOptions(SocketOptions.builder().connectTimeout(connectTimeout).build())
            .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
            .build());
    return client;
  }

  /**
   * Returns a client of a Redis Cluster reached through {@code seeds}; it never reconnects by
   * itself.
   */
  static RedisClusterClient cluster(
      List<RedisURI> seeds, Duration connectTimeout, Duration commandTimeout) {
    RedisClusterClient client =
        RedisClusterClient.create(
            seeds.stream().map(seed -> bounded(seed, connectTimeout)).toList());
    client.setOptions(
        ClusterClientOptions.builder()
            .autoReconnect(false)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .socketOptions(SocketOptions.builder().connectTimeout(connectTimeout).build())
            .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
            .build());
    return client;
  }

  /** Returns {@code uri} with {@code timeout} as its own timeout, which bounds the handshake. */
  private static RedisURI bounded(RedisURI uri, Duration timeout) {
    return RedisURI.builder(uri).withTimeout(timeout).build();
  }
}
