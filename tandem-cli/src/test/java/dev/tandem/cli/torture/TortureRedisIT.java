package dev.tandem.cli.torture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.cli.CliRun;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;

/**
 * {@code tandem torture --tier redis --nodes 3 --processes}: three Tandem nodes, each in a JVM of
 * its own (its own engine, pool and Redis connection), share one PostgreSQL database and one
 * redis-server started by the command (each node through a fault proxy of its own), which is
 * killed, paused and cut off from every node or from one node alone while the clients run; the
 * merged history stays linearizable. The naive write-through over a shared Redis is caught. Replay
 * with {@code -Dtandem.seed=N}.
 */
class TortureRedisIT {

  @Test
  void threeNodeProcessesStayLinearizableUnderRedisFaults() {
    long seed = TortureRuns.seed();

    CliRun run =
        TortureRuns.torture(
            "--db",
            "postgres",
            "--tier",
            "redis",
            "--nodes",
            "3",
            "--processes",
            "--faults",
            "cache",
            "--duration",
            "30s",
            "--seed",
            Long.toString(seed));

    Matcher verdict = TortureRuns.verdict(run);
    assertThat(verdict.group(1)).as(run.toString()).isEqualTo("yes");
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .contains(
            "nodes=3",
            "3 nodes, clients spread over them",
            "each node in a JVM of its own",
            "fault: redis killed (SIGKILL) and restarted empty: ",
            "fault: redis paused (SIGSTOP, then SIGCONT): ",
            "fault: one node partitioned from redis (only its proxy resets its connections and refuses new ones): ",
            "final reads: the cache (on every node) and the database agree on 20 of 20 keys");
    assertThat(run.out())
        .as("cache faults include old snapshots when the run owns the server")
        .contains("  - redis restored from an old snapshot");
    assertThat(verdict.group(6)).isEqualTo(Long.toString(seed));
  }

  @Test
  void theNaiveWriteThroughOverASharedRedisIsCaught() {
    long seed = TortureRuns.seed();
    List<String> verdicts = new ArrayList<>();
    for (int attempt = 0; attempt < 3; attempt++) {
      CliRun run =
          TortureRuns.torture(
              "--db",
              "h2",
              "--tier",
              "redis",
              "--engine",
              "naive",
              "--nodes",
              "3",
              "--duration",
              "3s",
              "--seed",
              Long.toString(seed + attempt));
      Matcher verdict = TortureRuns.verdict(run);
      verdicts.add(verdict.group());
      assertThat(run.out()).contains("NaiveWriteThrough over the shared Redis");
      if (verdict.group(1).equals("no")) {
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
        assertThat(run.out()).contains("NOT_LINEARIZABLE");
        return;
      }
      assertThat(run.exitCode()).as(run.toString()).isZero();
    }
    throw new AssertionError(
        "the naive class over Redis was not caught in three runs: " + verdicts);
  }
}
