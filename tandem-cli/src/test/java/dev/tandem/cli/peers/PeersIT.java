package dev.tandem.cli.peers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.cli.CliRun;
import dev.tandem.cli.report.Json;
import dev.tandem.testkit.server.PostgresServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The peers end to end, briefly: {@code tandem bench} runs each of them (and Tandem on the Redis
 * tier) and, with {@code --nodes}, in JVMs of their own on PostgreSQL; {@code tandem torture}
 * records a history of each family (Redis-based by hand, Redisson, Hazelcast) on two nodes and the
 * checker gives its verdict. Whether a peer's history is linearizable is what docs/peers.md
 * reports; here only that the peer runs and is checked.
 */
class PeersIT {

  private static final Pattern VERDICT =
      Pattern.compile("(?m)^linearizable: (yes|no) ops=[1-9][0-9]* keys=");

  @TempDir Path dir;

  @Test
  @SuppressWarnings("unchecked")
  void benchRunsEveryPeerBesideTandemOnTheRedisTier() throws IOException {
    Path json = dir.resolve("peers.json");

    CliRun run =
        CliRun.of(
            "bench",
            "--tier",
            "redis",
            "--compare",
            "cache-aside,redisson,redisson-near,hazelcast",
            "--operations",
            "400",
            "--warmup",
            "0s",
            "--records",
            "200",
            "--threads",
            "4",
            "--seed",
            "5",
            "--json",
            json.toString());

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .contains("tier      Redis tier (STRICT", "redis-server started for this run");
    List<Map<String, Object>> systems =
        (List<Map<String, Object>>) Json.object(Files.readString(json)).get("results");
    assertThat(systems)
        .extracting(s -> s.get("system"))
        .containsExactly("tandem", "cache-aside", "redisson", "redisson-near", "hazelcast");
    for (Map<String, Object> system : systems) {
      assertThat((Double) system.get("ops_per_sec")).as((String) system.get("system")).isPositive();
      assertThat(system.get("hit_ratio"))
          .as((String) system.get("system"))
          .isInstanceOf(Double.class);
    }
  }

  @Test
  void benchRunsTheNearTierBesideRedissonsNearMap() {
    CliRun run =
        CliRun.of(
            "bench",
            "--tier",
            "near",
            "--compare",
            "redisson-near",
            "--workload",
            "B",
            "--operations",
            "300",
            "--warmup",
            "0s",
            "--records",
            "200",
            "--threads",
            "2");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .contains(
            "near tier (Caffeine L1 over the Redis tier, BOUNDED_STALENESS 100 ms)",
            "redisson-near");
  }

  @Test
  void benchSpreadsTheLoadOverNodeJvmsAndPrintsAndReportsEachNode(@TempDir Path report)
      throws IOException {
    PostgresServer server = PostgresServer.shared();
    server.createDatabase("bench_peer_nodes");

    CliRun run =
        CliRun.of(
            "bench",
            "--jdbc-url",
            server.jdbcUrl("bench_peer_nodes"),
            "--nodes",
            "2",
            "--compare",
            "hazelcast",
            "--operations",
            "200",
            "--warmup",
            "0s",
            "--records",
            "100",
            "--threads",
            "2",
            "--report",
            report.toString());

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .contains(
            "2 nodes (a JVM each)",
            "tandem node 0",
            "tandem node 1",
            "hazelcast node 0",
            "hazelcast node 1",
            "a --nodes run writes no HdrHistogram logs");
    JsonNode results = new ObjectMapper().readTree(report.resolve("results.json").toFile());
    for (JsonNode system : results.get("results")) {
      assertThat(system.get("nodes").findValuesAsText("node"))
          .as(system.get("system").asText())
          .containsExactly(
              system.get("system").asText() + " node 0", system.get("system").asText() + " node 1");
    }
    assertThat(report.resolve("report.html")).content().contains("<h2>Nodes</h2>");
  }

  @Test
  void tortureChecksTheRedisPeers() {
    for (String engine : List.of("cache-aside", "redisson")) {
      CliRun run =
          CliRun.of(
              "torture",
              "--engine",
              engine,
              "--tier",
              "redis",
              "--nodes",
              "2",
              "--duration",
              "2s",
              "--seed",
              "11");

      assertThat(run.exitCode()).as(run.toString()).isIn(0, 1);
      assertThat(run.out()).as(engine).contains("engine=" + engine, "checked 20 keys");
      assertThat(VERDICT.matcher(run.out()).find()).as(run.toString()).isTrue();
    }
  }

  @Test
  void tortureChecksHazelcast() {
    CliRun run =
        CliRun.of(
            "torture", "--engine", "hazelcast", "--nodes", "2", "--duration", "2s", "--seed", "11");

    assertThat(run.exitCode()).as(run.toString()).isIn(0, 1);
    assertThat(run.out()).contains("Hazelcast 5.7 embedded member per node", "checked 20 keys");
    assertThat(VERDICT.matcher(run.out()).find()).as(run.toString()).isTrue();
  }
}
