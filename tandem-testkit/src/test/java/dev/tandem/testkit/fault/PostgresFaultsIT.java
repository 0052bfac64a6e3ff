package dev.tandem.testkit.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.testkit.server.PostgresServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Faults injected into a real PostgreSQL server. */
class PostgresFaultsIT {

  private DataSource ds;
  private DataSource admin;
  private String database;

  @BeforeEach
  void createDatabase() throws SQLException {
    PostgresServer server = PostgresServer.shared();
    ds = server.dataSource();
    admin = server.dataSourceOf("postgres");
    try (Connection c = ds.getConnection()) {
      database = c.getCatalog();
    }
    execute(ds, "CREATE TABLE t (id INT PRIMARY KEY, v BIGINT NOT NULL)");
  }

  @Test
  void terminateBackendsEndsTheDatabasesConnectionsOnly() throws SQLException {
    List<Connection> connections = new ArrayList<>();
    try (Connection elsewhere = admin.getConnection()) {
      for (int i = 0; i < 3; i++) {
        connections.add(ds.getConnection());
      }
      assertThat(PostgresFaults.terminateBackends(admin, database)).isEqualTo(3);
      for (Connection c : connections) {
        assertThatThrownBy(() -> query(c, "SELECT 1"))
            .isInstanceOf(SQLException.class)
            .satisfies(
                e -> assertThat(((SQLException) e).getSQLState()).isIn("57P01", "08006", "08003"));
      }
      assertThat(query(elsewhere, "SELECT 'alive'")).isEqualTo("alive");
    } finally {
      for (Connection c : connections) {
        c.close();
      }
    }
  }

  @Test
  void terminateBackendsInAStateEndsOnlyThose() throws SQLException {
    try (Connection inTransaction = ds.getConnection();
        Connection idle = ds.getConnection()) {
      inTransaction.setAutoCommit(false);
      execute(inTransaction, "INSERT INTO t VALUES (1, 1)");
      assertThat(PostgresFaults.terminateBackends(admin, database, "idle in transaction"))
          .isEqualTo(1);
      assertThatThrownBy(inTransaction::commit).isInstanceOf(SQLException.class);
      assertThat(query(idle, "SELECT count(*) FROM t")).isEqualTo("0");
    }
  }

  @Test
  void aFailingTriggerRejectsTheRowsOfItsConditionOnly() throws SQLException {
    assertThat(PostgresFaults.failingTrigger(ds, "t", "NEW.v % 97 = 0")).isEqualTo("tandem_fault");
    execute(ds, "INSERT INTO t VALUES (1, 96)");
    assertThatThrownBy(() -> execute(ds, "INSERT INTO t VALUES (2, 97)"))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("failing trigger on t rejected")
        .hasMessageContaining("\"v\":97")
        .satisfies(
            e ->
                assertThat(((SQLException) e).getSQLState())
                    .isEqualTo(PostgresFaults.TRIGGER_SQL_STATE));
    assertThatThrownBy(() -> execute(ds, "UPDATE t SET v = 194 WHERE id = 1"))
        .isInstanceOf(SQLException.class);
    assertThatThrownBy(
            () ->
                execute(
                    ds,
                    "INSERT INTO t VALUES (1, 291) ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v"))
        .isInstanceOf(SQLException.class);
    assertThat(query(ds, "SELECT string_agg(id || '=' || v, ',') FROM t")).isEqualTo("1=96");

    PostgresFaults.failingTrigger(ds, "t", "NEW.v = 5", "40001");
    assertThatThrownBy(() -> execute(ds, "INSERT INTO t VALUES (3, 5)"))
        .isInstanceOf(SQLException.class)
        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("40001"));
    execute(ds, "INSERT INTO t VALUES (2, 97)"); // the replaced trigger no longer rejects 97

    PostgresFaults.dropFailingTrigger(ds, "t");
    PostgresFaults.dropFailingTrigger(ds, "t");
    execute(ds, "INSERT INTO t VALUES (3, 5)");
    assertThat(query(ds, "SELECT count(*) FROM t")).isEqualTo("3");
  }

  @Test
  void badArgumentsAreRejectedBeforeAnySql() {
    assertThatThrownBy(() -> PostgresFaults.failingTrigger(ds, "t; DROP TABLE t", "true"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("table");
    assertThatThrownBy(() -> PostgresFaults.failingTrigger(ds, "t", " "))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PostgresFaults.failingTrigger(ds, "t", "true", "4000"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sqlState");
    assertThatThrownBy(() -> PostgresFaults.lockRows(ds, "a.b.c", "true"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PostgresFaults.terminateBackends(null, database))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("admin");
  }

  @Test
  void lockedRowsMakeWritersOfThoseRowsTimeOutUntilReleased() throws SQLException {
    execute(ds, "INSERT INTO t VALUES (1, 1), (2, 2)");
    try (Connection writer = ds.getConnection()) {
      execute(writer, "SET lock_timeout = '50ms'");
      try (HeldLocks held = PostgresFaults.lockRows(ds, "t", "id = 1")) {
        assertThat(held.rows()).isEqualTo(1);
        assertThatThrownBy(() -> execute(writer, "UPDATE t SET v = 10 WHERE id = 1"))
            .isInstanceOf(SQLException.class)
            .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("55P03"));
        execute(writer, "UPDATE t SET v = 20 WHERE id = 2");
      }
      execute(writer, "UPDATE t SET v = 10 WHERE id = 1");
    }
    assertThat(query(ds, "SELECT string_agg(id || '=' || v, ',' ORDER BY id) FROM t"))
        .isEqualTo("1=10,2=20");
  }

  private static String query(DataSource source, String sql) throws SQLException {
    try (Connection c = source.getConnection()) {
      return query(c, sql);
    }
  }

  private static String query(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static void execute(DataSource source, String sql) throws SQLException {
    try (Connection c = source.getConnection()) {
      execute(c, sql);
    }
  }

  private static void execute(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }
}
