package dev.tandem.cli.torture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.cli.CliRun;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;

/**
 * {@code tandem torture --faults partition}: two nodes share PostgreSQL and a redis-server, each
 * through a fault proxy of its own, and one node at a time is cut off from Redis while the other
 * keeps it. Under the default {@code STRICT} write policy the partitioned node's writes are refused
 * and the history stays linearizable; under {@code AVAILABLE} they go ahead unfenced, so the other
 * node reads values they replaced (the policy's documented trade): the run reports the stale reads,
 * lays them against the partition, finds them within the measured bound and passes. (With Redis cut
 * off from every node at once, AVAILABLE shows no such reads: no node is left to read what another
 * wrote unfenced.) Replay with {@code -Dtandem.seed=N}.
 */
class TorturePartitionIT {

  private static final String PARTITION = "one node partitioned from redis";

  @Test
  void underStrictAPartitionedNodeCannotMakeAnotherReadStale() {
    long seed = TortureRuns.seed();

    CliRun run =
        TortureRuns.torture(
            "--db",
            "postgres",
            "--tier",
            "redis",
            "--nodes",
            "2",
            "--faults",
            "partition",
            "--duration",
            "6s",
            "--seed",
            Long.toString(seed));

    Matcher verdict = TortureRuns.verdict(run);
    assertThat(verdict.group(1)).as(run.toString()).isEqualTo("yes");
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .contains(
            "each node reaches Redis through a fault proxy of its own",
            "  - " + PARTITION,
            "fault: " + PARTITION)
        .doesNotContain("redis killed", "redis paused");
  }

  @Test
  void underAvailableAPartitionedNodeMakesTheOtherReadStaleWithinTheBound() {
    long seed = TortureRuns.seed();
    List<String> verdicts = new ArrayList<>();
    for (int attempt = 0; attempt < 3; attempt++) {
      CliRun run =
          TortureRuns.torture(
              "--db",
              "postgres",
              "--tier",
              "redis-available",
              "--nodes",
              "2",
              "--faults",
              "partition",
              "--duration",
              "8s",
              "--seed",
              Long.toString(seed + attempt));
      Matcher verdict = TortureRuns.verdict(run);
      verdicts.add(verdict.group());
      assertThat(run.out()).contains("fault: " + PARTITION);
      assertThat(run.exitCode())
          .as("stale reads within the bound are the trade, not a failure:\n" + run)
          .isZero();
      if (verdict.group(1).equals("no")) {
        assertThat(run.out())
            .contains("verdict: not linearizable, as expected for WritePolicy.AVAILABLE");
        if (Integer.parseInt(verdict.group(4))
            > 0) { // else only reads overlapping their replacing write: untimed
          assertThat(run.out())
              .contains(
                  "stale reads by the last fault injected before the replacing write was acknowledged:\n  after "
                      + PARTITION)
              .containsPattern(
                  "the stalest read began [0-9.]+ ms after the replacing write; bound [0-9,]+ ms = the"
                      + " longest a node went without a connection to Redis, [0-9,]+ ms \\(node [01]\\).*: within");
        }
        return;
      }
      assertThat(run.out()).contains("no stale read this run");
    }
    throw new AssertionError(
        "no stale read under AVAILABLE with one node partitioned, in three runs: " + verdicts);
  }
}
