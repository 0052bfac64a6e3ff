package dev.tandem.cli;

/**
 * The exit codes of every {@code tandem} command, in one place: the commands return them, the error
 * handler maps exceptions to them, and scripts (CI, the launcher) rely on them.
 */
public final class ExitCode {

  /** The command ran and succeeded (for example: consistent, linearizable). */
  public static final int OK = 0;

  /**
   * The command ran and failed (the cache and the database disagreed, a history is not
   * linearizable), or could not run (a database not reachable, an internal error).
   */
  public static final int FAILURE = 1;

  /** Bad usage: an unknown option, a missing or malformed value, no command. */
  public static final int USAGE = 2;

  private ExitCode() {}

  /** Returns {@link #OK} if {@code succeeded}, else {@link #FAILURE}. */
  public static int of(boolean succeeded) {
    return succeeded ? OK : FAILURE;
  }
}
