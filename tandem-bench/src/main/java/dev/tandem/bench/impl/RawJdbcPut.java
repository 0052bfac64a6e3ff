package dev.tandem.bench.impl;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * The baseline: what an application without a cache does, one upsert statement per write on a plain
 * key-value table ({@code INSERT ... ON CONFLICT DO UPDATE} on PostgreSQL, {@code MERGE} on H2),
 * with auto-commit (the statement commits itself) or in an explicit transaction.
 */
final class RawJdbcPut implements PutTarget {

  private final HikariDataSource pool;
  private final String upsert;
  private final boolean autoCommit;

  RawJdbcPut(BenchDatabase db, boolean autoCommit) {
    this.autoCommit = autoCommit;
    String table = db.newTableName("raw_put");
    db.execute("CREATE TABLE " + table + " (k VARCHAR(64) PRIMARY KEY, v VARCHAR(256) NOT NULL)");
    this.upsert =
        db.isPostgres()
            ? "INSERT INTO "
                + table
                + " (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v"
            : "MERGE INTO " + table + " (k, v) KEY (k) VALUES (?, ?)";
    this.pool = db.pool(2);
  }

  @Override
  public void put(String key, String value) {
    try (Connection c = pool.getConnection()) {
      if (!autoCommit) {
        c.setAutoCommit(false);
      }
      try (PreparedStatement ps = c.prepareStatement(upsert)) {
        ps.setString(1, key);
        ps.setString(2, value);
        ps.executeUpdate();
      }
      if (!autoCommit) {
        c.commit();
        c.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw new IllegalStateException("upsert of " + key + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    pool.close();
  }
}
