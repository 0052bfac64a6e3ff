package dev.tandem.cli.torture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.cli.CliRun;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code tandem torture --db postgres --outside-writers 2 --faults listener}: clients of plain SQL
 * beside Tandem's, a change listener keeping the tier in step, killed, cut off and restarted with
 * PostgreSQL; Tandem's own operations stay linearizable, no read misses an outside write for longer
 * than the bound, and the cache agrees with the database at the end. Replay with {@code
 * -Dtandem.seed=N}.
 */
class TortureOutsideIT {

  private static final Pattern OUTSIDE =
      Pattern.compile(
          "outside: reads=(\\d+) stale-beyond-bound=(\\d+) max-lag-ms=[0-9.]+ bound-ms=(\\d+)");

  @Test
  void outsideWritesReachReadsWithinTheBoundUnderListenerFaults() {
    long seed = TortureRuns.seed();

    CliRun run =
        TortureRuns.torture(
            "--db",
            "postgres",
            "--outside-writers",
            "2",
            "--faults",
            "listener",
            "--duration",
            "10s",
            "--clients",
            "4",
            "--keys",
            "10",
            "--seed",
            Long.toString(seed));

    Matcher verdict = TortureRuns.verdict(run);
    assertThat(verdict.group(1)).as(run.toString()).isEqualTo("yes");
    assertThat(run.exitCode()).as(run.toString()).isZero();
    Matcher outside = OUTSIDE.matcher(run.out());
    assertThat(outside.find()).as(run.toString()).isTrue();
    assertThat(Long.parseLong(outside.group(1))).as("reads after outside writes").isPositive();
    assertThat(outside.group(2)).isEqualTo("0");
    assertThat(run.out())
        .contains(
            "verify: no difference",
            "  fault: change listener",
            "final reads: the cache and the database agree on 10 of 10 keys");
  }
}
