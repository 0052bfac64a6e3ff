package dev.tandem.cli.torture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.cli.CliRun;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;

/**
 * {@code tandem torture --db postgres --faults db}: an embedded PostgreSQL server started by the
 * command, the store behind a fault proxy, and every database fault injected while the clients run;
 * Tandem's history stays linearizable. Replay with {@code -Dtandem.seed=N}.
 */
class TorturePostgresIT {

  @Test
  void tandemStaysLinearizableUnderDatabaseFaults() {
    long seed = TortureRuns.seed();

    CliRun run =
        TortureRuns.torture(
            "--db",
            "postgres",
            "--faults",
            "db",
            "--duration",
            "30s",
            "--seed",
            Long.toString(seed));

    Matcher verdict = TortureRuns.verdict(run);
    assertThat(verdict.group(1)).as(run.toString()).isEqualTo("yes");
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out()).contains("fault proxy", "  fault: ");
    assertThat(verdict.group(6)).isEqualTo(Long.toString(seed));
  }

  /** The same with four group-commit batches in flight at once. */
  @Test
  void concurrentBatchesStayLinearizableUnderDatabaseFaults() {
    long seed = TortureRuns.seed();

    CliRun run =
        TortureRuns.torture(
            "--db",
            "postgres",
            "--faults",
            "db",
            "--duration",
            "20s",
            "--batches",
            "4",
            "--seed",
            Long.toString(seed));

    Matcher verdict = TortureRuns.verdict(run);
    assertThat(verdict.group(1)).as(run.toString()).isEqualTo("yes");
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out()).contains("up to 4 group-commit batches at once per node");
  }
}
