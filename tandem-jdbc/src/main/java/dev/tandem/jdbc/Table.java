package dev.tandem.jdbc;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The resolved, quoted names a {@link JdbcStore} writes into its SQL. Every name here was found in
 * the database catalog and quoted; no user text reaches SQL any other way.
 *
 * @param display the table as {@code schema.table}, unquoted, for messages and the change log
 * @param name the quoted, schema-qualified table
 * @param keyColumn the quoted key column
 * @param keyType the Java type of keys
 * @param valueColumns the quoted value columns, in {@link RowMapper#columns()} order
 * @param valueParameters the parameter expression of each value column: {@code ?}, or a cast for
 *     types the driver cannot bind from a string (JSON)
 * @param valueTypes the database's name of each value column's type, as the catalog gives it
 * @param versionColumn the quoted version column
 * @param sequence the quoted, schema-qualified version sequence
 * @param changeLog the quoted, schema-qualified change-log table, or null
 */
record Table(
    String display,
    String name,
    String keyColumn,
    Class<?> keyType,
    List<String> valueColumns,
    List<String> valueParameters,
    List<String> valueTypes,
    String versionColumn,
    String sequence,
    @Nullable String changeLog) {

  /** Returns the value columns followed by the version column, comma-separated. */
  String selectList() {
    return String.join(", ", valueColumns) + ", " + versionColumn;
  }
}
