package dev.tandem.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 16, item 6: a key class that does not fit the key column's SQL type (a {@code String} store
 * over a bigint column, a {@code Long} store over an integer column) was accepted, and keys were
 * then converted by the database, compared as other values or failed only at the first statement.
 * {@code build()} refuses it, naming the column, its SQL type and the class.
 */
class KeyColumnTypeIT {

  private static <K> JdbcStore.Builder<K, String> builder(
      TestDatabase db, String table, Class<K> keyType) {
    return JdbcStore.<K, String>builder()
        .dataSource(db.dataSource())
        .table(table)
        .keyColumn("id", keyType)
        .rowMapper(RowMapper.text("name"));
  }

  private static String table(TestDatabase db, String keySqlType) {
    String table = TestDatabase.uniqueName("keyed");
    db.execute("CREATE TABLE " + table + " (id " + keySqlType + " PRIMARY KEY, name VARCHAR(10))");
    JdbcSchema.addVersionColumn(db.dataSource(), table, "tandem_version");
    return table;
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void aKeyClassThatDoesNotFitTheColumnIsRefusedNamingColumnTypeAndClass(TestDatabase db) {
    String bigint = table(db, "BIGINT");
    String integer = table(db, "INTEGER");
    String varchar = table(db, "VARCHAR(36)");
    String fixed = table(db, "CHAR(5)");

    assertThatThrownBy(() -> builder(db, bigint, String.class).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keyColumn: column " + (db == TestDatabase.H2 ? "ID" : "id"))
        .hasMessageContaining("SQL type " + (db == TestDatabase.POSTGRESQL ? "int8" : "bigint"))
        .hasMessageContaining("java.lang.String");
    assertThatThrownBy(() -> builder(db, integer, Long.class).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("java.lang.Long");
    assertThatThrownBy(() -> builder(db, bigint, Integer.class).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("java.lang.Integer");
    assertThatThrownBy(() -> builder(db, varchar, UUID.class).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("java.util.UUID");
    assertThatThrownBy(() -> builder(db, fixed, String.class).build())
        .as("char pads keys with spaces")
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("java.lang.String");
  }

  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void keyClassesThatFitTheirColumnsAreAccepted(TestDatabase db) {
    assertThat(builder(db, table(db, "BIGINT"), Long.class).build().keyType())
        .isEqualTo(Long.class);
    assertThat(builder(db, table(db, "INTEGER"), Integer.class).build().keyType())
        .isEqualTo(Integer.class);
    assertThat(builder(db, table(db, "VARCHAR(36)"), String.class).build().keyType())
        .isEqualTo(String.class);
    assertThat(builder(db, table(db, "UUID"), UUID.class).build().keyType()).isEqualTo(UUID.class);
    if (db == TestDatabase.POSTGRESQL) {
      assertThat(builder(db, table(db, "TEXT"), String.class).build().keyType())
          .isEqualTo(String.class);
    }
  }
}
