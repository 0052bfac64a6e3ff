package dev.tandem.cli.torture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.cli.CliRun;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs {@code tandem torture} in-process and reads its verdict line. */
final class TortureRuns {

  /** The verdict line, exactly as issue 3 specifies it. */
  static final Pattern VERDICT =
      Pattern.compile(
          "linearizable: (yes|no) ops=(\\d+) keys=(\\d+) stale=(\\d+) lost=(\\d+) seed=(-?\\d+)");

  private TortureRuns() {}

  /**
   * Returns a seed: {@code -Dtandem.seed=N} to replay a run, else a new one (printed by the run).
   */
  static long seed() {
    String fixed = System.getProperty("tandem.seed");
    return fixed != null ? Long.parseLong(fixed) : System.nanoTime() % 1_000_000_000L;
  }

  /** Runs {@code tandem torture args...}, prints what it printed, and returns it. */
  static CliRun torture(String... args) {
    CliRun run = CliRun.of(prepend("torture", args));
    System.out.println("tandem torture " + String.join(" ", args) + "\n" + run);
    return run;
  }

  /** Returns the verdict line, asserting that it is the last line of the output. */
  static Matcher verdict(CliRun run) {
    List<String> lines = run.out().lines().toList();
    assertThat(lines).as(run.toString()).isNotEmpty();
    Matcher m = VERDICT.matcher(lines.get(lines.size() - 1));
    assertThat(m.matches()).as("the last line is the verdict:\n" + run).isTrue();
    return m;
  }

  /**
   * Runs {@code tandem torture args... --engine naive --duration 3s} with up to three seeds and
   * asserts that one of them is caught (verdict no, exit code 1); the runs that were not caught
   * must have passed cleanly.
   */
  static void assertNaiveCaught(String... args) {
    long seed = seed();
    List<String> verdicts = new java.util.ArrayList<>();
    for (int attempt = 0; attempt < 3; attempt++) {
      List<String> all = new java.util.ArrayList<>(List.of(args));
      all.addAll(
          List.of(
              "--engine", "naive", "--duration", "3s", "--seed", Long.toString(seed + attempt)));
      CliRun run = torture(all.toArray(new String[0]));
      Matcher verdict = verdict(run);
      verdicts.add(verdict.group());
      if (verdict.group(1).equals("no")) {
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
        assertThat(run.out()).contains("NOT_LINEARIZABLE");
        return;
      }
      assertThat(run.exitCode()).as(run.toString()).isZero();
    }
    throw new AssertionError("the naive class was not caught in three runs: " + verdicts);
  }

  private static String[] prepend(String first, String[] rest) {
    String[] all = new String[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }
}
