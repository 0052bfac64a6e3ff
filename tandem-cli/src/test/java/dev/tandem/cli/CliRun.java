package dev.tandem.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * One in-process run of the {@code tandem} command line, with what it printed.
 *
 * @param exitCode the exit code
 * @param out what it printed on the standard output
 * @param err what it printed on the error output
 */
public record CliRun(int exitCode, String out, String err) {

  /** Runs {@code tandem args...} in this JVM and captures its output. */
  public static CliRun of(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = TandemCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exitCode = cli.execute(args);
    return new CliRun(exitCode, out.toString(), err.toString());
  }

  /** Returns the lines of the error output. */
  public java.util.List<String> errLines() {
    return err.lines().toList();
  }

  @Override
  public String toString() {
    return "exit " + exitCode + "\n--- out\n" + out + "--- err\n" + err;
  }
}
