package dev.tandem.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.spi.CacheTier;
import dev.tandem.spi.Cached;
import dev.tandem.testkit.server.RedisCluster;
import dev.tandem.testkit.server.RedisServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Redis tier on a real three-master Redis Cluster: keys spread over every master, the scripts
 * run on each key's master, invalidateAll and estimatedSize cover every master, and a master that
 * restarts from an old snapshot is detected and cleared (H9).
 */
class RedisClusterIT {

  private static final AtomicInteger PREFIXES = new AtomicInteger();
  private static final int KEYS = 60;
  private static RedisCluster cluster;

  private final String prefix = "cl" + PREFIXES.incrementAndGet() + ":";
  private final List<RedisTier<String, String>> tiers = new ArrayList<>();

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

  @AfterEach
  void closeTiers() {
    tiers.forEach(RedisTier::close);
  }

  private RedisTier<String, String> tier(Duration writeFenceTimeout) {
    RedisTier<String, String> tier =
        RedisTier.<String, String>builder(Codec.string())
            .clusterUri(cluster.uris().toArray(new String[0]))
            .keyPrefix(prefix)
            .commandTimeout(Duration.ofMillis(500))
            .circuitOpenTime(Duration.ofMillis(50))
            .writeFenceTimeout(writeFenceTimeout)
            .build();
    tiers.add(tier);
    return tier;
  }

  /**
   * A near tier refuses a cluster tier: messages published on different masters reach a subscriber
   * in no common order, which its heartbeat's proof needs.
   */
  @Test
  void aNearTierRefusesAClusterTier() {
    RedisTier<String, String> shared = tier(Duration.ofSeconds(30));
    assertThatThrownBy(
            () ->
                NearTier.builder(shared)
                    .uri(cluster.uris().get(0))
                    .maximumSize(10)
                    .boundedStaleness(Duration.ofSeconds(1))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("standalone Redis");
  }

  private static long keysOn(RedisServer node, String prefix) {
    String reply =
        node.command("EVAL", "return #redis.call('KEYS', ARGV[1])", "0", prefix + "{k*}");
    return Long.parseLong(reply.substring(1));
  }

  @Test
  void keysSpreadOverEveryMasterAndEveryMasterIsCleared() {
    Epochs.trustCluster(cluster.uris(), prefix);
    RedisTier<String, String> a = tier(Duration.ofSeconds(30));
    RedisTier<String, String> b = tier(Duration.ofSeconds(30));
    for (int i = 0; i < KEYS; i++) {
      a.beforeWrite("k" + i);
      a.applyCommitted("k" + i, Cached.present("v" + i, i + 1));
    }
    for (RedisServer node : cluster.nodes()) {
      assertThat(keysOn(node, prefix)).as("entries on %s", node).isPositive();
    }
    for (int i = 0; i < KEYS; i++) {
      assertThat(b.getIfPresent("k" + i)).isEqualTo(Cached.present("v" + i, i + 1));
    }
    assertThat(b.getAllPresent(List.of("k1", "k2", "k3", "missing"))).hasSize(3);
    assertThat(b.estimatedSize()).isEqualTo(KEYS);
    long lease = b.beginFill("j");
    assertThat(lease).isNotEqualTo(CacheTier.NO_LEASE);
    assertThat(b.fill("j", lease, Cached.present("loaded", 1))).isTrue();
    a.invalidateAll();
    for (int i = 0; i < KEYS; i++) {
      assertThat(b.getIfPresent("k" + i)).as("k%d after invalidateAll", i).isNull();
    }
    assertThat(b.estimatedSize()).isZero();
    assertThat(b.watermark("k7")).as("metadata stays").isEqualTo(8);
  }

  /**
   * H9 in a cluster: one master comes back from an old snapshot; its old entries are never served.
   */
  @Test
  void aMasterRestartedFromAnOldSnapshotIsCleared() {
    Epochs.trustCluster(cluster.uris(), prefix);
    RedisTier<String, String> a = tier(Duration.ofMillis(200));
    RedisTier<String, String> b = tier(Duration.ofMillis(200));
    for (int i = 0; i < KEYS; i++) {
      a.applyCommitted("k" + i, Cached.present("old", 1));
    }
    RedisServer restarted = cluster.nodes().get(1);
    Path snapshot = restarted.snapshot();
    for (int i = 0; i < KEYS; i++) {
      a.beforeWrite("k" + i);
      a.applyCommitted("k" + i, Cached.present("new", 2));
    }
    restarted.restartFrom(snapshot);
    cluster.awaitOk();
    RedisTierIT.awaitTrue(
        "the reader reconnects to every master",
        () -> {
          try {
            assertNoOldEntry(b);
            return b.link() != null && !b.breaker().isOpen();
          } catch (RuntimeException e) {

            return false;
          }
        });
    assertNoOldEntry(b);
    assertNoOldEntry(a);
  }

  private static void assertNoOldEntry(RedisTier<String, String> tier) {
    for (int i = 0; i < KEYS; i++) {
      Cached<String> cached = tier.getIfPresent("k" + i);
      assertThat(cached == null || cached.equals(Cached.present("new", 2)))
          .as("k%d is %s after a master came back from a snapshot", i, cached)
          .isTrue();
    }
  }
}
