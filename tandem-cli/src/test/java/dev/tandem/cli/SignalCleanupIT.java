package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testkit.server.PostgresServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16: SIGTERM during {@code bench} or {@code torture} left the embedded PostgreSQL's data
 * folder behind ({@code demo} starts the same servers, issue 19). The CLI runs in a child JVM (this
 * class path, its temporary folder a folder of the test's own), gets SIGTERM once its servers run,
 * and must exit within a bounded wait leaving no server data folder and no server process (nor,
 * with {@code --processes}, a node JVM); on a database of {@code --jdbc-url}, torture drops its
 * table.
 */
class SignalCleanupIT {

  /** Generous: the exit hooks stop PostgreSQL (a fast shutdown) and Redis. */
  private static final Duration EXIT_WAIT = Duration.ofSeconds(60);

  @TempDir Path tmp;

  @Test
  void sigtermDuringBenchOnEmbeddedPostgresLeavesNothingBehind() throws Exception {
    assertCleanExitOnSigterm(
        "  seed",
        "bench",
        "--db",
        "postgres",
        "--compare",
        "direct",
        "--duration",
        "5m",
        "--warmup",
        "0s",
        "--records",
        "100",
        "--threads",
        "2",
        "--no-progress");
  }

  @Test
  void sigtermDuringTortureWithPostgresAndRedisLeavesNothingBehind() throws Exception {
    assertCleanExitOnSigterm(
        "running for",
        "torture",
        "--db",
        "postgres",
        "--tier",
        "redis",
        "--duration",
        "5m",
        "--clients",
        "2",
        "--keys",
        "4");
  }

  @Test
  void sigtermDuringTortureWithNodeProcessesLeavesNoNodeRunning() throws Exception {
    assertCleanExitOnSigterm(
        "nodes running",
        "torture",
        "--db",
        "postgres",
        "--tier",
        "redis",
        "--nodes",
        "2",
        "--processes",
        "--duration",
        "5m",
        "--clients",
        "2",
        "--keys",
        "4");
  }

  @Test
  void sigtermDuringTheDemoOnPostgresAndRedisLeavesNothingBehind() throws Exception {
    // --interactive waits for Enter before step 1 (nobody types), with both servers running.
    assertCleanExitOnSigterm(
        "Press Enter for step 1/6",
        "demo",
        "--db",
        "postgres",
        "--cache",
        "redis",
        "--interactive");
  }

  @Test
  void sigtermDuringTortureOnADatabaseOfAUrlDropsTheRunsTable() throws Exception {
    String database = "signal_" + ProcessHandle.current().pid();
    DataSource dataSource = PostgresServer.shared().createDatabase(database);

    assertCleanExitOnSigterm(
        false,
        "running for",
        "torture",
        "--jdbc-url",
        PostgresServer.shared().jdbcUrl(database),
        "--duration",
        "5m",
        "--clients",
        "2",
        "--keys",
        "4");

    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'tandem_torture%'")) {
      rs.next();
      assertThat(rs.getInt(1)).as("the run's tables left in the database").isZero();
    }
  }

  private void assertCleanExitOnSigterm(String runningLine, String... args) throws Exception {
    assertCleanExitOnSigterm(true, runningLine, args);
  }

  private void assertCleanExitOnSigterm(boolean startsServers, String runningLine, String... args)
      throws Exception {
    Path output = tmp.resolve("output.txt");
    Path javaTmp = Files.createDirectory(tmp.resolve("java-tmp"));
    List<String> command =
        new ArrayList<>(
            List.of(
                ProcessHandle.current().info().command().orElseThrow(),
                "-Djava.io.tmpdir=" + javaTmp,
                "-cp",
                System.getProperty("java.class.path"),
                TandemCli.class.getName()));
    command.addAll(List.of(args));
    Process cli =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
    Set<ProcessHandle> servers = new HashSet<>();
    try {
      awaitLine(cli, output, runningLine, Duration.ofMinutes(3));
      servers.addAll(servers(cli, javaTmp));
      if (startsServers) {
        assertThat(serverFolders(javaTmp))
            .as("the servers' folders while the command runs")
            .isNotEmpty();
        assertThat(servers).as("the server processes while the command runs").isNotEmpty();
      }

      cli.destroy(); // SIGTERM

      assertThat(cli.waitFor(EXIT_WAIT.toSeconds(), TimeUnit.SECONDS))
          .as("the command exits on SIGTERM")
          .isTrue();
      long deadline = System.nanoTime() + EXIT_WAIT.toNanos();
      while (servers.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
        LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
      }
      assertThat(servers).as("server processes left running").noneMatch(ProcessHandle::isAlive);
      assertThat(serverFolders(javaTmp))
          .as("server folders left behind\n" + Files.readString(output))
          .isEmpty();
    } finally {
      cli.destroyForcibly();
      servers.forEach(ProcessHandle::destroyForcibly); // what a failed run left behind
    }
  }

  /**
   * The folders of the embedded servers: PostgreSQL's data ({@code tandem-pg-*}) and Redis's
   * ({@code tandem-redis-*}).
   */
  private static List<Path> serverFolders(Path javaTmp) throws IOException {
    try (Stream<Path> files = Files.list(javaTmp)) {
      return files.filter(p -> p.getFileName().toString().matches("tandem-(pg|redis)-.*")).toList();
    }
  }

  /**
   * The command's child processes (redis-server, the node JVMs of --processes) and the processes
   * whose command line names its temporary folder (the postmaster, which pg_ctl started and left).
   */
  private static Set<ProcessHandle> servers(Process cli, Path javaTmp) {
    Set<ProcessHandle> servers = new HashSet<>();
    cli.descendants().forEach(servers::add);
    ProcessHandle.allProcesses()
        .filter(
            p ->
                p.info().commandLine().map(line -> line.contains(javaTmp.toString())).orElse(false))
        .filter(p -> p.pid() != cli.pid())
        .forEach(servers::add);
    return servers;
  }

  private static void awaitLine(Process cli, Path output, String line, Duration wait)
      throws IOException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (System.nanoTime() < deadline) {
      String text = Files.readString(output);
      if (text.lines().anyMatch(l -> l.startsWith(line))) {
        return;
      }
      if (!cli.isAlive()) {
        throw new AssertionError(
            "the command exited with "
                + cli.exitValue()
                + " before it printed '"
                + line
                + "':\n"
                + text);
      }
      LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
    }
    throw new AssertionError(
        "the command did not print '"
            + line
            + "' within "
            + wait
            + ":\n"
            + Files.readString(output));
  }
}
