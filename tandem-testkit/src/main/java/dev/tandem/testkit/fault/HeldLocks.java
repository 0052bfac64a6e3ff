package dev.tandem.testkit.fault;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Row locks held by an open transaction ({@link PostgresFaults#lockRows}) until {@link #close()}
 * rolls it back.
 */
public final class HeldLocks implements AutoCloseable {

  private final Connection connection;
  private final int rows;

  HeldLocks(Connection connection, int rows) {
    this.connection = connection;
    this.rows = rows;
  }

  /** Returns how many rows are locked. */
  public int rows() {
    return rows;
  }

  /** Rolls the holding transaction back, releasing the locks; idempotent. */
  @Override
  public void close() {
    try {
      if (!connection.isClosed()) {
        connection.rollback();
      }
    } catch (SQLException e) {
      // the connection is closed below either way
    } finally {
      try {
        connection.close();
      } catch (SQLException e) {
        // nothing more to do
      }
    }
  }

  @Override
  public String toString() {
    return "HeldLocks{" + rows + " rows}";
  }
}
