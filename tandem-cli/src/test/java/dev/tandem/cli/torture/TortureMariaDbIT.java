package dev.tandem.cli.torture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.cli.CliRun;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;

/**
 * {@code tandem torture --db mariadb}: a MariaDB server started by the command (the installed
 * mariadbd), the store behind a fault proxy, every database fault injected while the clients run
 * (COMMIT answers lost, connections reset and killed, failing statements, held row locks, the
 * server killed and restarted); Tandem's history stays linearizable, and the naive write-through
 * class is caught on the same database. Replay with {@code -Dtandem.seed=N}.
 */
class TortureMariaDbIT {

  @Test
  void tandemStaysLinearizableUnderDatabaseFaults() {
    long seed = TortureRuns.seed();

    CliRun run =
        TortureRuns.torture(
            "--db",
            "mariadb",
            "--faults",
            "db",
            "--duration",
            "30s",
            "--seed",
            Long.toString(seed));

    Matcher verdict = TortureRuns.verdict(run);
    assertThat(verdict.group(1)).as(run.toString()).isEqualTo("yes");
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out()).contains("database: MariaDB", "fault proxy", "  fault: ");
    assertThat(verdict.group(6)).isEqualTo(Long.toString(seed));
  }

  @Test
  void theNaiveWriteThroughIsCaught() {
    TortureRuns.assertNaiveCaught("--db", "mariadb");
  }
}
