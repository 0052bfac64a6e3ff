package dev.tandem.cli;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Reads a secret (a password) from where an option says it is: an environment variable or a file,
 * so that it does not show in {@code ps} as an argument would. Stateless and thread-safe.
 */
public final class Secrets {

  private Secrets() {}

  /**
   * Returns the value of the environment variable {@code name}.
   *
   * @param option the option that named the variable, for the message
   * @param environment where variables are read ({@code System::getenv}; tests give a map's)
   * @throws CommandFailedException if the variable is not set
   */
  public static String fromEnvironment(
      String option, String name, UnaryOperator<@Nullable String> environment) {
    requireNonNull(option, "option");
    requireNonNull(name, "name");
    String value = environment.apply(name);
    if (value == null) {
      throw new CommandFailedException(
          option + ": the environment variable " + name + " is not set");
    }
    return value;
  }

  /**
   * Returns the first line of {@code file} (empty if the file is), without its line break.
   *
   * @param option the option that named the file, for the message
   * @throws CommandFailedException if the file cannot be read
   */
  public static String fromFile(String option, Path file) {
    requireNonNull(option, "option");
    requireNonNull(file, "file");
    try {
      return Files.readString(file, StandardCharsets.UTF_8).lines().findFirst().orElse("");
    } catch (IOException e) {
      throw new CommandFailedException(option + ": cannot read " + file + ": " + e, e);
    }
  }
}
