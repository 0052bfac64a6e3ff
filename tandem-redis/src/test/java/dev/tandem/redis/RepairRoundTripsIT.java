package dev.tandem.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testkit.fault.FaultProxy;
import dev.tandem.testkit.server.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repair of journaled keys at connect ran one script and waited for its reply per key, under
 * the connect lock: with 400 keys and 25 ms from Redis to the node, the connect took over 10 s, and
 * every other call failed at once meanwhile ("being reconnected by another call"). The keys are now
 * sent pipelined, so the connect takes a bounded number of round trips, however many keys.
 */
class RepairRoundTripsIT {

  private static final String PREFIX = "repair-rtt:";
  private static final int KEYS = 400;
  private static final Duration LATENCY = Duration.ofMillis(25);

  @TempDir Path directory;

  @Test
  void theConnectRepairsEveryJournaledKeyInABoundedNumberOfRoundTrips() {
    RedisServer server = RedisServer.shared();
    Epochs.trust(server.uri(), PREFIX);
    KeySpace<String> keys = new KeySpace<>(PREFIX, String::valueOf);
    Path file = directory.resolve("repair.journal");
    List<byte[]> entries = new ArrayList<>();
    RedisClient client = RedisClient.create(server.uri());
    try (StatefulRedisConnection<byte[], byte[]> redis = client.connect(ByteArrayCodec.INSTANCE);
        RepairJournal journal = new RepairJournal(file)) {
      for (int i = 0; i < KEYS; i++) {
        byte[] entry = keys.entry("k" + i);
        entries.add(entry);
        redis.sync().set(entry, "00000000000000000001=1".getBytes(StandardCharsets.US_ASCII));
        journal.record(entry);
      }
    }
    try (FaultProxy proxy = FaultProxy.start("127.0.0.1", server.port());
        StatefulRedisConnection<byte[], byte[]> redis = client.connect(ByteArrayCodec.INSTANCE)) {
      proxy.latency(FaultProxy.Direction.SERVER_TO_CLIENT, LATENCY);
      long start = System.nanoTime();
      try (RedisTier<String, Long> tier =
          RedisTier.<String, Long>builder(TandemOnRedisIT.LONGS)
              .uri("redis://127.0.0.1:" + proxy.port())
              .keyPrefix(PREFIX)
              .commandTimeout(Duration.ofSeconds(5))
              .writePolicy(WritePolicy.AVAILABLE)
              .repairJournal(file)
              .build()) {
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        System.out.println(
            "connect with "
                + KEYS
                + " journaled keys at "
                + LATENCY.toMillis()
                + " ms: "
                + took.toMillis()
                + " ms");
        // one round trip per key would take KEYS x LATENCY = 10 s; the connect's own calls are a
        // few dozen
        assertThat(took).isLessThan(Duration.ofSeconds(4));
        assertThat(redis.sync().exists(entries.toArray(byte[][]::new)))
            .as("every journaled entry dropped")
            .isZero();
        assertThat(tier.toString()).contains(PREFIX);
      }
    } finally {
      client.shutdown();
    }
  }
}
