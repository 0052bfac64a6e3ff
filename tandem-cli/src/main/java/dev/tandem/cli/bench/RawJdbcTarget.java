package dev.tandem.cli.bench;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * Plain JDBC with no cache, as an application without one would do it: a {@code SELECT} by key for
 * a read, an upsert with auto-commit (one commit per write) for a write.
 */
final class RawJdbcTarget implements BenchTarget {

  private final DataSource dataSource;
  private final String selectSql;
  private final String upsertSql;

  RawJdbcTarget(BenchTable table) {
    this.dataSource = table.dataSource();
    this.selectSql = table.selectSql();
    this.upsertSql = table.upsertSql();
  }

  /** Reads with a plain {@code SELECT}; shared with {@link GroupCommitJdbcTarget}. */
  static @Nullable String select(DataSource dataSource, String selectSql, String key) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(selectSql)) {
      ps.setString(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    } catch (SQLException e) {
      throw new IllegalStateException("read of " + key + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public @Nullable String read(String key) {
    return select(dataSource, selectSql, key);
  }

  @Override
  public void write(String key, String value) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement(upsertSql)) {
      ps.setString(1, key);
      ps.setString(2, value);
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new IllegalStateException("upsert of " + key + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {}
}
