package dev.tandem.cli;

import dev.tandem.cli.bench.BenchCommand;
import dev.tandem.cli.demo.DemoCommand;
import dev.tandem.cli.torture.TortureCommand;
import dev.tandem.cli.verify.VerifyCommand;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code tandem} command. Run it through the {@code ./tandem} launcher at the repository root,
 * which builds the project on first use.
 *
 * <p>Exit codes ({@link ExitCode}): 0 success, 1 the command failed (for example the demo found the
 * cache and the database inconsistent), 2 bad usage.
 */
@Command(
    name = "tandem",
    mixinStandardHelpOptions = true,
    versionProvider = TandemVersion.class,
    description = "Tandem, a write-through cache for the JVM that never serves a stale value.",
    synopsisSubcommandLabel = "COMMAND",
    subcommands = {
      DemoCommand.class,
      BenchCommand.class,
      VerifyCommand.class,
      TortureCommand.class,
      picocli.AutoComplete.GenerateCompletion.class
    })
public final class TandemCli implements Callable<Integer> {

  @Spec CommandSpec spec;

  /** Creates the command; picocli calls this. */
  public TandemCli() {}

  /** Runs the command line and exits the JVM with its exit code. */
  public static void main(String[] args) {
    CommandLine cli = commandLine();
    cli.setOut(new PrintWriter(new OutputStreamWriter(System.out, Terminal.stdoutCharset()), true));
    cli.setErr(new PrintWriter(new OutputStreamWriter(System.err, Terminal.stdoutCharset()), true));
    System.exit(cli.execute(args));
  }

  /**
   * Returns the configured command line: the subcommands, one-line usage errors (exit 2) and
   * one-line failures (exit 1). Tests run it in-process with their own writers.
   */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new TandemCli());
    ErrorReport errors = new ErrorReport();
    cli.setParameterExceptionHandler(errors);
    cli.setExecutionExceptionHandler(errors);
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    return cli;
  }

  /** Without a subcommand: prints the usage to the error stream, a usage error. */
  @Override
  public Integer call() {
    CommandLine cli = spec.commandLine();
    cli.getErr().println("tandem: missing command");
    cli.usage(cli.getErr());
    return ExitCode.USAGE;
  }
}
