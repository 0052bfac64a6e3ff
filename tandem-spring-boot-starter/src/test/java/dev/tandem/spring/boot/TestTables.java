package dev.tandem.spring.boot;

import dev.tandem.jdbc.JdbcSchema;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.jspecify.annotations.Nullable;

/** A fresh in-memory H2 database per application context, with the tables the tests cache. */
final class TestTables {

  private static final AtomicInteger DATABASES = new AtomicInteger();

  private TestTables() {}

  /**
   * Returns a data source of a new database holding {@code flight}, {@code fare} and {@code
   * airport}. Its connections only open the database while it exists: after {@code SHUTDOWN} they
   * fail, as they would with a database server gone.
   */
  static DataSource database() {
    String url = "jdbc:h2:mem:starter" + DATABASES.incrementAndGet() + ";DB_CLOSE_DELAY=-1";
    JdbcDataSource h2 = new JdbcDataSource();
    h2.setURL(url);
    for (String table : new String[] {"flight", "fare"}) {
      execute(
          h2,
          "CREATE TABLE "
              + table
              + " (flight_id BIGINT PRIMARY KEY, origin VARCHAR(3) NOT NULL,"
              + " delay_minutes INT NOT NULL)");
      JdbcSchema.addVersionColumn(h2, table, "tandem_version");
    }
    execute(h2, "CREATE TABLE airport (code VARCHAR(3) PRIMARY KEY, city VARCHAR(64) NOT NULL)");
    JdbcSchema.addVersionColumn(h2, "airport", "tandem_version");
    execute(
        h2,
        "CREATE TABLE bad_flight (flight_id BIGINT PRIMARY KEY, origin VARCHAR(3), delay VARCHAR(8))");
    JdbcSchema.addVersionColumn(h2, "bad_flight", "tandem_version");
    JdbcDataSource existing = new JdbcDataSource();
    existing.setURL(url + ";IFEXISTS=TRUE");
    return existing;
  }

  static void execute(DataSource db, String sql, Object... parameters) {
    try (Connection c = db.getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        ps.setObject(i + 1, parameters[i]);
      }
      ps.execute();
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  /** Returns the flight row {@code id} as the database has it, or null. */
  static @Nullable Flight flight(DataSource db, String table, long id) {
    try (Connection c = db.getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT origin, delay_minutes FROM " + table + " WHERE flight_id = " + id)) {
      return rs.next() ? new Flight(rs.getString(1), rs.getInt(2)) : null;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Returns the version column of the flight row {@code id}. */
  static long version(DataSource db, String table, long id) {
    try (Connection c = db.getConnection();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT tandem_version FROM " + table + " WHERE flight_id = " + id)) {
      return rs.next() ? rs.getLong(1) : 0;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
