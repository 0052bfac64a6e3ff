package dev.tandem.bench.impl;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.testkit.server.H2Database;
import dev.tandem.testkit.server.PostgresServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The database a benchmark writes to, started by the benchmark: a private PostgreSQL server ({@link
 * PostgresServer}, synchronous_commit on, fsync on as production runs unless asked off) or an
 * in-memory H2 database. Every compared system reaches it through a HikariCP pool with the same
 * settings.
 */
public final class BenchDatabase implements AutoCloseable {

  private static final AtomicInteger TABLES = new AtomicInteger();

  private final String name;
  private final @Nullable PostgresServer postgres;
  private final @Nullable H2Database h2;
  private final DataSource unpooled;

  private BenchDatabase(
      String name,
      @Nullable PostgresServer postgres,
      @Nullable H2Database h2,
      DataSource unpooled) {
    this.name = name;
    this.postgres = postgres;
    this.h2 = h2;
    this.unpooled = unpooled;
  }

  /**
   * Starts {@code "postgres"} (a private server) or {@code "h2"} (in memory).
   *
   * @param fsync {@code "on"} (each commit waits for the disk) or {@code "off"}: the fsync of the
   *     PostgreSQL server; H2 in memory has no disk, and takes either
   * @throws IllegalArgumentException for another name, or an fsync other than on or off
   */
  public static BenchDatabase start(String name, String fsync) {
    if (!fsync.equals("on") && !fsync.equals("off")) {
      throw new IllegalArgumentException("fsync must be on or off but was " + fsync);
    }
    return switch (name) {
      case "postgres" -> {
        PostgresServer server =
            fsync.equals("on") ? PostgresServer.startDurable() : PostgresServer.start();
        yield new BenchDatabase(name, server, null, server.createDatabase("bench"));
      }
      case "h2" -> {
        H2Database db = H2Database.inMemory();
        yield new BenchDatabase(name, null, db, db.dataSource());
      }
      default ->
          throw new IllegalArgumentException("unknown database " + name + ": h2 or postgres");
    };
  }

  /** Returns whether this is PostgreSQL (else H2). */
  public boolean isPostgres() {
    return postgres != null;
  }

  /**
   * Returns a new pool of {@code size} connections: auto-commit on, READ COMMITTED, the driver's
   * defaults otherwise. The caller closes it.
   */
  public HikariDataSource pool(int size) {
    HikariConfig config = new HikariConfig();
    config.setDataSource(unpooled);
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(size);
    config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
    config.setPoolName("bench-" + name + "-" + TABLES.get());
    return new HikariDataSource(config);
  }

  /** Returns a table name not used before in this JVM. */
  public String newTableName(String prefix) {
    return prefix + "_" + TABLES.incrementAndGet();
  }

  /** Runs one statement of set-up SQL. */
  public void execute(String sql) {
    try (Connection c = unpooled.getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  /** Returns an unpooled data source, for set-up. */
  public DataSource unpooled() {
    return unpooled;
  }

  /** Stops the server or drops the in-memory database. */
  @Override
  public void close() {
    if (postgres != null) {
      postgres.close();
    }
    if (h2 != null) {
      h2.close();
    }
  }

  @Override
  public String toString() {
    return name;
  }
}
