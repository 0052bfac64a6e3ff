package dev.tandem.redis;

import dev.tandem.jdbc.JdbcSchema;
import dev.tandem.jdbc.JdbcStore;
import dev.tandem.testkit.server.H2Database;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/** Test fixture: the table {@code kv (k VARCHAR(20), v BIGINT)} in H2 and a store over it. */
final class KvTable {

  private KvTable() {}

  /** Creates the table if it is missing (with its version column) and returns a store over it. */
  static JdbcStore<String, Long> store(H2Database h2) throws SQLException {
    DataSource ds = h2.dataSource();
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS kv (k VARCHAR(20) PRIMARY KEY, v BIGINT NOT NULL)");
    }
    JdbcSchema.addVersionColumn(ds, "kv", "tandem_version");
    return JdbcStore.<String, Long>builder()
        .dataSource(ds)
        .table("kv")
        .keyColumn("k", String.class)
        .rowMapper(new LongColumn("v"))
        .build();
  }
}
