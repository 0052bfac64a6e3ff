package dev.tandem.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.Tandem;
import dev.tandem.jdbc.JdbcStore;
import dev.tandem.spi.CacheTier;
import dev.tandem.spi.Cached;
import dev.tandem.testkit.server.H2Database;
import dev.tandem.testkit.server.RedisServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Race H9: Redis restarts under two running nodes, empty or from an old RDB snapshot that holds
 * entries (and watermarks, fences, the epoch key) older than acknowledged writes. Every read after
 * the restart must return the latest write: the tiers verify the new server process (its run id
 * against the epoch key), clear the tier's keys it cannot vouch for, and start cold.
 */
@Tag("race")
class RedisRestartIT {

  private static final String PREFIX = "restart:";
  private static final int KEYS = 12;

  private final RedisServer server = RedisServer.start();
  private final H2Database h2 = H2Database.inMemory();
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
    server.close();
    h2.close();
  }

  private JdbcStore<String, Long> store() throws Exception {
    return KvTable.store(h2);
  }

  private RedisTier<String, Long> tier(Duration writeFenceTimeout) {
    RedisTier<String, Long> tier =
        RedisTier.<String, Long>builder(TandemOnRedisIT.LONGS)
            .uri(server.uri())
            .keyPrefix(PREFIX)
            .commandTimeout(Duration.ofSeconds(2))
            .circuitOpenTime(Duration.ofMillis(50))
            .writeFenceTimeout(writeFenceTimeout)
            .build();
    open.add(tier);
    return tier;
  }

  private Tandem<String, Long> node(String name, RedisTier<String, Long> tier) throws Exception {
    Tandem<String, Long> node = Tandem.builder(store()).cacheTier(tier).name(name).build();
    open.add(node);
    return node;
  }

  @Test
  void restartFromAnOldSnapshotServesNoOldEntry() throws Exception {
    readsAfterRestartSeeTheLatestWrites(true);
  }

  @Test
  void restartEmptyServesNoOldEntry() throws Exception {
    readsAfterRestartSeeTheLatestWrites(false);
  }

  private void readsAfterRestartSeeTheLatestWrites(boolean fromSnapshot) throws Exception {
    Epochs.trust(server.uri(), PREFIX);
    RedisTier<String, Long> tierA = tier(Duration.ofMillis(300));
    RedisTier<String, Long> tierB = tier(Duration.ofMillis(300));
    Tandem<String, Long> a = node("a", tierA);
    Tandem<String, Long> b = node("b", tierB);
    for (int i = 0; i < KEYS; i++) {
      a.put("k" + i, 1L);
      assertThat(b.get("k" + i)).contains(1L);
      assertThat(b.getIfCached("k" + i)).as("cached before the snapshot").contains(1L);
    }
    Path snapshot = server.snapshot(); // every key at 1, and the epoch of this server process
    Long[] latest = new Long[KEYS];
    for (int i = 0; i < KEYS; i++) {
      Tandem<String, Long> writer = i % 2 == 0 ? a : b;
      if (i % 4 == 3) {
        writer.remove("k" + i);
        latest[i] = null;
      } else {
        writer.put("k" + i, 2L);
        latest[i] = 2L;
      }
      assertThat(b.getIfCached("k" + i)).isEqualTo(Optional.ofNullable(latest[i]));
    }

    if (fromSnapshot) {
      server.restartFrom(snapshot);
    } else {
      server.kill();
      server.restart();
    }

    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    boolean reconnected = false;
    while (!reconnected) {
      for (Tandem<String, Long> reader : List.of(a, b)) {
        for (int i = 0; i < KEYS; i++) {
          assertThat(reader.get("k" + i))
              .as("read of k%d after the restart", i)
              .isEqualTo(Optional.ofNullable(latest[i]));
        }
      }
      reconnected =
          tierA.link() != null
              && tierB.link() != null
              && !tierA.breaker().isOpen()
              && !tierB.breaker().isOpen();
      assertThat(System.nanoTime()).as("both tiers reconnect within 20 s").isLessThan(deadline);
    }
    for (Tandem<String, Long> reader : List.of(a, b)) {
      for (int i = 0; i < KEYS; i++) {
        Optional<Long> cached = reader.getIfCached("k" + i);
        assertThat(cached.isEmpty() || cached.equals(Optional.ofNullable(latest[i])))
            .as("k%d cached as %s after the restart, latest %s", i, cached, latest[i])
            .isTrue();
      }
    }
    a.put("k0", 3L); // the tier works again
    assertThat(b.getIfCached("k0")).contains(3L);
    assertThat(b.get("k0")).contains(3L);
  }

  /**
   * A write fenced on the server before it restarted empty publishes on the new server process,
   * which lost the fence and the watermarks: the entry is dropped, not installed (a newer write may
   * have been published before the restart), and no node takes a fill until the write fence timeout
   * has passed since the restart (the lost fence would have held fills out until then).
   */
  @Test
  void aWriteFencedBeforeTheRestartDoesNotInstallAfterIt() {
    Epochs.trust(server.uri(), PREFIX);
    RedisTier<String, Long> writer = tier(Duration.ofHours(1));
    RedisTier<String, Long> reader = tier(Duration.ofHours(1));
    writer.applyCommitted("k", Cached.present(1L, 1));
    assertThat(reader.beginFill("j"))
        .as("fills allowed before the restart")
        .isNotEqualTo(CacheTier.NO_LEASE);
    writer.beforeWrite("k"); // its database write is in flight across the restart
    server.kill();
    server.restart();
    RedisTierIT.awaitTrue(
        "the reader reconnects",
        () -> {
          try {
            return reader.getIfPresent("k") == null && reader.link() != null;
          } catch (RuntimeException e) {
            return false;
          }
        });
    assertThat(reader.beginFill("k"))
        .as("no fill within the write fence timeout of the restart")
        .isEqualTo(CacheTier.NO_LEASE);
    RedisTierIT.awaitTrue(
        "the writer publishes",
        () -> {
          try {
            writer.applyCommitted("k", Cached.present(2L, 2));
            return true;
          } catch (RuntimeException e) {
            return false;
          }
        });
    assertThat(reader.getIfPresent("k"))
        .as("not installed: the server lost its fence and watermark")
        .isNull();
    assertThat(reader.watermark("k")).isEqualTo(2);
    writer.beforeWrite("k"); // a write fenced on the new server publishes as usual
    writer.applyCommitted("k", Cached.present(3L, 3));
    assertThat(reader.getIfPresent("k")).isEqualTo(Cached.present(3L, 3));
  }

  /**
   * While another node clears the prefix on a restarted server, this node reads the database and
   * refuses writes.
   */
  @Test
  void aFlushInProgressElsewhereKeepsTheTierUnavailable() throws Exception {
    Epochs.trust(server.uri(), PREFIX);
    RedisTier<String, Long> tier = tier(Duration.ofMillis(300));
    Tandem<String, Long> node = node("a", tier);
    node.put("k", 1L);
    server.kill();
    server.restart();
    String lock =
        new String(
            new KeySpace<String>(PREFIX, String::valueOf).flushLock(0),
            java.nio.charset.StandardCharsets.UTF_8);
    assertThat(server.command("SET", lock, "another-node", "PX", "60000")).isEqualTo("+OK");
    for (int i = 0; i < 5; i++) {
      assertThat(node.get("k")).as("read %d while another node flushes", i).contains(1L);
    }
    assertThat(tier.link()).as("no connection is used before the epoch matches").isNull();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> node.put("k", 2L))
        .isInstanceOf(dev.tandem.CacheTierUnavailableException.class);
    assertThat(server.command("DEL", lock))
        .isEqualTo(":1"); // the other node gave up; this one takes over
    RedisTierIT.awaitTrue(
        "the tier is verified again",
        () -> {
          try {
            node.put("k", 3L);
            return true;
          } catch (dev.tandem.CacheTierUnavailableException e) {
            return false;
          }
        });
    assertThat(node.getIfCached("k")).contains(3L);
  }

  /**
   * Found by the multi-process torture: nodes that start together on a new prefix must all start.
   */
  @Test
  void aTierBuiltWhileAnotherNodeClearsItsPrefixStartsUnavailableAndRecovers() throws Exception {
    String lock =
        new String(
            new KeySpace<String>(PREFIX, String::valueOf).flushLock(0),
            java.nio.charset.StandardCharsets.UTF_8);
    assertThat(server.command("SET", lock, "another-node", "PX", "60000")).isEqualTo("+OK");
    RedisTier<String, Long> tier = tier(Duration.ofMillis(300)); // does not throw
    assertThat(tier.link()).as("no connection is used before the epoch matches").isNull();
    Tandem<String, Long> node = node("a", tier);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> node.put("k", 1L))
        .isInstanceOf(dev.tandem.CacheTierUnavailableException.class);
    assertThat(server.command("DEL", lock)).isEqualTo(":1");
    RedisTierIT.awaitTrue(
        "the tier is verified",
        () -> {
          try {
            node.put("k", 2L);
            return true;
          } catch (dev.tandem.CacheTierUnavailableException e) {
            return false;
          }
        });
    assertThat(node.get("k")).contains(2L);
    assertThat(tier.link()).isNotNull();
  }
}
