package dev.tandem.jdbc;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * What the database's catalog says about the names a user gave: the actual (stored) spelling of
 * tables, columns and sequences, column types and unique keys.
 *
 * <p>A name is matched exactly first, then as the database folds unquoted names (upper case in H2,
 * lower case in PostgreSQL and MariaDB), so {@code table("flight")} finds H2's {@code FLIGHT}. The
 * found spelling is then always quoted (with backticks in MariaDB, whose double quotes are string
 * quotes unless {@code ANSI_QUOTES} is on).
 *
 * <p>MariaDB has no schemas inside a database: a "schema" here is a MariaDB database, which its
 * driver reports as the catalog ({@code TABLE_CAT}), so the catalog calls pass it there.
 */
final class Catalog {

  /** A table as stored: its schema (MariaDB: its database) and name. */
  record TableName(String schema, String name, char quote) {
    String quoted() {
      return QualifiedName.quote(schema, quote) + "." + QualifiedName.quote(name, quote);
    }

    @Override
    public String toString() {
      return schema + "." + name;
    }
  }

  /** A column as stored, with its JDBC type and the database's type name. */
  record Column(String name, int jdbcType, String typeName) {
    boolean isInteger() {
      return jdbcType == Types.BIGINT || jdbcType == Types.INTEGER;
    }

    /**
     * Whether keys of {@code keyType} are stored in this column as they are and read back equal:
     * {@code Long} in bigint, {@code Integer} in integer (or a smaller integer), {@code String} in
     * text or varchar (not char, which pads with spaces), {@code UUID} in uuid.
     */
    boolean holdsKeysOf(Class<?> keyType) {
      if (keyType == Long.class) {
        return jdbcType == Types.BIGINT;
      } else if (keyType == Integer.class) {
        return jdbcType == Types.INTEGER || jdbcType == Types.SMALLINT || jdbcType == Types.TINYINT;
      } else if (keyType == String.class) {
        return jdbcType == Types.VARCHAR
            || jdbcType == Types.LONGVARCHAR
            || jdbcType == Types.NVARCHAR
            || jdbcType == Types.LONGNVARCHAR;
      }
      return keyType == UUID.class && typeName.equals("uuid");
    }
  }

  private final Connection connection;
  private final DatabaseMetaData metaData;
  private final Dialect.Kind kind;
  private final String escape;

  Catalog(Connection connection) throws SQLException {
    this.connection = connection;
    this.metaData = connection.getMetaData();
    this.kind = Dialect.Kind.of(metaData);
    String e = metaData.getSearchStringEscape();
    this.escape = e == null ? "" : e;
  }

  Dialect.Kind kind() {
    return kind;
  }

  /** Quotes one identifier for this database. */
  String quote(String identifier) {
    return QualifiedName.quote(identifier, quoteChar());
  }

  private char quoteChar() {
    return kind == Dialect.Kind.MARIADB ? '`' : '"';
  }

  private boolean schemaIsCatalog() {
    return kind == Dialect.Kind.MARIADB;
  }

  /** The catalog argument of a metadata call for {@code schema}. */
  private @Nullable String catalogOf(String schema) {
    return schemaIsCatalog() ? schema : null;
  }

  /** The schema argument of a metadata call for {@code schema}. */
  private @Nullable String schemaOf(String schema) {
    return schemaIsCatalog() ? null : schema;
  }

  /** The schema of a metadata row. */
  private @Nullable String schemaIn(ResultSet rs) throws SQLException {
    return rs.getString(schemaIsCatalog() ? "TABLE_CAT" : "TABLE_SCHEM");
  }

  /** Returns {@code identifier} as the database stores it when written unquoted. */
  String fold(String identifier) {
    return kind == Dialect.Kind.H2
        ? identifier.toUpperCase(Locale.ROOT)
        : identifier.toLowerCase(Locale.ROOT);
  }

