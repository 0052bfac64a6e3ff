package dev.tandem.jdbc;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.testkit.server.H2Database;
import dev.tandem.testkit.server.MariaDbServer;
import dev.tandem.testkit.server.PostgresServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;

/** The databases the integration suites run on: one pooled database of each kind per JVM. */
enum TestDatabase {
  POSTGRESQL {
    @Override
    DataSource createDataSource() {
      return PostgresServer.shared().dataSource();
    }

    @Override
    boolean someoneWaitsForALock() {
      return queryInt(
              "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                  + " AND wait_event_type = 'Lock'")
          > 0;
    }
  },
  MARIADB {
    @Override
    DataSource createDataSource() {
      return MariaDbServer.shared().dataSource();
    }

    /**
     * A named lock's waiter shows as state {@code User lock}; a row lock's as an InnoDB lock wait.
     */
    @Override
    boolean someoneWaitsForALock() {
      return queryInt(
              "SELECT (SELECT count(*) FROM information_schema.processlist WHERE state = 'User lock')"
                  + " + (SELECT count(*) FROM information_schema.innodb_lock_waits)")
          > 0;
    }
  },
  H2 {
    @Override
    DataSource createDataSource() {
      return H2Database.inMemory().dataSource();
    }

    @Override
    boolean someoneWaitsForALock() {
      return queryInt(
              "SELECT count(*) FROM INFORMATION_SCHEMA.SESSIONS WHERE BLOCKER_ID IS NOT NULL")
          > 0;
    }
  };

  private static final AtomicInteger TABLES = new AtomicInteger();
  private volatile HikariDataSource pool;

  abstract DataSource createDataSource();

  /** Returns whether some session of this database is blocked on a lock right now. */
  abstract boolean someoneWaitsForALock();

  /** Returns the JVM's pooled data source of this database kind. */
  synchronized DataSource dataSource() {
    if (pool == null) {
      HikariConfig config = new HikariConfig();
      config.setDataSource(createDataSource());
      config.setMaximumPoolSize(12);
      config.setPoolName("test-" + name());
      config.setTransactionIsolation(
          "TRANSACTION_READ_COMMITTED"); // MariaDB's default is REPEATABLE READ
      pool = new HikariDataSource(config);
    }
    return pool;
  }

  /** Returns a table name no other test uses. */
  static String uniqueName(String prefix) {
    return prefix + "_" + TABLES.incrementAndGet();
  }

  void execute(String sql) {
    try (Connection c = dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  int queryInt(String sql, Object... parameters) {
    try (Connection c = dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        ps.setObject(i + 1, parameters[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  /**
   * Waits until some session waits for a lock, failing if {@code task} ends first (it was not
   * blocked) or nothing blocks within the deadline.
   */
  void awaitBlocked(Future<?> task) {
    awaitTrue(
        () -> {
          if (task.isDone()) {
            throw new AssertionError("the task was not blocked: it ended first");
          }
          return someoneWaitsForALock();
        },
        "a session waiting for a lock");
  }

  static void awaitTrue(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.onSpinWait();
      Thread.yield();
    }
  }
}
