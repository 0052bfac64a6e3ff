package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TandemCliTest {

  @Test
  void versionComesFromTheMavenProject() {
    CliRun run = CliRun.of("--version");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out()).startsWith("tandem " + TandemVersion.version() + System.lineSeparator());
    assertThat(TandemVersion.version()).matches("\\d+\\.\\d+\\.\\d+.*").doesNotContain("${");
  }

  @Test
  void generatesAShellCompletionScriptForEveryCommand() {
    CliRun run = CliRun.of("generate-completion");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .contains("complete -F")
        .contains("demo")
        .contains("torture")
        .contains("bench");
  }

  @Test
  void helpListsTheDemoCommand() {
    CliRun run = CliRun.of("--help");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out()).contains("Usage: tandem").contains("demo");
  }

  @Test
  void demoHelpListsItsOptions() {
    CliRun run = CliRun.of("demo", "--help");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .contains(
            "--flight-id",
            "--interactive",
            "--verbose",
            "--flush",
            "--jdbc-url",
            "--data-dir",
            "--no-color");
  }

  @Test
  void anUnknownOptionIsOneLineAndExitCode2() {
    CliRun run = CliRun.of("demo", "--flsh");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines())
        .singleElement()
        .asString()
        .startsWith("tandem demo: Unknown option: '--flsh'")
        .contains("(did you mean ")
        .contains("--flush")
        .endsWith("see 'tandem demo --help'");
    assertThat(run.out()).isEmpty();
  }

  @Test
  void aMalformedValueIsOneLineAndExitCode2() {
    CliRun run = CliRun.of("demo", "--flight-id", "one-fifteen");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines())
        .singleElement()
        .asString()
        .contains("--flight-id")
        .contains("one-fifteen");
  }

  @Test
  void aMissingValueIsOneLineAndExitCode2() {
    CliRun run = CliRun.of("demo", "--data-dir");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines()).singleElement().asString().contains("--data-dir");
  }

  @Test
  void anUnknownCommandIsOneLineAndExitCode2() {
    CliRun run = CliRun.of("dmeo");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines())
        .singleElement()
        .asString()
        .startsWith("tandem: Unmatched argument")
        .contains("dmeo");
  }

  @Test
  void noCommandPrintsTheUsageAndExitCode2() {
    CliRun run = CliRun.of();

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).startsWith("tandem: missing command").contains("Usage: tandem");
  }

  @Test
  void dataDirAndJdbcUrlExcludeEachOther() {
    CliRun run = CliRun.of("demo", "--data-dir", "x", "--jdbc-url", "jdbc:h2:mem:x");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines())
        .singleElement()
        .asString()
        .contains("--data-dir")
        .contains("--jdbc-url");
  }

  @Test
  void aJdbcUrlMustBeOne() {
    CliRun run = CliRun.of("demo", "--jdbc-url", "postgres://localhost/flights");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.errLines()).singleElement().asString().contains("must start with jdbc:");
  }
}
