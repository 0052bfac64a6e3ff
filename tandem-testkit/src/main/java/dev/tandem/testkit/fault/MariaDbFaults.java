package dev.tandem.testkit.fault;

import static java.util.Objects.requireNonNull;

import dev.tandem.testkit.server.MariaDbServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * Faults injected into a real MariaDB server, for tests and the torture command: connections killed
 * under their clients ({@code KILL CONNECTION}), statements that fail for chosen rows (a trigger
 * that {@code SIGNAL}s), and the server killed with SIGKILL and started again. Rows held locked and
 * a slow network work as on PostgreSQL: {@link PostgresFaults#lockRows} and {@link
 * PostgresFaults#slow} are plain SQL and a {@link FaultProxy}.
 *
 * <p>Table names are checked to be plain identifiers; conditions are SQL written by the test,
 * inserted as they are: never pass data.
 */
public final class MariaDbFaults {

  private static final Pattern TABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
  private static final Pattern SQL_STATE = Pattern.compile("[0-9A-Z]{5}");

  /** How long the trigger's DDL waits for the table's metadata lock, in seconds. */
  private static final int DDL_WAIT_SECONDS = 5;

  private MariaDbFaults() {}

  /**
   * Kills every connection to {@code database} except the caller's own ({@code KILL CONNECTION}):
   * the server rolls back each one's open transaction and frees its named locks; a client finds its
   * connection broken at its next statement; a commit in progress may or may not have happened.
   *
   * @param admin a data source of the server, with the right to kill connections
   * @return how many connections were killed
   * @throws IllegalStateException if the process list cannot be read
   */
  public static int killConnections(DataSource admin, String database) {
    requireNonNull(admin, "admin");
    requireNonNull(database, "database");
    try (Connection c = admin.getConnection()) {
      List<Long> ids = new ArrayList<>();
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()")) {
        ps.setString(1, database);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            ids.add(rs.getLong(1));
          }
        }
      }
      int killed = 0;
      for (long id : ids) {
        try (Statement s = c.createStatement()) {
          s.execute("KILL CONNECTION " + id);
          killed++;
        } catch (SQLException e) {
          // it ended on its own meanwhile (unknown thread id)
        }
      }
      return killed;
    } catch (SQLException e) {
      throw new IllegalStateException(
          "could not kill the connections to " + database + ": " + e.getMessage(), e);
    }
  }

  /**
   * Creates (or replaces) a trigger on {@code table} that makes every insert of a row satisfying
   * {@code condition} fail with SQLState {@code sqlState} ({@code SIGNAL}): {@code "45000"} for a
   * plain failure, {@code "40001"} with {@code "RAND() < 0.2"} for failures that pass when the
   * transaction runs again, as a deadlock would. An {@code INSERT ... ON DUPLICATE KEY UPDATE}
   * fires it for every row, also one that ends as an update; a plain {@code UPDATE} does not. (One
   * trigger per table: a second one rewrites the table's trigger file, which a server in a user
   * namespace cannot give its owner back.)
   *
   * @param condition a boolean SQL expression over the new row {@code NEW}
   * @throws IllegalArgumentException if an argument is malformed
   * @throws IllegalStateException if a statement fails
   */
  public static void failingTrigger(
      DataSource ds, String table, String condition, String sqlState) {
    requireNonNull(ds, "ds");
    checkTable(table);
    requireNonNull(condition, "condition");
    if (condition.isBlank() || condition.contains(";")) {
      throw new IllegalArgumentException(
          "condition must be one SQL expression but was " + condition);
    }
    if (!SQL_STATE.matcher(requireNonNull(sqlState, "sqlState")).matches()) {
      throw new IllegalArgumentException(
          "sqlState must be five digits or capital letters but was " + sqlState);
    }
    execute(
        ds,
        "CREATE OR REPLACE TRIGGER "
            + trigger(table)
            + " BEFORE INSERT ON "
            + table
            + " FOR EACH ROW IF ("
            + condition
            + ") THEN SIGNAL SQLSTATE '"
            + sqlState
            + "' SET MESSAGE_TEXT = 'failing trigger on "
            + table
            + " rejected a row'; END IF");
  }

  /**
   * Removes the trigger of {@link #failingTrigger} from {@code table}, if there is one.
   *
   * @throws IllegalStateException if a statement fails
   */
  public static void dropFailingTrigger(DataSource ds, String table) {
    requireNonNull(ds, "ds");
    checkTable(table);
    execute(ds, "DROP TRIGGER IF EXISTS " + trigger(table));
  }

  /**
   * Kills {@code server} with SIGKILL and starts it again on the same port: every connection is
   * lost with its transaction and named locks, committed data survives (InnoDB recovers it).
   */
  public static void killAndRestart(MariaDbServer server) {
    requireNonNull(server, "server");
    server.kill();
    server.restart();
  }

  private static String trigger(String table) {
    return "tandem_fault_" + table;
  }

  private static void checkTable(String table) {
    requireNonNull(table, "table");
    if (!TABLE.matcher(table).matches()) {
      throw new IllegalArgumentException("table must be a plain name but was " + table);
    }
  }

  /** Runs DDL, waiting at most a few seconds for the table's metadata lock (open transactions). */
  private static void execute(DataSource ds, String sql) {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute("SET SESSION lock_wait_timeout = " + DDL_WAIT_SECONDS);
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }
}
