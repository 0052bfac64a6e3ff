package dev.tandem.testkit.fault;

import static java.util.Objects.requireNonNull;

import dev.tandem.testkit.server.PostgresServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Faults injected into a real PostgreSQL server, for tests and the torture command: server
 * processes killed under their clients, statements that fail for chosen rows, rows held locked, a
 * slow network (through a {@link FaultProxy}), a paused and a restarted server.
 *
 * <p>Table names are checked to be plain identifiers ({@code name} or {@code schema.name});
 * conditions are SQL written by the test, inserted as they are: never pass data.
 */
public final class PostgresFaults {

  /**
   * The SQLState of the error a {@link #failingTrigger(DataSource, String, String)} raises:
   * raise_exception.
   */
  public static final String TRIGGER_SQL_STATE = "P0001";

  private static final Pattern TABLE =
      Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}(\\.[A-Za-z_][A-Za-z0-9_]{0,62})?");
  private static final Pattern SQL_STATE = Pattern.compile("[0-9A-Z]{5}");
  private static final Pattern DATABASE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
  private static final int TERMINATE_WAIT_MILLIS = 10_000;

  private PostgresFaults() {}

  /**
   * Ends every client server process connected to {@code database} ({@code pg_terminate_backend})
   * except the caller's own, and waits (up to 10 seconds each) until they are gone. A client then
   * finds its connection broken at its next statement; a transaction in progress is rolled back; a
   * commit in progress may or may not have happened.
   *
   * @param admin a data source of any database of the server, with the right to end processes
   * @return how many processes were ended
   * @throws IllegalStateException if the query fails
   */
  public static int terminateBackends(DataSource admin, String database) {
    return terminate(admin, database, null);
  }

  /**
   * Like {@link #terminateBackends(DataSource, String)}, but only processes in {@code state}, as
   * {@code pg_stat_activity.state} shows it: {@code "active"} (running a statement), {@code "idle"}
   * (a connection resting in a pool), {@code "idle in transaction"} (between statements of a
   * transaction).
   *
   * @return how many processes were ended
   * @throws IllegalStateException if the query fails
   */
  public static int terminateBackends(DataSource admin, String database, String state) {
    return terminate(admin, database, requireNonNull(state, "state"));
  }

  private static int terminate(DataSource admin, String database, @Nullable String state) {
    requireNonNull(admin, "admin");
    requireNonNull(database, "database");
    String sql =
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, "
            + TERMINATE_WAIT_MILLIS
            + "))"
            + " FROM pg_stat_activity WHERE datname = ? AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            + (state != null ? " AND state = ?" : "");
    try (Connection c = admin.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, database);
      if (state != null) {
        ps.setString(2, state);
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "could not terminate the backends of " + database + ": " + e.getMessage(), e);
    }
  }

  /**
   * Creates (or replaces) a trigger on {@code table} that makes every insert or update of a row
   * satisfying {@code condition} fail with SQLState {@value #TRIGGER_SQL_STATE} and a message
   * {@code "failing trigger on <table> rejected <the row as JSON>"}: real statement failures for
   * chosen values, such as {@code "NEW.value::bigint % 97 = 0"}.
   *
   * @param condition a boolean SQL expression over the new row {@code NEW}
   * @return the trigger's name
   * @throws IllegalArgumentException if the table is not a plain name or the condition is blank
   * @throws IllegalStateException if a statement fails
   */
  public static String failingTrigger(DataSource ds, String table, String condition) {
    return failingTrigger(ds, table, condition, TRIGGER_SQL_STATE);
  }

  /**
   * Like {@link #failingTrigger(DataSource, String, String)}, raising {@code sqlState} instead:
   * {@code "40001"} with a condition such as {@code "random() < 0.05"} imitates serialization
   * failures, which pass when the transaction runs again.
   *
   * @param sqlState five digits or capital letters
   * @return the trigger's name
   * @throws IllegalArgumentException if an argument is malformed
   * @throws IllegalStateException if a statement fails
   */
  public static String failingTrigger(
      DataSource ds, String table, String condition, String sqlState) {
    requireNonNull(ds, "ds");
    checkTable(table);
    requireNonNull(condition, "condition");
    requireNonNull(sqlState, "sqlState");
    if (condition.isBlank() || condition.contains("$fault$")) {
      throw new IllegalArgumentException(
          "condition must be a non-blank SQL expression but was " + condition);
    }
    if (!SQL_STATE.matcher(sqlState).matches()) {
      throw new IllegalArgumentException(
          "sqlState must be five digits or capital letters but was " + sqlState);
    }
    String function = functionOf(table);
    execute(
        ds,
        "CREATE OR REPLACE FUNCTION "
            + function
            + "() RETURNS trigger LANGUAGE plpgsql AS $fault$\n"
            + "BEGIN\n"
            + "  IF ("
            + condition
            + ") THEN\n"
            + "    RAISE EXCEPTION USING ERRCODE = '"
            + sqlState
            + "',\n"
            + "      MESSAGE = 'failing trigger on "
            + table
            + " rejected ' || row_to_json(NEW)::text;\n"
            + "  END IF;\n"
            + "  RETURN NEW;\n"
            + "END\n"
            + "$fault$");
    execute(
        ds,
        "CREATE OR REPLACE TRIGGER tandem_fault BEFORE INSERT OR UPDATE ON "
            + table
            + " FOR EACH ROW EXECUTE FUNCTION "
            + function
            + "()");
    return "tandem_fault";
  }

  /**
   * Removes the trigger of {@link #failingTrigger} from {@code table}, if there is one.
   *
   * @throws IllegalStateException if a statement fails
   */
  public static void dropFailingTrigger(DataSource ds, String table) {
    requireNonNull(ds, "ds");
    checkTable(table);
    execute(ds, "DROP TRIGGER IF EXISTS tandem_fault ON " + table);
    execute(ds, "DROP FUNCTION IF EXISTS " + functionOf(table) + "()");
  }

  /**
   * Locks the rows of {@code table} that satisfy {@code condition} ({@code SELECT ... FOR UPDATE})
   * in a transaction of its own that stays open until the result is closed: writers of those rows
   * wait, or fail with SQLState 55P03 if their connection sets {@code lock_timeout}.
   *
   * @param condition a boolean SQL expression over the table's columns, {@code "true"} for all rows
   * @throws IllegalArgumentException if the table is not a plain name
   * @throws IllegalStateException if the rows cannot be locked
   */
  public static HeldLocks lockRows(DataSource ds, String table, String condition) {
    requireNonNull(ds, "ds");
    checkTable(table);
    requireNonNull(condition, "condition");
    Connection c = null;
    try {
      c = ds.getConnection();
      c.setAutoCommit(false);
      try (Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT count(*) FROM (SELECT 1 FROM "
                      + table
                      + " WHERE "
                      + condition
                      + " FOR UPDATE) AS locked")) {
        rs.next();
        return new HeldLocks(c, rs.getInt(1));
      }
    } catch (SQLException e) {
      if (c != null) {
        try {
          c.close();
        } catch (SQLException closeFailure) {
          e.addSuppressed(closeFailure);
        }
      }
      throw new IllegalStateException("could not lock rows of " + table + ": " + e.getMessage(), e);
    }
  }

  /**
   * Slows the network between the clients of {@code proxy} and the server: {@code latency} in each
   * direction, so a round trip takes twice as long more; {@link Duration#ZERO} ends it.
   */
  public static void slow(FaultProxy proxy, Duration latency) {
    requireNonNull(proxy, "proxy");
    proxy.latency(FaultProxy.Direction.CLIENT_TO_SERVER, latency);
    proxy.latency(FaultProxy.Direction.SERVER_TO_CLIENT, latency);
  }

  /**
   * Restarts {@code server} ({@link PostgresServer#restart()}): every connection is lost, committed
   * data survives, and the server listens on the same port again when this returns.
   */
  public static void restart(PostgresServer server) {
    requireNonNull(server, "server").restart();
  }

  /**
   * Pauses {@code server} with SIGSTOP: the postmaster and every server process it started, so open
   * connections stay open and unanswered and new ones are accepted by the kernel but never
   * answered; a client sees timeouts, if it has any. {@link #resume} continues them all.
   *
   * @throws IllegalStateException if the server is not running or cannot be signalled
   */
  public static void pause(PostgresServer server) {
    signal(requireNonNull(server, "server"), "STOP");
  }

  /**
   * Resumes a server {@linkplain #pause paused} by SIGCONT; statements that waited run then.
   *
   * @throws IllegalStateException if the server is not running or cannot be signalled
   */
  public static void resume(PostgresServer server) {
    signal(requireNonNull(server, "server"), "CONT");
  }

  /**
   * Signals the postmaster, then its descendants: stopped first, the postmaster cannot fork a
   * server process between the listing of its descendants and their signal.
   */
  private static void signal(PostgresServer server, String signal) {
    ProcessHandle postmaster =
        ProcessHandle.of(server.pid())
            .orElseThrow(() -> new IllegalStateException("the server is not running"));
    kill(signal, List.of(postmaster));
    kill(signal, postmaster.descendants().toList());
  }

  private static void kill(String signal, List<ProcessHandle> processes) {
    if (processes.isEmpty()) {
      return;
    }
    List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
    processes.forEach(p -> command.add(Long.toString(p.pid())));
    try {
      Process kill = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (kill.waitFor() != 0 && !onlyGone(output)) {
        throw new IllegalStateException("kill -" + signal + " failed: " + output.strip());
      }
    } catch (IOException e) {
      throw new IllegalStateException("could not run kill -" + signal, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while signalling the server", e);
    }
  }

  /**
   * Whether kill failed only for processes that had ended since they were listed (a server process
   * whose client went away): those need no signal.
   */
  private static boolean onlyGone(String output) {
    return output.lines().allMatch(line -> line.isBlank() || line.contains("No such process"));
  }

  /**
   * Returns an unpooled data source of {@code database} that connects through {@code proxy}, as the
   * superuser {@value PostgresServer#USER}.
   *
   * @throws IllegalArgumentException if the database name is not a plain name
   */
  public static DataSource dataSource(FaultProxy proxy, String database) {
    requireNonNull(proxy, "proxy");
    requireNonNull(database, "database");
    if (!DATABASE.matcher(database).matches()) {
      throw new IllegalArgumentException("database must be a plain name but was " + database);
    }
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setServerNames(new String[] {proxy.host()});
    ds.setPortNumbers(new int[] {proxy.port()});
    ds.setDatabaseName(database);
    ds.setUser(PostgresServer.USER);
    return ds;
  }

  private static String functionOf(String table) {
    return "tandem_fault_" + table.replace('.', '_');
  }

  private static void checkTable(String table) {
    requireNonNull(table, "table");
    if (!TABLE.matcher(table).matches()) {
      throw new IllegalArgumentException(
          "table must be a plain name or schema.name but was " + table);
    }
  }

  private static void execute(DataSource ds, String sql) {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(e.getMessage() + " in: " + sql, e);
    }
  }
}
