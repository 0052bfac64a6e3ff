package dev.tandem.cli;

import com.zaxxer.hikari.HikariConfig;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** The {@code --jdbc-user} and {@code --jdbc-password} options of every command that takes {@code --jdbc-url}. */
public final class JdbcLogin {

  @Option(names = "--jdbc-user", paramLabel = "USER", description = "User for --jdbc-url, unless the URL names one.")
  @Nullable String user;

  @Option(names = "--jdbc-password", paramLabel = "PASSWORD", description = "Password for --jdbc-url.")
  @Nullable String password;

  /** Creates the options; picocli calls this. */
  public JdbcLogin() {}

  /** Returns the user, or null. */
  public @Nullable String user() {
    return user;
  }

  /** Returns the password, or null. */
  public @Nullable String password() {
    return password;
  }

  /**
   * Rejects a login without a URL to log in to.
   *
   * @throws ParameterException if a user or password was given without {@code --jdbc-url}
   */
  public void check(CommandSpec spec, @Nullable String jdbcUrl) {
    if (jdbcUrl == null && (user != null || password != null)) {
      throw new ParameterException(spec.commandLine(), "--jdbc-user and --jdbc-password need --jdbc-url");
    }
  }

  /** Sets the user and password, where given, on a pool's configuration. */
  public void applyTo(HikariConfig config) {
    if (user != null) {
      config.setUsername(user);
    }
    if (password != null) {
      config.setPassword(password);
    }
  }
}
