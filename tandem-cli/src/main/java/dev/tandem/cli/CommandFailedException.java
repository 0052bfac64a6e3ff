package dev.tandem.cli;

/**
 * A command failed for a reason the user can act on (a flight that does not exist, a database that
 * is not reachable): reported as one line on the error stream, exit code 1, no stack trace.
 */
public final class CommandFailedException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Creates the failure with the line to print. */
  public CommandFailedException(String message) {
    super(message);
  }

  /** Creates the failure with the line to print and its cause. */
  public CommandFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
