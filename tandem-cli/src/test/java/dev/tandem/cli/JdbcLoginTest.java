package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link JdbcLogin} reads the password from an environment variable or a file, and refuses two
 * sources.
 */
class JdbcLoginTest {

  @TempDir Path dir;

  @Test
  void readsThePasswordFromTheNamedEnvironmentVariable() {
    JdbcLogin login = new JdbcLogin();
    login.passwordEnv = "DB_SECRET";
    login.environment = Map.of("DB_SECRET", "s3cret")::get;

    assertThat(login.password()).isEqualTo("s3cret");
  }

  @Test
  void anUnsetEnvironmentVariableIsAFailureNamingIt() {
    JdbcLogin login = new JdbcLogin();
    login.passwordEnv = "DB_SECRET";
    login.environment = Map.<String, String>of()::get;

    assertThatThrownBy(login::password)
        .isInstanceOf(CommandFailedException.class)
        .hasMessage("--jdbc-password-env: the environment variable DB_SECRET is not set");
  }

  @Test
  void readsThePasswordFromTheFirstLineOfTheFile() throws IOException {
    Path file = dir.resolve("secret");
    Files.writeString(file, "s3cret\r\n");
    JdbcLogin login = new JdbcLogin();
    login.passwordFile = file;

    assertThat(login.password()).isEqualTo("s3cret");
  }

  @Test
  void twoSourcesOfThePasswordAreAUsageError() {
    CliRun run =
        CliRun.of(
            "bench",
            "--jdbc-url",
            "jdbc:h2:mem:x",
            "--jdbc-password",
            "a",
            "--jdbc-password-env",
            "B");

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
    assertThat(run.err())
        .contains(
            "--jdbc-password, --jdbc-password-env and --jdbc-password-file exclude each other")
        .doesNotContain(" a ");
  }
}
