package dev.tandem.cli;

import com.zaxxer.hikari.HikariConfig;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The {@code --jdbc-user} and password options of every command that takes {@code --jdbc-url}. The
 * password comes from an environment variable ({@code --jdbc-password-env NAME}), a file ({@code
 * --jdbc-password-file PATH}) or the command line ({@code --jdbc-password}, which other users of
 * the machine can read in {@code ps}); at most one of them.
 */
public final class JdbcLogin {

  @Option(
      names = "--jdbc-user",
      paramLabel = "USER",
      description = "User for --jdbc-url, unless the URL names one.")
  @Nullable String user;

  @Option(
      names = "--jdbc-password",
      paramLabel = "PASSWORD",
      description =
          "Password for --jdbc-url. Other users of the machine can read it in ps: prefer"
              + " --jdbc-password-env or --jdbc-password-file.")
  @Nullable String password;

  @Option(
      names = "--jdbc-password-env",
      paramLabel = "NAME",
      description = "Read the password for --jdbc-url from the environment variable NAME.")
  @Nullable String passwordEnv;

  @Option(
      names = "--jdbc-password-file",
      paramLabel = "PATH",
      description = "Read the password for --jdbc-url from the file PATH (its first line).")
  @Nullable Path passwordFile;

  /** Where environment variables are read; tests replace it. */
  UnaryOperator<@Nullable String> environment = System::getenv;

  /** Creates the options; picocli calls this. */
  public JdbcLogin() {}

  /** Returns the user, or null. */
  public @Nullable String user() {
    return user;
  }

  /**
   * Returns the password of whichever option gave it, or null if none did.
   *
   * @throws CommandFailedException if the environment variable is not set or the file cannot be
   *     read
   */
  public @Nullable String password() {
    if (passwordEnv != null) {
      return Secrets.fromEnvironment("--jdbc-password-env", passwordEnv, environment);
    }
    if (passwordFile != null) {
      return Secrets.fromFile("--jdbc-password-file", passwordFile);
    }
    return password;
  }

  /**
   * Rejects a login without a URL to log in to, and more than one source of the password.
   *
   * @throws ParameterException if a user or password was given without {@code --jdbc-url}, or the
   *     password twice
   */
  public void check(CommandSpec spec, @Nullable String jdbcUrl) {
    boolean anyPassword = password != null || passwordEnv != null || passwordFile != null;
    if (jdbcUrl == null && (user != null || anyPassword)) {
      throw new ParameterException(
          spec.commandLine(), "--jdbc-user and --jdbc-password need --jdbc-url");
    }
    int sources =
        (password != null ? 1 : 0) + (passwordEnv != null ? 1 : 0) + (passwordFile != null ? 1 : 0);
    if (sources > 1) {
      throw new ParameterException(
          spec.commandLine(),
          "--jdbc-password, --jdbc-password-env and --jdbc-password-file exclude each other: give the password once");
    }
  }

  /**
   * Sets the user and password, where given, on a pool's configuration.
   *
   * @throws CommandFailedException if the password's environment variable is not set or its file
   *     cannot be read
   */
  public void applyTo(HikariConfig config) {
    if (user != null) {
      config.setUsername(user);
    }
    String secret = password();
    if (secret != null) {
      config.setPassword(secret);
    }
  }
}
