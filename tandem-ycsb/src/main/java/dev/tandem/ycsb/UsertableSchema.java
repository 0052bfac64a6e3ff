package dev.tandem.ycsb;

import dev.tandem.jdbc.JdbcSchema;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * YCSB's table as both bindings use it: {@code ycsb_key} (the primary key) and one text column per
 * field, {@code field0} to {@code fieldN}, plus Tandem's version column and sequence. A record is
 * stored as columns, the way YCSB's JDBC binding stores it, so that the baseline's {@code UPDATE}
 * of one field is the statement an application without a cache would run.
 */
final class UsertableSchema {

  /** The key column. */
  static final String KEY = "ycsb_key";

  private UsertableSchema() {}

  /** Creates the table if it is missing, after dropping it if {@code recreate}. */
  static void prepare(DataSource dataSource, YcsbSettings settings, boolean recreate)
      throws SQLException {
    String table = settings.table();
    String text = settings.postgres() || settings.mariadb() ? "TEXT" : "CHARACTER VARYING";
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      if (recreate) {
        s.execute("DROP TABLE IF EXISTS " + table);
        s.execute("DROP SEQUENCE IF EXISTS " + table + "_tandem_seq");
      }
      StringBuilder create =
          new StringBuilder(
              "CREATE TABLE IF NOT EXISTS " + table + " (" + KEY + " VARCHAR(255) PRIMARY KEY");
      for (String field : settings.fields()) {
        create.append(", ").append(field).append(' ').append(text);
      }
      s.execute(create.append(')').toString());
    }
    JdbcSchema.addVersionColumn(dataSource, table, "tandem_version");
  }

  /** Returns the query of up to {@code count} keys from a start key on, in key order. */
  static String scanKeysSql(YcsbSettings settings, int count) {
    return "SELECT "
        + KEY
        + " FROM "
        + settings.table()
        + " WHERE "
        + KEY
        + " >= ? ORDER BY "
        + KEY
        + " LIMIT "
        + Math.max(0, count);
  }
}