  /**
   * Returns the name of the database the connection is in, as the server knows it (PostgreSQL's
   * {@code current_database()}, H2's catalog), not as the URL spells it.
   */
  String database() throws SQLException {
    if (kind != Dialect.Kind.H2) {
      try (PreparedStatement ps =
              connection.prepareStatement(
                  kind == Dialect.Kind.POSTGRESQL
                      ? "SELECT current_database()"
                      : "SELECT DATABASE()");
          ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    }
    String catalog = connection.getCatalog();
    if (catalog == null) {
      throw new IllegalStateException("the connection names no database (catalog)");
    }
    return catalog;
  }

  /** Returns the schema of names written without one. */
  String defaultSchema() throws SQLException {
    String schema = schemaIsCatalog() ? connection.getCatalog() : connection.getSchema();
    if (schema == null) {
      throw new IllegalStateException(
          "the connection has no current schema; qualify the table name");
    }
    return schema;
  }

  /** Finds a table, or returns null if there is none by that name. */
  @Nullable TableName findTable(QualifiedName wanted) throws SQLException {
    List<String> schemas =
        wanted.schema() == null ? List.of(defaultSchema()) : spellings(wanted.schema());
    for (String schema : schemas) {
      for (String name : spellings(wanted.name())) {
        try (ResultSet rs =
            metaData.getTables(catalogOf(schema), schemaOf(pattern(schema)), pattern(name), null)) {
          while (rs.next()) {
            if (name.equals(rs.getString("TABLE_NAME")) && schema.equals(schemaIn(rs))) {
              return new TableName(schema, name, quoteChar());
            }
          }
        }
      }
    }
    return null;
  }

  /** Finds a table, or fails naming the setting. */
  TableName table(QualifiedName wanted, String setting) throws SQLException {
    TableName table = findTable(wanted);
    if (table == null) {
      throw new IllegalArgumentException(
          setting
              + ": no table "
              + wanted.name()
              + (wanted.schema() != null ? " in schema " + wanted.schema() : ""));
    }
    return table;
  }

  /** Returns the columns of {@code table} by stored name, in table order. */
  Map<String, Column> columns(TableName table) throws SQLException {
    Map<String, Column> columns = new LinkedHashMap<>();
    try (ResultSet rs =
        metaData.getColumns(
            catalogOf(table.schema()),
            schemaOf(pattern(table.schema())),
            pattern(table.name()),
            "%")) {
      while (rs.next()) {
        if (table.name().equals(rs.getString("TABLE_NAME"))
            && table.schema().equals(schemaIn(rs))) {
          String name = rs.getString("COLUMN_NAME");
          columns.put(
              name,
              new Column(
                  name,
                  rs.getInt("DATA_TYPE"),
                  rs.getString("TYPE_NAME").toLowerCase(Locale.ROOT)));
        }
      }
    }
    return columns;
  }

  /** Finds a column among {@code columns}, or returns null. */
  @Nullable Column findColumn(Map<String, Column> columns, String wanted) {
    for (String name : spellings(wanted)) {
      Column c = columns.get(name);
      if (c != null) {
        return c;
      }
    }
    return null;
  }

  /** Finds a column, or fails naming the setting and the table. */
  Column column(TableName table, Map<String, Column> columns, String wanted, String setting) {
    Column c = findColumn(columns, wanted);
    if (c == null) {
      throw new IllegalArgumentException(
          setting
              + ": table "
              + table
              + " has no column "
              + wanted
              + " (it has "
              + columns.keySet()
              + ")");
    }
    return c;
  }

  /** Returns whether {@code column} alone is the primary key or a unique index of {@code table}. */
  boolean isUniqueKey(TableName table, String column) throws SQLException {
    List<String> primaryKey = new ArrayList<>();
    try (ResultSet rs =
        metaData.getPrimaryKeys(
            catalogOf(table.schema()), schemaOf(table.schema()), table.name())) {
      while (rs.next()) {
        primaryKey.add(rs.getString("COLUMN_NAME"));
      }
    }
    if (primaryKey.equals(List.of(column))) {
      return true;
    }
    Map<String, List<String>> unique = new LinkedHashMap<>();
    try (ResultSet rs =
        metaData.getIndexInfo(
            catalogOf(table.schema()), schemaOf(table.schema()), table.name(), true, false)) {
      while (rs.next()) {
        String index = rs.getString("INDEX_NAME");
        String name = rs.getString("COLUMN_NAME");
        if (index != null && name != null && !rs.getBoolean("NON_UNIQUE")) {
          unique.computeIfAbsent(index, i -> new ArrayList<>()).add(name);
        }
      }
    }
    return unique.containsValue(List.of(column));
  }

  /**
   * Returns the stored name of the version sequence of {@code table}: {@code <table>_tandem_seq}.
   */
  String sequenceOf(TableName table) {
    String name = table.name() + "_tandem_seq";
    return table.name().equals(fold(table.name())) ? fold(name) : name;
  }

  /** Returns whether the sequence {@code schema.name} exists. */
  boolean sequenceExists(String schema, String name) throws SQLException {
    try (PreparedStatement ps =
        connection.prepareStatement(
            kind == Dialect.Kind.MARIADB
                ? "SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ? AND table_type = 'SEQUENCE'"
                : "SELECT 1 FROM information_schema.sequences WHERE sequence_schema = ? AND sequence_name = ?")) {
      ps.setString(1, schema);
      ps.setString(2, name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  /**
   * Returns how many values of the sequence a session takes at once, or 1 where every session
   * shares the same counter anyway (H2 is one process). MariaDB's {@code NOCACHE} (0) counts as 1.
   */
  long sequenceCache(String schema, String name) throws SQLException {
    if (kind == Dialect.Kind.MARIADB) {
      try (PreparedStatement ps =
              connection.prepareStatement(
                  "SELECT cache_size FROM " + quote(schema) + "." + quote(name));
          ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Math.max(1, rs.getLong(1)) : 1;
      }
    }
    if (kind != Dialect.Kind.POSTGRESQL) {
      return 1;
    }
    try (PreparedStatement ps =
        connection.prepareStatement(
            "SELECT cache_size FROM pg_catalog.pg_sequences WHERE schemaname = ? AND sequencename = ?")) {
      ps.setString(1, schema);
      ps.setString(2, name);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 1;
      }
    }
  }

  private List<String> spellings(String name) {
    String folded = fold(name);
    return folded.equals(name) ? List.of(name) : List.of(name, folded);
  }

  /** Escapes a name for a catalog pattern, where {@code _} and {@code %} are wildcards. */
  private String pattern(String name) {
    if (escape.isEmpty()) {
      return name;
    }
    return name.replace(escape, escape + escape)
        .replace("_", escape + "_")
        .replace("%", escape + "%");
  }
}
