package dev.tandem.cli.torture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.cli.CliRun;
import dev.tandem.testkit.history.Action;
import dev.tandem.testkit.history.History;
import dev.tandem.testkit.history.Operation;
import dev.tandem.testkit.history.Outcome;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tandem torture} on embedded H2: Tandem is linearizable (with the statement failures H2 can
 * take), and the naive write-through class is caught by the same run. Seeds are printed; replay
 * with {@code -Dtandem.seed=N}.
 */
class TortureH2IT {

  @TempDir Path dir;

  @Test
  void tandemIsLinearizableUnderStatementFailuresAndTheHistoryFileIsValidJsonLines() {
    long seed = TortureRuns.seed();
    Path file = dir.resolve("history.jsonl");

    CliRun run =
        TortureRuns.torture(
            "--db",
            "h2",
            "--faults",
            "db",
            "--duration",
            "30s",
            "--seed",
            Long.toString(seed),
            "--history",
            file.toString());

    Matcher verdict = TortureRuns.verdict(run);
    assertThat(verdict.group(1)).as(run.toString()).isEqualTo("yes");
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out()).startsWith("tandem torture: seed=" + seed + " ");
    assertThat(verdict.group(6)).isEqualTo(Long.toString(seed));
    assertThat(verdict.group(3)).isEqualTo("20");
    assertThat(run.out()).contains("on embedded H2 only statement failures apply");

    History history = History.read(file);
    assertThat(history.size()).isEqualTo(Integer.parseInt(verdict.group(2)));
    List<Operation> finals =
        history.operations().stream()
            .filter(op -> op.action() == Action.DB_READ && op.outcome() == Outcome.OK)
            .toList();
    assertThat(finals).as("a final db-read of every key").hasSize(20);
    assertThat(history.operations())
        .extracting(Operation::action)
        .contains(Action.READ, Action.WRITE, Action.DELETE, Action.CAS);
    assertThat(history.operations())
        .filteredOn(op -> op.action() == Action.CAS && op.outcome() == Outcome.OK)
        .isNotEmpty()
        .allMatch(op -> op.old() != null && op.value() != null);
  }

  @Test
  void theNaiveWriteThroughIsCaught() {
    TortureRuns.assertNaiveCaught("--db", "h2");
  }
}
