package dev.tandem.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The heartbeat of a {@link ChangeListener}, on a thread of its own: every interval it writes a
 * transactional logical message ({@code pg_logical_emit_message}) whose prefix names the listener
 * and whose content is the time it was sent ({@link System#nanoTime}, as decimal text). The message
 * commits after every change committed before it was sent, so when the stream brings it back, those
 * changes have been applied. The same statement reads how much WAL the slot holds back. A failure
 * drops the connection; the next beat opens another.
 */
final class Heartbeat implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(Heartbeat.class);

  /** Opens a plain (not replication) connection. */
  interface Connector {
    Connection connect() throws SQLException;
  }

  private final Connector connector;
  private final String prefix;
  private final String slot;
  private final long intervalNanos;
  private final BooleanSupplier closed;
  private final LongConsumer lagBytes;

  Heartbeat(
      Connector connector,
      String prefix,
      String slot,
      long intervalNanos,
      BooleanSupplier closed,
      LongConsumer lagBytes) {
    this.connector = connector;
    this.prefix = prefix;
    this.slot = slot;
    this.intervalNanos = intervalNanos;
    this.closed = closed;
    this.lagBytes = lagBytes;
  }

  @Override
  public void run() {
    Connection c = null;
    while (!closed.getAsBoolean()) {
      long next = System.nanoTime() + intervalNanos;
      try {
        if (c == null) {
          c = connector.connect();
        }
        beat(c);
      } catch (SQLException | RuntimeException e) {
        log.debug("change listener {}: heartbeat failed", slot, e);
        close(c);
        c = null;
      }
      long wait = next - System.nanoTime();
      if (wait > 0) {
        LockSupport.parkNanos(wait);
      }
    }
    close(c);
  }

  private void beat(Connection c) throws SQLException {
    long sent = System.nanoTime();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT pg_logical_emit_message(true, ?, ?),"
                + " (SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn) FROM pg_replication_slots"
                + " WHERE slot_name = ?)")) {
      ps.setString(1, prefix);
      ps.setString(2, Long.toString(sent));
      ps.setString(3, slot);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        long bytes = rs.getLong(2);
        lagBytes.accept(rs.wasNull() ? -1 : bytes);
      }
    }
  }

  private static void close(@Nullable Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException | RuntimeException e) {
        // the connection is being dropped anyway
      }
    }
  }
}
