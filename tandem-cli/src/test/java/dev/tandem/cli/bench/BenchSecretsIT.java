package dev.tandem.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.cli.CliRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16: a bench run given a password (in H2's URL, or as {@code --jdbc-password}) writes it
 * nowhere: not to the console, not to report.html, results.json or the histogram logs. Before the
 * fix the console header and the report showed H2's {@code ;PASSWORD=} and the report's command
 * line the URL in full.
 */
class BenchSecretsIT {

  private static final String SECRET = "hunter2secret";

  @TempDir Path dir;

  @Test
  void aPasswordInTheUrlShowsNowhere() throws IOException {
    Path report = dir.resolve("report");
    Path json = dir.resolve("bench.json");

    CliRun run =
        CliRun.of(
            "bench",
            "--jdbc-url",
            "jdbc:h2:mem:bench_secrets;USER=sa;PASSWORD=" + SECRET,
            "--compare",
            "direct",
            "--operations",
            "200",
            "--warmup",
            "0s",
            "--records",
            "100",
            "--threads",
            "2",
            "--report",
            report.toString(),
            "--json",
            json.toString(),
            "--no-progress");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out()).contains("jdbc:h2:mem:bench_secrets;USER=sa;PASSWORD=***");
    assertNoSecret(run, report, json);
    assertThat(Files.readString(report.resolve("report.html"))).contains("PASSWORD=***");
  }

  @Test
  void aPasswordOptionShowsNowhere() throws IOException {
    Path report = dir.resolve("report");
    Path json = dir.resolve("bench.json");

    CliRun run =
        CliRun.of(
            "bench",
            "--jdbc-url",
            "jdbc:h2:mem:bench_option_secret",
            "--jdbc-user",
            "sa",
            "--jdbc-password=" + SECRET,
            "--compare",
            "direct",
            "--operations",
            "200",
            "--warmup",
            "0s",
            "--records",
            "100",
            "--threads",
            "2",
            "--report",
            report.toString(),
            "--json",
            json.toString(),
            "--no-progress");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertNoSecret(run, report, json);
  }

  @Test
  void aPasswordFileLogsIn() throws IOException {
    Path secret = dir.resolve("db-password");
    Files.writeString(secret, SECRET + "\n");
    String url = "jdbc:h2:mem:bench_file_secret;DB_CLOSE_DELAY=-1";
    CliRun first = benchWithPasswordFile(url, secret);
    assertThat(first.exitCode()).as(first.toString()).isZero();

    // the database now exists with that password: a wrong one is refused
    Files.writeString(secret, "wrong\n");
    CliRun wrong = benchWithPasswordFile(url, secret);
    assertThat(wrong.exitCode()).as(wrong.toString()).isEqualTo(1);
    assertThat(wrong.err()).contains("cannot open the database");
  }

  /** A short bench of {@code url} as user sa, the password read from {@code secret}. */
  private static CliRun benchWithPasswordFile(String url, Path secret) {
    return CliRun.of(
        "bench",
        "--jdbc-url",
        url,
        "--jdbc-user",
        "sa",
        "--jdbc-password-file",
        secret.toString(),
        "--compare",
        "direct",
        "--operations",
        "50",
        "--warmup",
        "0s",
        "--records",
        "10",
        "--no-progress");
  }

  private static void assertNoSecret(CliRun run, Path report, Path json) throws IOException {
    assertThat(run.out() + run.err()).doesNotContain(SECRET);
    assertThat(Files.readString(json)).doesNotContain(SECRET);
    try (Stream<Path> files = Files.list(report)) {
      for (Path file : files.toList()) {
        assertThat(Files.readString(file)).as(file.toString()).doesNotContain(SECRET);
      }
    }
  }
}
