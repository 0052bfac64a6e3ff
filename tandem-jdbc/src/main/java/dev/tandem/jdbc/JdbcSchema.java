package dev.tandem.jdbc;

import static java.util.Objects.requireNonNull;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import javax.sql.DataSource;

/**
 * Adds what a {@link JdbcStore} needs to a PostgreSQL, MariaDB or H2 schema. Every method is
 * idempotent: it creates what is missing and leaves what exists. Names are written as unquoted
 * names are stored (lower case in PostgreSQL and MariaDB, upper case in H2), so plain SQL finds
 * them.
 */
public final class JdbcSchema {

  /** The columns of a change-log table, all written by the store. */
  static final List<String> CHANGE_LOG_COLUMNS =
      List.of("table_name", "row_key", "old_version", "new_version", "operation", "changed_at");

  private JdbcSchema() {}

  /**
   * Gives {@code table} a version column and its version sequence {@code <table>_tandem_seq}. The
   * column is a {@code bigint NOT NULL} whose default is the sequence's next value, so rows that
   * exist already, and rows inserted later by other SQL, get a valid version. In PostgreSQL the
   * sequence caches one value per session ({@code CACHE 1}), which versions need; in MariaDB it
   * caches none ({@code NOCACHE}: every value is written to the sequence table before it is handed
   * out, so values increase in the order they are drawn, also across a restart).
   *
   * @param versionColumn the column name, usually {@code tandem_version}
   * @throws IllegalArgumentException if a name is not an identifier, the table does not exist, or
   *     the column exists and is not an integer column
   * @throws JdbcStoreException if a statement fails
   */
  public static void addVersionColumn(DataSource dataSource, String table, String versionColumn) {
    requireNonNull(dataSource, "dataSource");
    QualifiedName name = QualifiedName.parse(table, "table", true);
    String column = QualifiedName.identifier(versionColumn, "versionColumn");
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      Catalog catalog = new Catalog(c);
      Catalog.TableName t = catalog.table(name, "table");
      Dialect.Kind kind = catalog.kind();
      String sequence = catalog.quote(t.schema()) + "." + catalog.quote(catalog.sequenceOf(t));
      s.execute(
          "CREATE SEQUENCE IF NOT EXISTS "
              + sequence
              + switch (kind) {
                case POSTGRESQL -> " CACHE 1";
                case MARIADB -> " NOCACHE";
                case H2 -> "";
              });
      Catalog.Column existing = catalog.findColumn(catalog.columns(t), column);
      if (existing == null) {
        String nextValue =
            switch (kind) {
              case POSTGRESQL -> "nextval('" + sequence + "')";
              case MARIADB -> "(NEXTVAL(" + sequence + "))";
              case H2 -> "NEXT VALUE FOR " + sequence;
            };
        s.execute(
            "ALTER TABLE "
                + t.quoted()
                + " ADD COLUMN IF NOT EXISTS "
                + catalog.quote(catalog.fold(column))
                + " BIGINT DEFAULT "
                + nextValue
                + " NOT NULL");
      } else if (!existing.isInteger()) {
        throw new IllegalArgumentException(
            "versionColumn: column "
                + existing.name()
                + " of "
                + t
                + " exists and is "
                + existing.typeName()
                + ", not bigint");
      }
    } catch (SQLException e) {
      throw new JdbcStoreException("adding version column " + versionColumn + " to " + table, e);
    }
  }

  /** The name of the trigger {@link #addVersionTrigger} installs, on every table it versions. */
  static final String VERSION_TRIGGER = "tandem_version";

  /**
   * The lock id {@link KeyHash#of} computes, in SQL: FNV-1a over the UTF-16 code units of the table
   * name, a separator and the key's text, then a 64-bit avalanche, with products taken modulo 2^64.
   */
  private static final String KEY_HASH_FUNCTION =
      """
      CREATE OR REPLACE FUNCTION %1$s.tandem_key_hash(tbl text, k text) RETURNS bigint
      LANGUAGE plpgsql IMMUTABLE STRICT AS $f$
      DECLARE
        h bigint := -3750763034362895579; -- 0xcbf29ce484222325
        s text := tbl || chr(31) || k;
        i int;
        c int;
        units int[];
      BEGIN
        FOR i IN 1 .. length(s) LOOP
          c := ascii(substr(s, i, 1));
          IF c > 65535 THEN
            units := ARRAY[55296 + ((c - 65536) >> 10), 56320 + ((c - 65536) & 1023)];
          ELSE
            units := ARRAY[c];
          END IF;
          FOREACH c IN ARRAY units LOOP
            h := %1$s.tandem_mul64(h # c, 1099511628211);
          END LOOP;
        END LOOP;
        h := h # ((h >> 33) & 2147483647);
        h := %1$s.tandem_mul64(h, -49064778989728563);  -- 0xff51afd7ed558ccd
        h := h # ((h >> 33) & 2147483647);
        h := %1$s.tandem_mul64(h, -4265267296055464877); -- 0xc4ceb9fe1a85ec53
        RETURN h # ((h >> 33) & 2147483647);
      END $f$""";

  /** 64-bit multiplication that wraps as Java's does, for {@link #KEY_HASH_FUNCTION}. */
  private static final String MUL64_FUNCTION =
      """
      CREATE OR REPLACE FUNCTION %1$s.tandem_mul64(a bigint, b bigint) RETURNS bigint
      LANGUAGE sql IMMUTABLE STRICT AS $f$
        SELECT CASE WHEN r >= 9223372036854775808 THEN r - 18446744073709551616 ELSE r END::bigint
        FROM (SELECT mod(mod(a::numeric + 18446744073709551616, 18446744073709551616)
            * mod(b::numeric + 18446744073709551616, 18446744073709551616), 18446744073709551616) AS r) AS m
      $f$""";

  /**
   * Installs the version trigger on {@code table} (PostgreSQL): before every insert and update,
   * whoever makes it, the trigger takes the key's lock that Tandem's writes take (the transaction's
   * advisory lock on {@link KeyHash the key's hash}) and, unless the statement set a new version
   * itself (as Tandem's writes do), gives the row the next value of the version sequence. Every row
   * change then carries a version newer than any copy of the key cached before, drawn in the order
   * the changes commit, so a cache can never take a write made with plain SQL for an older one, and
   * a {@link ChangeListener} can tell Tandem's own writes from others' by version alone. The
   * version column's default becomes 0 ("not set": the trigger replaces it), so the trigger must
   * stay enabled: a row written with it disabled has version 0, which the store refuses to read.
   * Creates the functions {@code tandem_key_hash} and {@code tandem_mul64} in the table's schema.
   * Idempotent. Call {@link #addVersionColumn} first.
   *
   * @param keyColumn the key column, as the store's {@code keyColumn}
   * @param versionColumn the version column, usually {@code tandem_version}
   * @throws IllegalArgumentException if a name is not an identifier, the table or a column does not
   *     exist, or the database is not PostgreSQL
   * @throws JdbcStoreException if a statement fails
   */
  public static void addVersionTrigger(
      DataSource dataSource, String table, String keyColumn, String versionColumn) {
    requireNonNull(dataSource, "dataSource");
    QualifiedName name = QualifiedName.parse(table, "table", true);
    String key = QualifiedName.identifier(keyColumn, "keyColumn");
    String version = QualifiedName.identifier(versionColumn, "versionColumn");
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      Catalog catalog = new Catalog(c);
      if (catalog.kind() != Dialect.Kind.POSTGRESQL) {
        throw new IllegalArgumentException(
            "dataSource: the version trigger is for PostgreSQL only");
      }
      Catalog.TableName t = catalog.table(name, "table");
      var columns = catalog.columns(t);
      Catalog.Column k = catalog.findColumn(columns, key);
      Catalog.Column v = catalog.findColumn(columns, version);
      if (k == null || v == null) {
        throw new IllegalArgumentException(
            (k == null ? "keyColumn: " + keyColumn : "versionColumn: " + versionColumn)
                + " is not a column of "
                + t);
      }
      String schema = QualifiedName.quote(t.schema());
      String sequence = schema + "." + QualifiedName.quote(catalog.sequenceOf(t));
      String function = schema + "." + QualifiedName.quote(t.name() + "_tandem_version");
      String newKey = "NEW." + QualifiedName.quote(k.name());
      String newVersion = "NEW." + QualifiedName.quote(v.name());
      String oldVersion = "OLD." + QualifiedName.quote(v.name());
      s.execute(String.format(MUL64_FUNCTION, schema));
      s.execute(String.format(KEY_HASH_FUNCTION, schema));
      s.execute(
          "CREATE OR REPLACE FUNCTION "
              + function
              + "() RETURNS trigger LANGUAGE plpgsql AS $f$\n"
              + "BEGIN\n"
              + "  PERFORM pg_advisory_xact_lock("
              + schema
              + ".tandem_key_hash('"
              + t
              + "', "
              + newKey
              + "::text));\n"
              + "  IF "
              + newVersion
              + " <= 0 OR (TG_OP = 'UPDATE' AND "
              + newVersion
              + " = "
              + oldVersion
              + ") THEN\n"
              + "    "
              + newVersion
              + " := nextval('"
              + sequence
              + "');\n"
              + "  END IF;\n"
              + "  RETURN NEW;\n"
              + "END $f$");
      s.execute(
          "ALTER TABLE "
              + t.quoted()
              + " ALTER COLUMN "
              + QualifiedName.quote(v.name())
              + " SET DEFAULT 0");
      s.execute(
          "CREATE OR REPLACE TRIGGER "
              + VERSION_TRIGGER
              + " BEFORE INSERT OR UPDATE ON "
              + t.quoted()
              + " FOR EACH ROW EXECUTE FUNCTION "
              + function
              + "()");
    } catch (SQLException e) {
      throw new JdbcStoreException("adding the version trigger to " + table, e);
    }
  }

  /**
   * Creates a key-value table: {@code key} (text, the primary key; {@code VARCHAR(255)} in MariaDB,
   * whose keys need a length), {@code value} (of {@code type}, not null) and {@code tandem_version}
   * with its sequence. Use it with {@code keyColumn("key", String.class)} and {@link RowMapper#text
   * RowMapper.text("value")} (or {@link RowMapper#bytes bytes}).
   *
   * @throws IllegalArgumentException if the name is not an identifier
   * @throws JdbcStoreException if a statement fails
   */
  public static void createKeyValueTable(DataSource dataSource, String table, ValueType type) {
    requireNonNull(dataSource, "dataSource");
    QualifiedName name = QualifiedName.parse(table, "table", true);
    requireNonNull(type, "type");
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      Catalog catalog = new Catalog(c);
      if (catalog.findTable(name) == null) {
        Dialect.Kind kind = catalog.kind();
        String valueType =
            switch (kind) {
              case POSTGRESQL ->
                  switch (type) {
                    case TEXT -> "text";
                    case BYTES -> "bytea";
                    case JSON -> "jsonb";
                  };
              case MARIADB ->
                  switch (type) {
                    case TEXT -> "LONGTEXT";
                    case BYTES -> "LONGBLOB";
                    case JSON -> "JSON";
                  };
              case H2 ->
                  switch (type) {
                    case TEXT -> "CHARACTER VARYING";
                    case BYTES -> "BINARY VARYING";
                    case JSON -> "JSON";
                  };
            };
        String keyType =
            switch (kind) {
              case POSTGRESQL -> "text";
              case MARIADB -> "VARCHAR(255)";
              case H2 -> "CHARACTER VARYING";
            };
        s.execute(
            "CREATE TABLE IF NOT EXISTS "
                + created(catalog, name)
                + " ("
                + catalog.quote(catalog.fold("key"))
                + " "
                + keyType
                + " PRIMARY KEY, "
                + catalog.quote(catalog.fold("value"))
                + " "
                + valueType
                + " NOT NULL)");
      }
    } catch (SQLException e) {
      throw new JdbcStoreException("creating table " + table, e);
    }
    addVersionColumn(dataSource, table, "tandem_version");
  }

  /**
   * Creates a change-log table for {@link JdbcStore.Builder#changeLog}: one row per mutation with
   * {@code table_name}, {@code row_key} (the key's {@code toString()}), {@code old_version} (null
   * if the key had no value), {@code new_version}, {@code operation} ({@code put} or {@code
   * delete}) and {@code changed_at} (the transaction's time), plus an identity column {@code id}.
   *
   * @throws IllegalArgumentException if the name is not an identifier
   * @throws JdbcStoreException if a statement fails
   */
  public static void createChangeLogTable(DataSource dataSource, String table) {
    requireNonNull(dataSource, "dataSource");
    QualifiedName name = QualifiedName.parse(table, "changeLog", true);
    try (Connection c = dataSource.getConnection();
        Statement s = c.createStatement()) {
      Catalog catalog = new Catalog(c);
      if (catalog.findTable(name) != null) {
        return;
      }
      boolean mariadb = catalog.kind() == Dialect.Kind.MARIADB;
      s.execute(
          "CREATE TABLE IF NOT EXISTS "
              + created(catalog, name)
              + " ("
              + column(catalog, "id")
              + (mariadb
                  ? " BIGINT AUTO_INCREMENT PRIMARY KEY, "
                  : " BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, ")
              + column(catalog, "table_name")
              + (mariadb ? " VARCHAR(255)" : " CHARACTER VARYING")
              + " NOT NULL, "
              + column(catalog, "row_key")
              + (mariadb ? " TEXT" : " CHARACTER VARYING")
              + " NOT NULL, "
              + column(catalog, "old_version")
              + " BIGINT, "
              + column(catalog, "new_version")
              + " BIGINT NOT NULL, "
              + column(catalog, "operation")
              + " CHARACTER VARYING(6) NOT NULL CHECK ("
              + column(catalog, "operation")
              + " IN ('put', 'delete')), "
              + column(catalog, "changed_at")
              + (mariadb ? " TIMESTAMP(6)" : " TIMESTAMP WITH TIME ZONE")
              + " NOT NULL)");
    } catch (SQLException e) {
      throw new JdbcStoreException("creating change-log table " + table, e);
    }
  }

  private static String column(Catalog catalog, String name) {
    return catalog.quote(catalog.fold(name));
  }

  /** The quoted name under which a new table is created: folded, in the given or current schema. */
  private static String created(Catalog catalog, QualifiedName name) throws SQLException {
    String schema = name.schema() != null ? catalog.fold(name.schema()) : catalog.defaultSchema();
    return catalog.quote(schema) + "." + catalog.quote(catalog.fold(name.name()));
  }
}
