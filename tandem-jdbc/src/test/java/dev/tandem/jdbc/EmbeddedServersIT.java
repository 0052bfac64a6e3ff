package dev.tandem.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.testkit.server.H2Database;
import dev.tandem.testkit.server.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** The embedded servers of the testkit start in the test JVM and answer queries. */
class EmbeddedServersIT {

  @Test
  void sharedPostgresIsVersion17AndHandsOutFreshDatabases() throws SQLException {
    PostgresServer server = PostgresServer.shared();
    assertThat(PostgresServer.shared()).isSameAs(server);
    assertThat(query(server.dataSourceOf("postgres"), "select version()"))
        .startsWith("PostgreSQL 17.");

    DataSource first = server.dataSource();
    DataSource second = server.dataSource();
    assertThat(query(first, "select current_database()"))
        .isNotEqualTo(query(second, "select current_database()"));
    execute(first, "create table only_here (id int)");
    assertThatThrownBy(() -> execute(second, "select * from only_here"))
        .isInstanceOf(SQLException.class);
    assertThat(server.pid()).isPositive();
  }

  @Test
  void privateServerKeepsCommittedDataAcrossRestart() throws SQLException {
    try (PostgresServer server = PostgresServer.start()) {
      DataSource ds = server.createDatabase("restart_me");
      execute(ds, "create table t (v text); insert into t values ('kept')");
      long pidBefore = server.pid();
      int portBefore = server.port();

      server.restart();

      assertThat(server.port()).isEqualTo(portBefore);
      assertThat(server.pid()).isNotEqualTo(pidBefore);
      assertThat(query(ds, "select v from t")).isEqualTo("kept");
    }
  }

  @Test
  void h2DatabasesAreSeparateAndDiscardedOnClose() throws SQLException {
    try (H2Database one = H2Database.inMemory();
        H2Database two = H2Database.inMemory()) {
      execute(one.dataSource(), "create table only_here (id int)");
      assertThat(query(one.dataSource(), "select count(*) from only_here")).isEqualTo("0");
      assertThatThrownBy(() -> execute(two.dataSource(), "select * from only_here"))
          .isInstanceOf(SQLException.class);
    }
  }

  private static String query(DataSource ds, String sql) throws SQLException {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      assertThat(rs.next()).isTrue();
      return rs.getString(1);
    }
  }

  private static void execute(DataSource ds, String sql) throws SQLException {
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
