package dev.tandem.cli.torture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.cli.CliRun;
import org.junit.jupiter.api.Test;

/**
 * Issue 16: a torture run on a URL with a password prints the URL masked. Before the fix its
 * "database:" line showed H2's {@code ;PASSWORD=} in full.
 */
class TortureSecretsIT {

  @Test
  void aPasswordInTheUrlIsNotPrinted() {
    CliRun run = TortureRuns.torture("--jdbc-url", "jdbc:h2:mem:torture_secret;PASSWORD=hunter2secret",
        "--duration", "500ms", "--keys", "4", "--clients", "2");

    TortureRuns.verdict(run);
    assertThat(run.out()).contains("PASSWORD=***");
    assertThat(run.out() + run.err()).doesNotContain("hunter2secret");
  }
}
