package dev.tandem.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.CacheTierUnavailableException;
import dev.tandem.Tandem;
import dev.tandem.Versioned;
import dev.tandem.jdbc.JdbcStore;
import dev.tandem.testkit.fault.FaultProxy;
import dev.tandem.testkit.server.H2Database;
import dev.tandem.testkit.server.RedisServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The write policies when one node loses Redis while another keeps it: {@code STRICT} refuses the
 * write before the database; {@code AVAILABLE} commits it, journals the key, and repairs it (drops
 * the other nodes' cached copy) before the node uses Redis again, also after a crash of the node.
 */
class WritePolicyIT {

  private static final String PREFIX = "policy:";

  private final RedisServer server = RedisServer.start();
  private final FaultProxy proxy = FaultProxy.start("127.0.0.1", server.port());
  private final H2Database h2 = H2Database.inMemory();
  private final List<AutoCloseable> open = new ArrayList<>();
  @TempDir Path directory;

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : open.reversed()) {
      c.close();
    }
    proxy.close();
    server.close();
    h2.close();
  }

  private JdbcStore<String, Long> store() throws Exception {
    return KvTable.store(h2);
  }

  /** The cut-off node's meters. */
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  /** A node that reaches Redis through the proxy (which the test cuts), with the given policy. */
  private Tandem<String, Long> cutOffNode(WritePolicy policy, Path journal) throws Exception {
    RedisTier.Builder<String, Long> builder =
        RedisTier.<String, Long>builder(TandemOnRedisIT.LONGS)
            .uri("redis://127.0.0.1:" + proxy.port())
            .keyPrefix(PREFIX)
            .commandTimeout(Duration.ofMillis(300))
            .circuitOpenTime(Duration.ofMillis(50))
            .writePolicy(policy);
    if (journal != null) {
      builder.repairJournal(journal);
    }
    Tandem<String, Long> node =
        Tandem.builder(store())
            .cacheTier(builder.build())
            .name("cut-off")
            .meterRegistry(registry)
            .build();
    open.add(node);
    return node;
  }

  private Tandem<String, Long> connectedNode() throws Exception {
    Tandem<String, Long> node =
        Tandem.builder(store())
            .cacheTier(
                RedisTier.<String, Long>builder(TandemOnRedisIT.LONGS)
                    .uri(server.uri())
                    .keyPrefix(PREFIX)
                    .build())
            .name("connected")
            .build();
    open.add(node);
    return node;
  }

  private void cut() {
    proxy.stopAccepting();
    proxy.dropConnections();
  }

  @Test
  void strictRefusesAWriteThatCannotBeFenced() throws Exception {
    Epochs.trust(server.uri(), PREFIX);
    Tandem<String, Long> a = cutOffNode(WritePolicy.STRICT, null);
    Tandem<String, Long> b = connectedNode();
    a.put("k", 1L);
    assertThat(b.get("k")).contains(1L);
    cut();
    assertThatThrownBy(() -> a.put("k", 2L)).isInstanceOf(CacheTierUnavailableException.class);
    assertThat(store().load("k").map(Versioned::value))
        .as("the database was not touched")
        .contains(1L);
    assertThat(b.get("k")).contains(1L);
    assertThat(registry.find("tandem.redis.repair.pending").gauge())
        .as("no journal, no meter")
        .isNull();
  }

  @Test
  void availableCommitsJournalsAndRepairsBeforeUsingRedisAgain() throws Exception {
    Epochs.trust(server.uri(), PREFIX);
    Path journal = directory.resolve("a.journal");
    Tandem<String, Long> a = cutOffNode(WritePolicy.AVAILABLE, journal);
    Tandem<String, Long> b = connectedNode();
    a.put("k", 1L);
    assertThat(b.get("k")).contains(1L);
    cut();
    a.put("k", 2L); // no fence: committed and journaled
    assertThat(store().load("k").map(Versioned::value)).contains(2L);
    assertThat(Files.readAllLines(journal)).hasSize(1);
    assertThat(registry.get("tandem.redis.repair.pending").gauge().value())
        .as("a key waits for repair")
        .isEqualTo(1);
    assertThat(b.get("k"))
        .as("the staleness AVAILABLE allows: B still reads its cached copy")
        .contains(1L);

    proxy.resumeAccepting();
    RedisTierIT.awaitTrue(
        "A uses Redis again",
        () -> {
          a.get("k");
          return a.getIfCached("k").isPresent();
        });
    assertThat(Files.readAllLines(journal)).as("repaired, so emptied").isEmpty();
    assertThat(registry.get("tandem.redis.repair.pending").gauge().value()).isZero();
    assertThat(b.get("k")).as("repaired before A used Redis again").contains(2L);
  }

  /**
   * The journal survives a crash of the node: the next tier on the file repairs before its first
   * use.
   */
  @Test
  void aJournalLeftByACrashedNodeIsRepairedOnStart() throws Exception {
    Epochs.trust(server.uri(), PREFIX);
    Path journal = directory.resolve("a.journal");
    Tandem<String, Long> a = cutOffNode(WritePolicy.AVAILABLE, journal);
    Tandem<String, Long> b = connectedNode();
    a.put("k", 1L);
    assertThat(b.get("k")).contains(1L);
    cut();
    a.put("k", 2L);
    a.close(); // the node goes away before it could repair
    assertThat(b.get("k")).contains(1L);
    proxy.resumeAccepting();

    cutOffNode(WritePolicy.AVAILABLE, journal); // the node starts again on its journal
    assertThat(Files.readAllLines(journal)).isEmpty();
    assertThat(b.get("k")).contains(2L);
  }
}
