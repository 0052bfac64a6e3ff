package dev.tandem.cli.torture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.cli.CliRun;
import dev.tandem.testkit.server.RedisServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16: a torture run on a URL with a password prints the URL masked (before the fix its
 * "database:" line showed H2's {@code ;PASSWORD=} in full), and takes a Redis password from a file
 * instead of the command line. The Redis peers get the password too: before issue 22's fix they
 * were handed the run's host and port only, and a protected server refused them.
 */
class TortureSecretsIT {

  private static final String SECRET = "hunter2secret";

  @TempDir Path dir;

  @Test
  void aPasswordInTheUrlIsNotPrinted() {
    CliRun run =
        TortureRuns.torture(
            "--jdbc-url",
            "jdbc:h2:mem:torture_secret;PASSWORD=" + SECRET,
            "--duration",
            "500ms",
            "--keys",
            "4",
            "--clients",
            "2");

    TortureRuns.verdict(run);
    assertThat(run.out()).contains("PASSWORD=***");
    assertThat(run.out() + run.err()).doesNotContain(SECRET);
  }

  @Test
  void aRedisPasswordComesFromAFileOrTheUriAndIsNotPrinted() throws IOException {
    try (RedisServer server = RedisServer.start()) {
      Path secret = protect(server);

      CliRun fromFile =
          TortureRuns.torture(
              "--tier",
              "redis",
              "--redis-uri",
              server.uri(),
              "--redis-password-file",
              secret.toString(),
              "--duration",
              "500ms",
              "--keys",
              "4",
              "--clients",
              "2");
      CliRun inUri =
          TortureRuns.torture(
              "--tier",
              "redis",
              "--redis-uri",
              "redis://:" + SECRET + "@127.0.0.1:" + server.port(),
              "--duration",
              "500ms",
              "--keys",
              "4",
              "--clients",
              "2");
      CliRun without =
          TortureRuns.torture(
              "--tier", "redis", "--redis-uri", server.uri(), "--duration", "500ms");

      assertThat(TortureRuns.verdict(fromFile).group(1)).as(fromFile.toString()).isEqualTo("yes");
      assertThat(TortureRuns.verdict(inUri).group(1)).as(inUri.toString()).isEqualTo("yes");
      assertThat(without.exitCode()).as("refused without the password: " + without).isEqualTo(1);
      assertThat(fromFile.out() + fromFile.err() + inUri.out() + inUri.err())
          .doesNotContain(SECRET);
    }
  }

  @Test
  void theRedisPeersConnectWithThePasswordOfTheRun() throws IOException {
    try (RedisServer server = RedisServer.start()) {
      Path secret = protect(server);
      for (String engine : new String[] {"cache-aside", "redisson"}) {
        CliRun run =
            TortureRuns.torture(
                "--engine",
                engine,
                "--tier",
                "redis",
                "--redis-uri",
                server.uri(),
                "--redis-password-file",
                secret.toString(),
                "--duration",
                "500ms",
                "--keys",
                "4",
                "--clients",
                "2");
        TortureRuns.verdict(run); // a checked history, whatever the peer's verdict
        assertThat(run.out() + run.err()).as(engine).doesNotContain(SECRET);
      }
    }
  }

  /** Makes {@code server} ask for {@link #SECRET}; returns a file that holds it. */
  private Path protect(RedisServer server) throws IOException {
    assertThat(server.command("CONFIG", "SET", "requirepass", SECRET)).isEqualTo("+OK");
    Path secret = dir.resolve("redis-password");
    Files.writeString(secret, SECRET + "\n");
    return secret;
  }
}
