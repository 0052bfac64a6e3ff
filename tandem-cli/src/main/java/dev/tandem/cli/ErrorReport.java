package dev.tandem.cli;

import static java.util.Objects.requireNonNullElse;

import dev.tandem.TandemException;
import dev.tandem.jdbc.JdbcStoreException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * How the CLI reports errors: a usage error is one line naming the problem and where help is (exit
 * 2); a failure the user can act on is one line with its causes (exit 1); anything else is a bug
 * and gets its stack trace (exit 1). Every line passes through {@link Redaction}: a URL or command
 * line in a message shows no password.
 */
final class ErrorReport implements IParameterExceptionHandler, IExecutionExceptionHandler {

  @Override
  public int handleParseException(ParameterException e, String[] args) {
    CommandLine cli = e.getCommandLine();
    String name = cli.getCommandSpec().qualifiedName();
    String message = Redaction.text(requireNonNullElse(e.getMessage(), e.toString()));
    if (e instanceof UnmatchedArgumentException unmatched) {
      List<String> suggestions = unmatched.getSuggestions();
      if (!suggestions.isEmpty()) {
        message += " (did you mean " + String.join(" or ", suggestions) + "?)";
      }
    }
    cli.getErr().println(name + ": " + message + "; see '" + name + " --help'");
    cli.getErr().flush();
    return ExitCode.USAGE;
  }

  @Override
  public int handleExecutionException(Exception e, CommandLine cli, ParseResult parsed) {
    PrintWriter err = cli.getErr();
    String name = cli.getCommandSpec().qualifiedName();
    if (isExpected(e)) {
      err.println(name + ": " + Redaction.text(describe(e)));
    } else {
      err.println(name + ": internal error, please report it with this stack trace:");
      StringWriter trace = new StringWriter();
      e.printStackTrace(new PrintWriter(trace));
      err.print(Redaction.text(trace.toString()));
    }
    err.flush();
    return ExitCode.FAILURE;
  }

  private static boolean isExpected(Throwable e) {
    return e instanceof CommandFailedException
        || e instanceof TandemException
        || e instanceof SQLException
        || e instanceof JdbcStoreException
        || e instanceof UncheckedIOException;
  }

  /** The message and the messages of its causes that add something, on one line. */
  static String describe(Throwable e) {
    StringBuilder line = new StringBuilder(message(e));
    for (Throwable cause = e.getCause();
        cause != null && cause != cause.getCause();
        cause = cause.getCause()) {
      String text = message(cause);
      if (!line.toString().contains(text)) {
        line.append(": ").append(text);
      }
    }
    return line.toString().replace(System.lineSeparator(), " ").replace('\n', ' ');
  }

  private static String message(Throwable e) {
    String text = e.getMessage();
    return text == null || text.isBlank() ? e.getClass().getSimpleName() : text.strip();
  }
}
