package dev.tandem.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.cli.CliRun;
import dev.tandem.testkit.server.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** {@code tandem demo --jdbc-url} on a real PostgreSQL server. */
class DemoPostgresIT {

  private static final AtomicInteger DATABASES = new AtomicInteger();

  private final PostgresServer server = PostgresServer.shared();

  @Test
  void createsTheSchemaInAnEmptyDatabaseAndRunsTwice() throws SQLException {
    String name = "demo_" + DATABASES.incrementAndGet();
    DataSource database = server.createDatabase(name);
    Flight original = FlightsData.generate().flights().get(115 - 1);

    CliRun first = CliRun.of("demo", "--jdbc-url", server.jdbcUrl(name));
    CliRun second = CliRun.of("demo", "--jdbc-url", server.jdbcUrl(name), "--verbose");

    assertThat(first.exitCode()).as(first.toString()).isZero();
    assertThat(first.out())
        .contains("First run", "PostgreSQL", "CACHE_MISS", "CACHE_HIT", "CONSISTENT")
        .doesNotContain("INCONSISTENT");
    assertThat(second.exitCode()).as(second.toString()).isZero();
    assertThat(second.out())
        .doesNotContain("First run")
        .contains("CONSISTENT")
        .doesNotContain("INCONSISTENT");
    assertThat(second.out()).as("the URL's parameters are not echoed").doesNotContain("?user=");
    assertThat(count(database, "flight_log")).isEqualTo(4);
    try (Connection c = database.getConnection();
        Statement s = c.createStatement();
        ResultSet row = s.executeQuery(FlightQueries.ROW_SQL.replace("?", "115"))) {
      assertThat(row.next()).isTrue();
      assertThat(FlightMapper.readFlight(row)).isEqualTo(original);
    }
  }

  @Test
  void refusesADatabaseWithOnlySomeOfTheDemoTables() throws SQLException {
    String name = "demo_" + DATABASES.incrementAndGet();
    DataSource database = server.createDatabase(name);
    try (Connection c = database.getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE flight (flight_id BIGINT PRIMARY KEY)");
    }

    CliRun run = CliRun.of("demo", "--jdbc-url", server.jdbcUrl(name));

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
    assertThat(run.errLines())
        .singleElement()
        .asString()
        .startsWith(
            "tandem demo: the database has the tables [flight] but not all of [airport, airline, flight, flight_log]");
  }

  @Test
  void anUnreachableDatabaseIsAOneLineError() {
    CliRun run =
        CliRun.of("demo", "--jdbc-url", "jdbc:postgresql://localhost:1/none?connectTimeout=2");

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
    assertThat(run.errLines())
        .singleElement()
        .asString()
        .startsWith("tandem demo: cannot open the database jdbc:postgresql://localhost:1/none");
  }

  private static long count(DataSource database, String table) throws SQLException {
    try (Connection c = database.getConnection();
        Statement s = c.createStatement();
        ResultSet row = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
      row.next();
      return row.getLong(1);
    }
  }
}
