package dev.tandem.cli.torture;

import dev.tandem.cli.CommandFailedException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A node of {@code tandem torture --processes} or {@code tandem bench --nodes}: a child JVM running
 * a hidden {@code node} subcommand ({@link TortureNodeCommand}, the bench's) on the class path of
 * this one, spoken to in lines on its standard input and output (its error output is this
 * process's). Closing kills it if it still runs.
 */
public final class NodeProcess implements AutoCloseable {

  /** The end of the child's output, put in the queue when it is closed. */
  private static final String EOF = "\u0000eof";

  private final int node;
  private final Process process;
  private final PrintWriter in;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

  /**
   * Kills the node if this JVM exits first (a signal): it would otherwise run its clients to the
   * end.
   */
  private final Thread exitHook;

  private NodeProcess(int node, Process process) {
    this.node = node;
    this.process = process;
    this.exitHook = new Thread(process::destroyForcibly, "torture-node-" + node + "-kill");
    Runtime.getRuntime().addShutdownHook(exitHook);
    this.in =
        new PrintWriter(
            new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
    Thread.ofPlatform()
        .daemon()
        .name("torture-node-" + node + "-out")
        .start(
            () -> {
              try (BufferedReader out =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                  lines.add(line);
                }
              } catch (IOException e) {
                // the child is gone: the queue ends
              } finally {
                lines.add(EOF);
              }
            });
  }

  /**
   * The environment variable that gives a node the JDBC URL (which may hold a password; ps shows
   * arguments).
   */
  static final String JDBC_URL_VARIABLE = "TANDEM_TORTURE_JDBC_URL";

  /** The environment variable that gives a node the Redis URI (which may hold a password). */
  static final String REDIS_URI_VARIABLE = "TANDEM_TORTURE_REDIS_URI";

  /**
   * Starts node {@code node}: {@code java -cp <this class path> <the logging properties>
   * dev.tandem.cli.TandemCli torture node <arguments>}, with {@code environment} added to this
   * process's environment (for what must not show in {@code ps}).
   *
   * @throws CommandFailedException if the JVM cannot be started
   */
  static NodeProcess start(int node, List<String> arguments, Map<String, String> environment) {
    return start(node, List.of("torture", "node"), arguments, environment);
  }

  /**
   * Starts node {@code node}: {@code java -cp <this class path> <the logging properties>
   * dev.tandem.cli.TandemCli <command> <arguments>}, with {@code environment} added to this
   * process's environment (for what must not show in {@code ps}).
   *
   * @param command the words of the node's subcommand, such as {@code bench node}
   * @throws CommandFailedException if the JVM cannot be started
   */
  public static NodeProcess start(
      int node, List<String> command, List<String> arguments, Map<String, String> environment) {
    String java =
        ProcessHandle.current()
            .info()
            .command()
            .orElse(System.getProperty("java.home") + "/bin/java");
    List<String> line =
        new ArrayList<>(
            List.of(
                java,
                "-Xmx256m",
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path")));
    System.getProperties().stringPropertyNames().stream()
        .filter(name -> name.startsWith("org.slf4j."))
        .sorted()
        .forEach(name -> line.add("-D" + name + "=" + System.getProperty(name)));
    line.add("dev.tandem.cli.TandemCli");
    line.addAll(command);
    line.addAll(arguments);
    ProcessBuilder builder =
        new ProcessBuilder(line).redirectError(ProcessBuilder.Redirect.INHERIT);
    builder.environment().putAll(environment);
    try {
      return new NodeProcess(node, builder.start());
    } catch (IOException e) {
      throw new CommandFailedException(
          "cannot start node " + node + " (" + java + "): " + e.getMessage(), e);
    }
  }

  /** Sends one line to the node. */
  public void send(String line) {
    in.println(line);
  }

  /**
   * Returns the lines the node prints until one that starts with {@code word}, or is a JSON object
   * whose first field is named {@code word} (such as {@code {"done":{...}}}), which is last.
   *
   * @throws CommandFailedException if the node exits or says nothing of the kind within {@code
   *     wait}
   */
  public List<String> await(String word, Duration wait) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    List<String> seen = new ArrayList<>();
    while (true) {
      String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (line == null || line.equals(EOF)) {
        throw new CommandFailedException(
            "node "
                + node
                + " (process "
                + process.pid()
                + ") "
                + (line == null
                    ? "did not say '" + word + "' within " + wait.toSeconds() + " s"
                    : "exited before it said '" + word + "'")
                + (seen.isEmpty() ? "" : "; it said: " + seen)
                + " (its errors are above)");
      }
      seen.add(line);
      if (line.startsWith(word) || line.startsWith("{\"" + word + "\":")) {
        return seen;
      }
    }
  }

  /** Waits briefly for the node to exit, then kills it if it still runs. */
  @Override
  public void close() {
    in.close();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(exitHook);
    } catch (IllegalStateException e) {
      // this JVM is exiting: the hook kills a node that is gone already
    }
  }

  @Override
  public String toString() {
    return "node " + node + " (process " + process.pid() + ")";
  }
}
