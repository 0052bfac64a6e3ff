package dev.tandem.jdbc;

import static java.util.Objects.requireNonNull;

import java.sql.BatchUpdateException;
import java.sql.SQLException;
import org.jspecify.annotations.Nullable;

/**
 * A statement of a {@link JdbcStore} failed. The message names the operation, the table and the
 * database's own error; the cause is the driver's {@link SQLException}.
 */
public final class JdbcStoreException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final @Nullable String sqlState;

  JdbcStoreException(String operation, SQLException cause) {
    super(operation + " failed: " + detail(cause), cause);
    this.sqlState = root(cause).getSQLState();
  }

  /** Returns the message: the operation, the table and the database's own error; never null. */
  @Override
  public String getMessage() {
    return requireNonNull(super.getMessage()); // the constructor always sets one
  }

  /** Returns the SQLState the database reported (for example {@code 23514} for a CHECK), if any. */
  public @Nullable String sqlState() {
    return sqlState;
  }

  private static String detail(SQLException e) {
    String message = root(e).getMessage();
    return message != null ? message : e.getClass().getName();
  }

  /** A batch failure carries the statement's own error as its next exception. */
  private static SQLException root(SQLException e) {
    if (e instanceof BatchUpdateException && e.getNextException() != null) {
      return e.getNextException();
    }
    return e;
  }
}
