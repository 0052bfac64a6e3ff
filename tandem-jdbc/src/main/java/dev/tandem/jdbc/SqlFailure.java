package dev.tandem.jdbc;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Sorts the driver's failures by what they mean for a transaction, by SQLState (PostgreSQL's and
 * H2's codes do not collide). Only {@link #isPassing passing} failures, and connections that could
 * not be had, are reported as {@link dev.tandem.spi.RetryableException}: both leave nothing
 * committed, so running the transaction again from the start is safe.
 */
final class SqlFailure {

  /**
   * Failures that roll the statement's transaction back (or leave it to be rolled back) and go
   * away when it runs again.
   */
  private static final Set<String> PASSING = Set.of(
      "40001", // PostgreSQL serialization_failure; H2 deadlock (error 40001)
      "40P01", // PostgreSQL deadlock_detected
      "55P03", // PostgreSQL lock_not_available: lock_timeout or NOWAIT
      "HYT00", // H2 lock timeout (error 50200), the only H2 error with this state
      "90131"); // H2 concurrent update, at isolation levels above READ COMMITTED

  /** Besides class 08: the server is shutting down, restarting or full. */
  private static final Set<String> UNAVAILABLE = Set.of(
      "57P01", // admin_shutdown: the backend was terminated (pg_terminate_backend, fast shutdown)
      "57P02", // crash_shutdown
      "57P03", // cannot_connect_now: the server is starting up or shutting down
      "53300"); // too_many_connections

  private SqlFailure() {}

  /** Whether a statement failed for a passing reason: serialization failure, deadlock, lock timeout. */
  static boolean isPassing(SQLException e) {
    for (SQLException s : chain(e)) {
      if (s.getSQLState() != null && PASSING.contains(s.getSQLState())) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether the failure says the connection is unusable: it was refused, broke, or its server
   * process was ended (SQLState class 08, 57P01-57P03, 53300), or the pool had none to give
   * ({@link SQLTransientConnectionException}, HikariCP's timeout).
   */
  static boolean isConnectionFailure(SQLException e) {
    for (SQLException s : chain(e)) {
      String state = s.getSQLState();
      if (s instanceof SQLTransientConnectionException
          || (state != null && (state.startsWith("08") || UNAVAILABLE.contains(state)))) {
        return true;
      }
    }
    return false;
  }

  /** The exception, its next exceptions (a batch failure's own error) and its SQL causes. */
  private static Iterable<SQLException> chain(SQLException e) {
    List<SQLException> all = new ArrayList<>(4);
    @Nullable SQLException s = e;
    while (s != null && all.size() < 16 && !all.contains(s)) {
      all.add(s);
      SQLException next = s.getNextException();
      s = next != null ? next : s.getCause() instanceof SQLException cause ? cause : null;
    }
    return all;
  }
}
