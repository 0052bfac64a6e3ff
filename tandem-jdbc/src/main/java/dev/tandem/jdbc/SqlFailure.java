package dev.tandem.jdbc;

import java.net.SocketTimeoutException;
import java.sql.SQLException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransientConnectionException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Sorts the driver's failures by what they mean for a transaction, by SQLState (PostgreSQL's and
 * H2's codes do not collide). Only {@link #isPassing passing} failures, and connections refused or
 * found broken at once, are reported as {@link dev.tandem.spi.RetryableException}: both leave
 * nothing committed, so running the transaction again from the start is safe. A failure that
 * already waited out a timeout ({@link #isTimeout}: the pool's acquisition timeout, a socket or
 * connect timeout, a lock timeout) is not passing: running again would wait as long again, so the
 * caller hears of it after one timeout, not after one per retry.
 */
final class SqlFailure {

  /**
   * Failures that roll the statement's transaction back (or leave it to be rolled back) and go away
   * when it runs again.
   */
  private static final Set<String> PASSING =
      Set.of(
          "40001", // PostgreSQL serialization_failure; H2 deadlock (error 40001)
          "40P01", // PostgreSQL deadlock_detected
          "90131"); // H2 concurrent update, at isolation levels above READ COMMITTED

  // Not passing: 55P03 (PostgreSQL lock_timeout) and HYT00 (H2 lock timeout): the lock is held by
  // someone who kept it for the whole timeout already.

  /** Besides class 08: the server is shutting down, restarting or full. */
  private static final Set<String> UNAVAILABLE =
      Set.of(
          "57P01", // admin_shutdown: the backend was terminated (pg_terminate_backend, fast
          // shutdown)
          "57P02", // crash_shutdown
          "57P03", // cannot_connect_now: the server is starting up or shutting down
          "53300"); // too_many_connections

  private SqlFailure() {}

  /**
   * Whether a statement failed for a passing reason: serialization failure, deadlock, H2's
   * concurrent update.
   */
  static boolean isPassing(SQLException e) {
    for (SQLException s : chain(e)) {
      if (s.getSQLState() != null && PASSING.contains(s.getSQLState())) {
        return true;
      }
    }
    return false;
  }

  /**
   * MariaDB's error for a statement on a connection that {@code KILL CONNECTION} ended
   * (ER_CONNECTION_KILLED); its SQLState 70100 alone also means an interrupted query.
   */
  private static final int MARIADB_CONNECTION_KILLED = 1927;

  /**
   * Whether the failure says the connection is unusable: it was refused, broke, or its server
   * process was ended (SQLState class 08, 57P01-57P03, 53300, MariaDB's error 1927), or the pool
   * had none to give ({@link SQLTransientConnectionException}, HikariCP's timeout).
   */
  static boolean isConnectionFailure(SQLException e) {
    for (SQLException s : chain(e)) {
      String state = s.getSQLState();
      if (s instanceof SQLTransientConnectionException
          || (state != null && (state.startsWith("08") || UNAVAILABLE.contains(state)))
          || ("70100".equals(state) && s.getErrorCode() == MARIADB_CONNECTION_KILLED)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether the failure ended a wait that ran for its whole bound: the pool had no connection to
   * give within its acquisition timeout ({@link SQLTransientConnectionException}, whatever the
   * SQLState of the connection failure it carries), a connect or read on the socket timed out
   * ({@link SocketTimeoutException} as a cause), the driver gave up logging in or waiting ({@link
   * SQLTimeoutException}).
   */
  static boolean isTimeout(SQLException e) {
    for (SQLException s : chain(e)) {
      if (s instanceof SQLTransientConnectionException || s instanceof SQLTimeoutException) {
        return true;
      }
      Throwable t = s.getCause();
      for (int depth = 0; t != null && depth < 16; depth++, t = t.getCause()) {
        if (t instanceof SocketTimeoutException) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Whether a connection could not be had, or was found broken before it was used, for a reason
   * that may be gone at once: it was refused or broke ({@link #isConnectionFailure}) without
   * waiting out a timeout ({@link #isTimeout}).
   */
  static boolean isRetryableConnectionFailure(SQLException e) {
    return isConnectionFailure(e) && !isTimeout(e);
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
