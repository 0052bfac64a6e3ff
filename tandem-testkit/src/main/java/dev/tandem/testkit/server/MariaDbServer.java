package dev.tandem.testkit.server;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.mariadb.jdbc.MariaDbDataSource;

/**
 * A real MariaDB server, run from the installed binaries (Debian: {@code apt-get install
 * mariadb-server}; {@code ./tandem test} installs it): one {@linkplain #shared() shared} server per
 * JVM, or {@linkplain #start() private} ones for tests that kill or restart their server.
 *
 * <p>Each server gets a new folder under {@code java.io.tmpdir}, made by {@code
 * mariadb-install-db}: its data, its unix socket, its error log. It listens on a free loopback port
 * and accepts the user {@value #USER} without a password. Commits are written to the log at each
 * commit and flushed to disk once a second ({@code innodb_flush_log_at_trx_commit=2}): an
 * acknowledged commit survives a {@linkplain #kill() kill} of the server, which fault tests rely
 * on, but not a crash of the machine; a {@linkplain #startDurable() durable} server, for
 * benchmarks, flushes the log at each commit ({@code 1}), as production runs. The server runs as
 * the user of this JVM, or, when that is root, with {@code --user=root} (MariaDB refuses root
 * otherwise). It is stopped and its folder deleted on {@link #close()}, or when the JVM exits
 * first.
 *
 * <p>The binaries are {@code mariadbd} and {@code mariadb-install-db} from {@code /usr/sbin},
 * {@code /usr/bin} or the {@code PATH}; {@code -Dtandem.mariadb.bin=DIR} names another folder.
 */
public final class MariaDbServer implements AutoCloseable {

  /** The user every connection uses, without a password. */
  public static final String USER = "root";

