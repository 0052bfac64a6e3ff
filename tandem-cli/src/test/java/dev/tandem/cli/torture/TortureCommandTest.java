package dev.tandem.cli.torture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.cli.CliRun;
import org.junit.jupiter.api.Test;

/** The options of {@code tandem torture}, checked before anything starts. */
class TortureCommandTest {

  @Test
  void helpListsTheOptionsOfIssue3() {
    CliRun run = CliRun.of("torture", "--help");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .contains(
            "--duration",
            "--clients",
            "--keys",
            "--db",
            "--jdbc-url",
            "--tier",
            "--faults",
            "--engine",
            "--seed",
            "--history",
            "--nodes",
            "--redis-uri",
            "--processes",
            "rdb-restore");
  }

  @Test
  void anUnknownTierIsRefusedInOneLineNamingTheTiers() {
    CliRun run = CliRun.of("torture", "--tier", "memcached");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines())
        .singleElement()
        .asString()
        .startsWith(
            "tandem torture: --tier must be one of local, redis, near, redis-available, not 'memcached'");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void severalTandemNodesOnH2AreRefused() {
    CliRun run = CliRun.of("torture", "--nodes", "3");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines()).singleElement().asString().contains("--nodes 3 needs --db postgres");
  }

  @Test
  void cacheFaultsNeedASharedTierAndRdbRestoreAServerOfOurOwn() {
    assertThat(CliRun.of("torture", "--faults", "cache").errLines())
        .singleElement()
        .asString()
        .contains("--faults cache needs a shared tier");
    assertThat(
            CliRun.of(
                    "torture",
                    "--tier",
                    "redis",
                    "--redis-uri",
                    "redis://127.0.0.1:1",
                    "--faults",
                    "cache,rdb-restore")
                .errLines())
        .singleElement()
        .asString()
        .contains("--faults rdb-restore needs");
    assertThat(CliRun.of("torture", "--faults", "none,db").errLines())
        .singleElement()
        .asString()
        .contains("--faults none cannot be combined");
    assertThat(CliRun.of("torture", "--nodes", "9").errLines())
        .singleElement()
        .asString()
        .contains("--nodes");
    assertThat(CliRun.of("torture", "--processes").errLines())
        .singleElement()
        .asString()
        .contains("--processes needs --db postgres");
  }

  @Test
  void aRedisPasswordNeedsARedisUriAndOneSource() {
    assertThat(CliRun.of("torture", "--tier", "redis", "--redis-password-env", "X").errLines())
        .singleElement()
        .asString()
        .contains("--redis-password-env and --redis-password-file need --redis-uri");
    assertThat(
            CliRun.of(
                    "torture",
                    "--tier",
                    "redis",
                    "--redis-uri",
                    "redis://127.0.0.1:1",
                    "--redis-password-env",
                    "X",
                    "--redis-password-file",
                    "f")
                .errLines())
        .singleElement()
        .asString()
        .contains("exclude each other");
  }

  @Test
  void aRedisPauseNeedsTheRedisServerTheRunStarts() {
    assertThat(CliRun.of("torture", "--faults", "redis-pause").errLines())
        .singleElement()
        .asString()
        .contains("--faults redis-pause needs --tier redis with the redis-server the run starts");
    assertThat(
            CliRun.of(
                    "torture",
                    "--tier",
                    "redis",
                    "--redis-uri",
                    "redis://127.0.0.1:1",
                    "--faults",
                    "redis-pause")
                .errLines())
        .singleElement()
        .asString()
        .contains("--faults redis-pause needs");
  }

  @Test
  void aPartitionNeedsASharedTierAndSeveralNodes() {
    assertThat(CliRun.of("torture", "--tier", "redis", "--faults", "partition").errLines())
        .singleElement()
        .asString()
        .contains("--faults partition needs a shared tier (--tier redis) and --nodes 2 or more");
    assertThat(
            CliRun.of("torture", "--db", "postgres", "--nodes", "2", "--faults", "partition")
                .errLines())
        .singleElement()
        .asString()
        .contains("--faults partition needs a shared tier");
  }

  @Test
  void anUnknownEngineOrFaultSetIsAUsageError() {
    assertThat(CliRun.of("torture", "--engine", "redis").exitCode()).isEqualTo(2);
    assertThat(CliRun.of("torture", "--faults", "network").exitCode()).isEqualTo(2);
    assertThat(CliRun.of("torture", "--db", "oracle").exitCode()).isEqualTo(2);
  }

  @Test
  void aUrlOfAnotherDatabaseThanDbIsRefused() {
    CliRun run = CliRun.of("torture", "--db", "postgres", "--jdbc-url", "jdbc:h2:mem:x");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines())
        .singleElement()
        .asString()
        .contains("--db postgres does not match --jdbc-url");
  }

  @Test
  void nonsensicalCountsAreRefused() {
    assertThat(CliRun.of("torture", "--clients", "0").errLines())
        .singleElement()
        .asString()
        .contains("--clients");
    assertThat(CliRun.of("torture", "--keys", "0").errLines())
        .singleElement()
        .asString()
        .contains("--keys");
    assertThat(CliRun.of("torture", "--duration", "0s").errLines())
        .singleElement()
        .asString()
        .contains("--duration");
  }

  @Test
  void aRedisPeerNeedsTheRedisTierAndAnUnknownEngineIsNamed() {
    assertThat(CliRun.of("torture", "--engine", "redisson-near").errLines())
        .singleElement()
        .asString()
        .contains("--engine redisson-near keeps its data in Redis: it needs --tier redis");
    assertThat(CliRun.of("torture", "--engine", "memcached").errLines())
        .singleElement()
        .asString()
        .contains(
            "unknown engine 'memcached' (expected tandem, naive, cache-aside, redisson, redisson-near, hazelcast)");
  }
}
