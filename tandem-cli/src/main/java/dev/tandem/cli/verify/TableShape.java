package dev.tandem.cli.verify;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * A table as the catalog stores it: its exact schema and name, its columns and its primary key.
 * Names given by the user are looked up as written, then folded to upper and to lower case, the way
 * unquoted SQL names are.
 *
 * @param schema the schema, as stored
 * @param name the table name, as stored
 * @param columns the columns in table order
 * @param primaryKey the primary key's columns, in key order
 * @param backticks whether names are quoted with backticks (MariaDB), else double quotes
 */
record TableShape(
    String schema, String name, List<Column> columns, List<String> primaryKey, boolean backticks) {

  /**
   * A column.
   *
   * @param name the name, as stored
   * @param jdbcType the {@link Types} constant
   * @param typeName the database's name of the type
   */
  record Column(String name, int jdbcType, String typeName) {}

  /**
   * Looks {@code table} ({@code name} or {@code schema.name}) up in the connection's current schema
   * or the given one.
   *
   * @throws IllegalArgumentException if there is no such table
   */
  static TableShape of(Connection c, String table) throws SQLException {
    DatabaseMetaData meta = c.getMetaData();
    boolean mariadb =
        "MariaDB".equals(meta.getDatabaseProductName()); // a MariaDB database is a catalog
    int dot = table.indexOf('.');
    // null: no current schema
    @Nullable String wantedSchema =
        dot < 0 ? (mariadb ? c.getCatalog() : c.getSchema()) : table.substring(0, dot);
    String wantedName = dot < 0 ? table : table.substring(dot + 1);
    List<@Nullable String> schemas = new ArrayList<>();
    if (wantedSchema == null) {
      schemas.add(null);
    } else {
      schemas.addAll(spellings(wantedSchema));
    }
    for (@Nullable String schema : schemas) {
      for (String name : spellings(wantedName)) {
        try (ResultSet rs =
            meta.getTables(
                mariadb ? schema : null, null, null, new String[] {"TABLE", "BASE TABLE"})) {
          while (rs.next()) {
            String found = rs.getString(mariadb ? "TABLE_CAT" : "TABLE_SCHEM");
            if (name.equals(rs.getString("TABLE_NAME"))
                && (schema == null || schema.equals(found))) {
              return new TableShape(
                  found,
                  name,
                  columns(meta, found, name, mariadb),
                  primaryKey(meta, found, name, mariadb),
                  mariadb);
            }
          }
        }
      }
    }
    throw new IllegalArgumentException(
        "no table " + table + (dot < 0 ? " in schema " + wantedSchema : ""));
  }

  /** Returns the column named {@code wanted} (as written, or folded), or null. */
  @Nullable Column column(String wanted) {
    for (String spelling : spellings(wanted)) {
      for (Column column : columns) {
        if (column.name().equals(spelling)) {
          return column;
        }
      }
    }
    return null;
  }

  /** Returns the table name quoted and schema-qualified, for SQL. */
  String quoted() {
    return quoteIdentifier(schema) + "." + quoteIdentifier(name);
  }

  /**
   * Returns {@code identifier} quoted for this table's database: in backticks on MariaDB, else in
   * double quotes.
   */
  String quoteIdentifier(String identifier) {
    return backticks ? "`" + identifier.replace("`", "``") + "`" : quote(identifier);
  }

  /** Returns {@code identifier} in double quotes. */
  static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  /**
   * Returns the Java type Tandem uses for keys of {@code column}: Long, Integer, UUID or String.
   *
   * @throws IllegalArgumentException if the column's type is none of these
   */
  static Class<?> keyType(Column column) {
    switch (column.jdbcType()) {
      case Types.BIGINT:
        return Long.class;
      case Types.INTEGER:
      case Types.SMALLINT:
      case Types.TINYINT:
        return Integer.class;
      case Types.CHAR:
      case Types.VARCHAR:
      case Types.LONGVARCHAR:
      case Types.NCHAR:
      case Types.NVARCHAR:
      case Types.LONGNVARCHAR:
        return String.class;
      default:
        if (column.typeName().toLowerCase(Locale.ROOT).equals("uuid")) {
          return UUID.class;
        }
        if (column.typeName().toLowerCase(Locale.ROOT).contains("char")
            || column.typeName().equalsIgnoreCase("text")) {
          return String.class;
        }
        throw new IllegalArgumentException(
            "the key column "
                + column.name()
                + " is of type "
                + column.typeName()
                + ", but Tandem keys are text, bigint, integer or uuid");
    }
  }

  private static List<Column> columns(
      DatabaseMetaData meta, String schema, String table, boolean mariadb) throws SQLException {
    List<Column> columns = new ArrayList<>();
    try (ResultSet rs =
        mariadb
            ? meta.getColumns(schema, null, table, null)
            : meta.getColumns(null, schema, table, null)) {
      while (rs.next()) {
        if (schema.equals(rs.getString(mariadb ? "TABLE_CAT" : "TABLE_SCHEM"))
            && table.equals(rs.getString("TABLE_NAME"))) {
          columns.add(
              new Column(
                  rs.getString("COLUMN_NAME"), rs.getInt("DATA_TYPE"), rs.getString("TYPE_NAME")));
        }
      }
    }
    return List.copyOf(columns);
  }

  private static List<String> primaryKey(
      DatabaseMetaData meta, String schema, String table, boolean mariadb) throws SQLException {
    List<String> names = new ArrayList<>();
    List<Integer> positions = new ArrayList<>();
    try (ResultSet rs =
        mariadb
            ? meta.getPrimaryKeys(schema, null, table)
            : meta.getPrimaryKeys(null, schema, table)) {
      while (rs.next()) {
        names.add(rs.getString("COLUMN_NAME"));
        positions.add(rs.getInt("KEY_SEQ"));
      }
    }
    String[] ordered = new String[names.size()];
    for (int i = 0; i < names.size(); i++) {
      ordered[Math.max(0, Math.min(ordered.length - 1, positions.get(i) - 1))] = names.get(i);
    }
    return List.of(ordered);
  }

  /** The name as written, upper-cased and lower-cased, without repeats. */
  private static Set<String> spellings(String name) {
    return new LinkedHashSet<>(
        List.of(name, name.toUpperCase(Locale.ROOT), name.toLowerCase(Locale.ROOT)));
  }
}
