package dev.tandem.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testkit.server.PostgresServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 16, items 4 and 6: {@link JdbcStore#identity()} names what the store holds (database,
 * schema, table as the database stores them), alike on every node that reaches the table, however
 * it connects; a shared cache tier binds its key space to it. {@link JdbcStore#keyType()} is the
 * class the engine checks keys against.
 */
class StoreIdentityIT {

  private static JdbcStore<String, String> store(DataSource ds, String table) {
    return KeyValue.store(ds, table);
  }

  private static String database(DataSource ds) throws SQLException {
    try (Connection c = ds.getConnection()) {
      return c.getCatalog();
    }
  }

  /**
   * Two URLs (host name and address) reach the same table: one identity; schema-qualified or not:
   * the same.
   */
  @Test
  void everyWayOfReachingAPostgresTableGivesOneIdentity() throws SQLException {
    PostgresServer server = PostgresServer.shared();
    DataSource ds = server.dataSource();
    String database = database(ds);
    JdbcSchema.createKeyValueTable(ds, "kv", ValueType.TEXT);
    JdbcSchema.createKeyValueTable(ds, "other", ValueType.TEXT);
    String byAddress =
        "jdbc:postgresql://127.0.0.1:"
            + server.port()
            + "/"
            + database
            + "?user="
            + PostgresServer.USER;

    try (JdbcStore<String, String> byUrl =
        JdbcStore.<String, String>builder()
            .jdbcUrl(byAddress, null, null)
            .table("KV")
            .keyColumn("key", String.class)
            .rowMapper(RowMapper.text("value"))
            .build()) {
      assertThat(store(ds, "kv").identity()).isEqualTo(database + ".public.kv");
      assertThat(byUrl.identity()).isEqualTo(database + ".public.kv");
      assertThat(store(ds, "public.kv").identity()).isEqualTo(database + ".public.kv");
      assertThat(store(ds, "other").identity()).isEqualTo(database + ".public.other");
    }

    DataSource another =
        server.dataSource(); // same table name in another database: another identity
    JdbcSchema.createKeyValueTable(another, "kv", ValueType.TEXT);
    assertThat(store(another, "kv").identity())
        .isEqualTo(database(another) + ".public.kv")
        .isNotEqualTo(store(ds, "kv").identity());
  }

  /** H2 folds unquoted names to upper case: the identity uses the stored spelling. */
  @Test
  void anH2TableIsIdentifiedByItsStoredNames() throws SQLException {
    DataSource ds = TestDatabase.H2.createDataSource();
    JdbcSchema.createKeyValueTable(ds, "kv", ValueType.TEXT);
    String catalog = database(ds);
    assertThat(store(ds, "kv").identity()).isEqualTo(catalog + ".PUBLIC.KV");
    assertThat(store(ds, "public.kv").identity()).isEqualTo(catalog + ".PUBLIC.KV");
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void theKeyTypeIsTheClassGivenToKeyColumn(TestDatabase db) {
    String table = TestDatabase.uniqueName("gate");
    db.execute("CREATE TABLE " + table + " (id UUID PRIMARY KEY, name VARCHAR(10) NOT NULL)");
    JdbcSchema.addVersionColumn(db.dataSource(), table, "tandem_version");
    JdbcStore<UUID, String> gates =
        JdbcStore.<UUID, String>builder()
            .dataSource(db.dataSource())
            .table(table)
            .keyColumn("id", UUID.class)
            .rowMapper(RowMapper.text("name"))
            .build();
    assertThat(gates.keyType()).isEqualTo(UUID.class);
    assertThat(store(db.dataSource(), createKeyValue(db)).keyType()).isEqualTo(String.class);
  }

  private static String createKeyValue(TestDatabase db) {
    String table = TestDatabase.uniqueName("kv");
    JdbcSchema.createKeyValueTable(db.dataSource(), table, ValueType.TEXT);
    return table;
  }
}
