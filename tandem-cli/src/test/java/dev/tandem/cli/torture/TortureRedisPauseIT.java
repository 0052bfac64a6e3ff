package dev.tandem.cli.torture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.cli.CliRun;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Issue 16: {@code tandem torture --faults redis-pause} pauses the run's redis-server with SIGSTOP
 * (and resumes it) with the nodes' Redis tiers built with a 200 ms command timeout, and prints the
 * longest operation of each kind, what a caller waited at worst. The history stays linearizable.
 * The seed is printed; replay with {@code -Dtandem.seed=N}.
 */
class TortureRedisPauseIT {

  private static final Pattern LONGEST =
      Pattern.compile(
          "longest operations \\(call to return\\): read ([0-9,.]+) ms, write ([0-9,.]+) ms, delete ([0-9,.]+) ms,"
              + " cas ([0-9,.]+) ms; the longest: #\\d+ p\\d+ \\w+ k\\d+.*");

  @Test
  void pausesRedisWithAShortCommandTimeoutAndPrintsTheLongestOperations() {
    long seed = TortureRuns.seed();

    CliRun run =
        TortureRuns.torture(
            "--db",
            "h2",
            "--tier",
            "redis",
            "--faults",
            "redis-pause",
            "--duration",
            "8s",
            "--seed",
            Long.toString(seed));

    Matcher verdict = TortureRuns.verdict(run);
    assertThat(verdict.group(1)).as(run.toString()).isEqualTo("yes");
    assertThat(run.out())
        .contains("command timeout 200 ms", "  - redis paused (SIGSTOP, then SIGCONT)")
        .containsPattern(
            "fault: redis paused \\(SIGSTOP, then SIGCONT\\): \\d+ times, the longest pause [0-9,]+ ms")
        .doesNotContain("connections reset", "killed");
    String longest =
        run.out()
            .lines()
            .map(String::strip)
            .filter(l -> l.startsWith("longest operations"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no longest-operations line:\n" + run));
    assertThat(longest).matches(LONGEST);
  }
}