  private static final Pattern DATABASE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);
  private static @Nullable MariaDbServer shared;

  private final Path server;
  private final Path folder;
  private final boolean isShared;
  private final boolean durable;
  private int port;
  private @Nullable Process process;
  private boolean closed;

  /** Stops the server and deletes its folder if the JVM exits before {@link #close()}. */
  private final Thread exitHook = new Thread(this::stopAndDelete, "tandem-mariadb-stop");

  private MariaDbServer(boolean isShared, boolean durable) {
    this.isShared = isShared;
    this.durable = durable;
    this.server = binary("mariadbd", "mysqld");
    try {
      this.folder = Files.createTempDirectory("tandem-mariadb-");
    } catch (IOException e) {
      throw new UncheckedIOException("could not create a folder for MariaDB", e);
    }
    try {
      install();
      RuntimeException failure = null;
      for (int attempt = 0;
          attempt < 3;
          attempt++) { // a free port may be taken before the server binds it
        try {
          this.port = freePort();
          this.process = launch();
          Runtime.getRuntime().addShutdownHook(exitHook);
          return;
        } catch (IllegalStateException e) {
          failure = e;
        }
      }
      throw requireNonNull(failure);
    } catch (RuntimeException e) {
      deleteRecursively(folder);
      throw e;
    }
  }

  /**
   * Returns the JVM's shared server, starting it on first use. It is stopped and its folder deleted
   * when the JVM exits; {@link #close()} on it does nothing.
   *
   * @throws IllegalStateException if MariaDB is not installed or cannot start
   */
  public static synchronized MariaDbServer shared() {
    if (shared == null) {
      shared = new MariaDbServer(true, false);
    }
    return shared;
  }

  /**
   * Starts a private server on a free port with a new data folder; the caller closes it, which
   * stops the server and deletes the folder (an exit hook does that if the JVM exits first).
   *
   * @throws IllegalStateException if MariaDB is not installed or cannot start
   */
  public static MariaDbServer start() {
    return new MariaDbServer(false, false);
  }

  /**
   * Starts a private server as {@link #start()} does, but flushing the log to disk at every commit
   * ({@code innodb_flush_log_at_trx_commit=1}), as production runs. For benchmarks.
   *
   * @throws IllegalStateException if MariaDB is not installed or cannot start
   */
  public static MariaDbServer startDurable() {
    return new MariaDbServer(false, true);
  }

  /** Returns the loopback port the server listens on (kept across {@link #restart()}). */
  public synchronized int port() {
    return port;
  }

  /** Returns the JDBC URL of {@code database} on this server, user included. */
  public String jdbcUrl(String database) {
    requireNonNull(database, "database");
    return "jdbc:mariadb://127.0.0.1:" + port() + "/" + database + "?user=" + USER;
  }

  /**
   * Returns the server's version as {@code mariadbd --version} prints it, for example {@code
   * 10.11.18-MariaDB-0+deb12u1}.
   */
  public String version() {
    try {
      Process p =
          new ProcessBuilder(server.toString(), "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      p.waitFor(10, TimeUnit.SECONDS);
      java.util.regex.Matcher version = Pattern.compile("Ver\\s+(\\S+)").matcher(out);
      return version.find() ? version.group(1) : out;
    } catch (IOException e) {
      return "unknown";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }

  /**
   * Creates a new, empty database with a unique name and returns an unpooled data source of it.
   *
   * @throws IllegalStateException if the database cannot be created
   */
  public DataSource dataSource() {
    return createDatabase(
        "tandem_" + DATABASES.incrementAndGet() + "_" + ProcessHandle.current().pid());
  }

  /**
   * Creates the database {@code name} and returns an unpooled data source of it.
   *
   * @param name lower-case letters, digits and underscores, starting with a letter or underscore
   * @throws IllegalArgumentException if the name is not of that form
   * @throws IllegalStateException if the database cannot be created, for example because it exists
   */
  public DataSource createDatabase(String name) {
    requireNonNull(name, "name");
    if (!DATABASE_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "database name must match " + DATABASE_NAME + " but was " + name);
    }
    try (Connection c = DriverManager.getConnection(jdbcUrl(""));
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "could not create database " + name + ": " + e.getMessage(), e);
    }
    return dataSourceOf(name);
  }

  /** Returns an unpooled data source of an existing {@code database}. */
  public DataSource dataSourceOf(String database) {
    requireNonNull(database, "database");
    try {
      return new MariaDbDataSource(jdbcUrl(database));
    } catch (SQLException e) {
      throw new IllegalArgumentException(
          "bad database name " + database + ": " + e.getMessage(), e);
    }
  }

  /**
   * Returns the process id of the running server, for fault tests that signal it.
   *
   * @throws IllegalStateException if the server is not running
   */
  public synchronized long pid() {
    Process running = process;
    if (running == null || !running.isAlive()) {
      throw new IllegalStateException("the server is not running");
    }
    return running.pid();
  }

  /** Returns whether the server process is running. */
  public synchronized boolean isRunning() {
    Process running = process;
    return running != null && running.isAlive();
  }

  /**
   * Kills the server with SIGKILL, as a crash of the server would: open connections break (their
   * transactions and key locks are gone with it), new ones are refused until {@link #restart()}.
   * Committed data survives. Does nothing if it is stopped already.
   *
   * @throws IllegalStateException if this is the shared server, which other tests use
   */
  public synchronized void kill() {
    ownServer("killed");
    Process running = process;
    process = null;
    if (running != null) {
      running.destroyForcibly();
      awaitExit(running);
    }
  }

  /**
   * Stops the server (SIGTERM, SIGKILL after 30 seconds), keeping its data; connections are refused
   * until {@link #restart()}. Does nothing if it is stopped already.
   *
   * @throws IllegalStateException if this is the shared server
   */
  public synchronized void stop() {
    ownServer("stopped");
    halt();
  }

  /**
   * Stops the server if it runs and starts it again on the same port with the same data; open
   * connections are lost, committed data survives (InnoDB recovers it after a {@link #kill()}).
   *
   * @throws IllegalStateException if the server was closed, is the shared one, or cannot start
   */
  public synchronized void restart() {
    if (closed) {
      throw new IllegalStateException("the server was closed");
    }
    ownServer("restarted");
    halt();
    process = launch();
  }

  /**
   * Stops a private server and deletes its folder; idempotent. Does nothing on the shared server.
   */
  @Override
  public void close() {
    if (!isShared) {
      stopAndDelete();
    }
  }

  @Override
  public String toString() {
    return "MariaDbServer{port=" + port + (isShared ? ", shared" : "") + "}";
  }

  private void ownServer(String what) {
    if (isShared) {
      throw new IllegalStateException(
          "the shared server cannot be " + what + ": start a private one");
    }
  }

  private synchronized void stopAndDelete() {
    if (closed) {
      return;
    }
    closed = true;
    halt();
    deleteRecursively(folder);
    ExitHooks.remove(exitHook);
  }

  private synchronized void halt() {
    Process running = process;
    process = null;
    if (running == null) {
      return;
    }
    running.destroy();
    try {
      if (!running.waitFor(30, TimeUnit.SECONDS)) {
        running.destroyForcibly();
        awaitExit(running);
      }
    } catch (InterruptedException e) {
      running.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private static void awaitExit(Process process) {
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Whether this JVM runs as root (not in a user namespace that maps it to another user). */
  private static boolean root() {
    return "root".equals(System.getProperty("user.name"));
  }

  private void install() {
    Path installer = binary("mariadb-install-db", "mysql_install_db");
    List<String> command =
        new ArrayList<>(
            List.of(
                installer.toString(),
                "--no-defaults",
                "--datadir=" + folder.resolve("data"),
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                "--skip-name-resolve"));
    if (root()) {
      command.add("--user=root");
    }
    Path log = folder.resolve("install.log");
    try {
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(installer + " did not finish within 120 s: " + tail(log));
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(
            installer + " exited with " + p.exitValue() + ": " + tail(log));
      }
    } catch (IOException e) {
      throw new IllegalStateException("could not run " + installer + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while installing MariaDB", e);
    }
  }

  private Process launch() {
    Path log = folder.resolve("error.log");
    List<String> command =
        new ArrayList<>(
            List.of(
                server.toString(),
                "--no-defaults",
                "--datadir=" + folder.resolve("data"),
                "--port=" + port,
                "--bind-address=127.0.0.1",
                "--socket=" + folder.resolve("mariadb.sock"),
                "--pid-file=" + folder.resolve("mariadb.pid"),
                "--log-error=" + log,
                "--skip-name-resolve",
                "--innodb-flush-log-at-trx-commit=" + (durable ? 1 : 2),
                "--innodb-buffer-pool-size=64M",
                "--performance-schema=OFF",
                "--max-connections=300"));
    if (root()) {
      command.add("--user=root");
    }
    Process started;
    try {
      started =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(folder.resolve("mariadbd.out").toFile())
              .start();
    } catch (IOException e) {
      throw new IllegalStateException("could not run " + server + ": " + e.getMessage(), e);
    }
    long deadline = System.nanoTime() + STARTUP_WAIT.toNanos();
    SQLException last = null;
    while (System.nanoTime() < deadline) {
      if (!started.isAlive()) {
        throw new IllegalStateException(
            "mariadbd exited with " + started.exitValue() + " on port " + port + ": " + tail(log));
      }
      try (Connection c =
          DriverManager.getConnection(
              "jdbc:mariadb://127.0.0.1:" + port + "/?user=" + USER + "&connectTimeout=1000")) {
        return started;
      } catch (SQLException e) {
        last = e;
      }
      LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
    }
    started.destroyForcibly();
    throw new IllegalStateException(
        "mariadbd did not answer on port "
            + port
            + " within "
            + STARTUP_WAIT
            + " ("
            + (last != null ? last.getMessage() : "")
            + "): "
            + tail(log));
  }

  private static Path binary(String... names) {
    List<Path> folders = new ArrayList<>();
    String configured = System.getProperty("tandem.mariadb.bin");
    if (configured != null) {
      folders.add(Path.of(configured));
    }
    folders.add(Path.of("/usr/sbin"));
    folders.add(Path.of("/usr/bin"));
    String path = System.getenv("PATH");
    if (path != null) {
      for (String dir : path.split(java.io.File.pathSeparator)) {
        if (!dir.isEmpty()) {
          folders.add(Path.of(dir));
        }
      }
    }
    for (Path dir : folders) {
      for (String name : names) {
        Path candidate = dir.resolve(name);
        if (Files.isExecutable(candidate)) {
          return candidate;
        }
      }
    }
    throw new IllegalStateException(
        "MariaDB is not installed: no "
            + String.join(" or ", names)
            + " in "
            + folders
            + " (Debian: apt-get install mariadb-server; or -Dtandem.mariadb.bin=DIR)");
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port", e);
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 10), lines.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(no log)";
    }
  }

  private static void deleteRecursively(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // best effort: a temporary folder left behind is harmless
    }
  }
}
