package dev.tandem.jdbc;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The SQL that differs between databases: how a transaction locks keys (present or absent) and
 * draws versions, and how it upserts. The statements are built once per store.
 *
 * <p><b>The version invariant.</b> Every version is drawn from the table's sequence <em>after</em>
 * the transaction locked its key, and the lock is held until the transaction ends. So of two
 * committed writes of a key, the later one drew its version later and got the greater one (the
 * sequence must hand out increasing values across sessions: PostgreSQL's {@code CACHE 1}, MariaDB's
 * {@code NOCACHE}). Where a lock outlives the transaction (MariaDB's named locks), it is released
 * only after the commit or rollback ({@link #release}).
 */
abstract class Dialect {

  /** The supported databases. */
  enum Kind {
    POSTGRESQL,
    MARIADB,
    H2;

    static Kind of(DatabaseMetaData metaData) throws SQLException {
      String product = metaData.getDatabaseProductName();
      if ("PostgreSQL".equals(product)) {
        return POSTGRESQL;
      }
      if ("MariaDB".equals(product)) {
        return MARIADB;
      }
      if ("H2".equals(product)) {
        return H2;
      }
      throw new IllegalArgumentException(
          "unsupported database "
              + product
              + ": JdbcStore supports PostgreSQL,"
              + " MariaDB (with MariaDB Connector/J) and H2"
              + ("MySQL".equals(product)
                  ? "; MySQL is not supported:" + " it has no sequences (see docs/jdbc-store.md)"
                  : ""));
    }
  }

  /** Reads one result. */
  @FunctionalInterface
  interface RowReader<T> {
    T read(ResultSet rs) throws SQLException;
  }

  /**
   * What a transaction knows once it locked the keys of a batch: their committed versions (absent
   * keys are missing) and fresh versions, ascending, one per mutation.
   */
  record Prelude(Map<Object, Long> current, long[] versions) {}

  final Table table;
  final String loadSql;
  final String loadAllSql;
  final String deleteSql;
  final @Nullable String changeLogSql;

  Dialect(Table table) {
    this.table = table;
    this.loadSql =
        "SELECT "
            + table.selectList()
            + " FROM "
            + table.name()
            + " WHERE "
            + table.keyColumn()
            + " = ?";
    this.loadAllSql =
        "SELECT "
            + table.keyColumn()
            + ", "
            + table.selectList()
            + " FROM "
            + table.name()
            + " WHERE "
            + table.keyColumn()
            + " = ANY(?)";
    this.deleteSql = "DELETE FROM " + table.name() + " WHERE " + table.keyColumn() + " = ?";
    this.changeLogSql =
        table.changeLog() == null
            ? null
            : "INSERT INTO "
                + table.changeLog()
                + " (table_name, row_key, old_version, new_version, operation, changed_at) VALUES (?, ?, ?, ?, ?, CURRENT_TIMESTAMP)";
  }

  static Dialect of(Kind kind, Table table) {
    return switch (kind) {
      case POSTGRESQL -> new PostgresDialect(table);
      case MARIADB -> new MariaDbDialect(table);
      case H2 -> new H2Dialect(table);
    };
  }

  /**
   * Returns the query of the rows of {@code count} keys, bound by {@link #bindKeys}. By default
   * {@link #loadAllSql}.
   */
  String loadAllSql(int count) {
    return loadAllSql;
  }

  /**
   * Releases what a transaction holds past its end, after its commit or rollback: MariaDB's named
   * key locks belong to the connection, not to the transaction. By default nothing: PostgreSQL's
   * and H2's locks end with the transaction.
   *
   * @throws SQLException if the connection failed: it must not be used again (its server frees its
   *     locks when it closes)
   */
  void release(Connection c) throws SQLException {}

  /**
   * Returns whether the key locks outlive the transaction ({@link #release} frees them): then a
   * transaction the caller owns and ends cannot be joined, as nothing would release its locks.
   */
  boolean locksOutliveTransactions() {
    return false;
  }

  /**
   * Binds {@code keys} as the parameters of {@link #loadAllSql(int)} from {@code index} (one array,
   * or one each).
   */
  abstract void bindKeys(Connection c, PreparedStatement ps, int index, Collection<?> keys)
      throws SQLException;

  /**
   * Locks {@code key} until the transaction ends, waiting for other writers of it, then reads its
   * row with {@code reader} (positioned before the row of {@link #loadSql}'s columns).
   */
  abstract <T> T loadForUpdate(Connection c, Object key, RowReader<T> reader) throws SQLException;

  /**
   * Locks {@code keys} (distinct) until the transaction ends, then reads their committed versions
   * and draws {@code versions} fresh versions.
   */
  abstract Prelude prelude(Connection c, List<?> keys, int versions) throws SQLException;

  /** Returns the upsert of one row: key, the value parameters, then the version. */
  abstract String upsertSql();

  /**
   * Upserts rows of distinct keys (key, the value parameters, version) in one statement, if the
   * dialect can for these values, and if {@code andCommit} sends the COMMIT of the transaction in
   * the same round trip; returns false, having done nothing, if it cannot. By default false.
   */
  boolean upsertAll(
      Connection c, List<?> keys, List<List<?>> values, long[] versions, boolean andCommit)
      throws SQLException {
    return false;
  }

  /**
   * Returns whether text columns and parameters can hold the character U+0000 (NUL). By default
   * true.
   */
  boolean storesNul() {
    return true;
  }

  /**
   * Returns whether {@link #putOne} and {@link #deleteOne} write a single key in fewer statements
   * than the batch path.
   */
  abstract boolean writesOneKeyAtOnce();

  /**
   * Returns whether {@link #putOne} and {@link #deleteOne} are one statement each, so that they may
   * run alone in auto-commit mode: their lock then still covers the drawing of the version.
   */
  abstract boolean writesOneKeyInOneStatement();

  /**
   * Fails if the connection is known to be dead without asking the server: the server said goodbye
   * while the connection sat idle (PostgreSQL sends a FATAL message before it ends a backend).
   * Sends nothing. By default checks nothing.
   *
   * @throws SQLException a connection failure if the connection is dead
   */
  void checkAlive(Connection c) throws SQLException {}

  /**
   * Returns whether {@code e} broke the connection while the request was still being written, so
   * that the server cannot have received all of it: a request that ends with its commit (one
   * statement in auto-commit mode) then did not commit. False when unsure. By default false.
   */
  boolean unsent(SQLException e) {
    return false;
  }

  /**
   * Locks and upserts one key; returns its new version (drawn after the lock) and whether it
   * existed.
   */
  abstract long[] putOne(Connection c, Object key, List<?> values) throws SQLException;

  /**
   * Locks and deletes one key; returns its tombstone version (drawn after the lock) and whether it
   * existed.
   */
  abstract long[] deleteOne(Connection c, Object key) throws SQLException;

  /**
   * Locks {@code key} until the transaction ends, then, if its row exists and (when {@code
   * expected} is positive) has the version {@code expected}, sets the value columns at {@code
   * columns} (indexes into {@link Table#valueColumns}, ascending) to {@code values} and the version
   * to one drawn after the lock, in one request; returns what {@code reader} reads from the updated
   * row (positioned before it: the value columns then the version if {@code wholeRow}, else the
   * version alone), or null, having written nothing, if no row matched.
   */
  abstract <T> @Nullable T updateOne(
      Connection c,
      Object key,
      int[] columns,
      List<?> values,
      long expected,
      boolean wholeRow,
      RowReader<T> reader)
      throws SQLException;

  /**
   * Returns the {@code SET} list of {@link #updateOne}: the columns, then the version from {@code
   * nextVersion}.
   */
  String setList(int[] columns, String nextVersion) {
    StringBuilder sb = new StringBuilder();
    for (int column : columns) {
      sb.append(table.valueColumns().get(column))
          .append(" = ")
          .append(table.valueParameters().get(column))
          .append(", ");
    }
    return sb.append(table.versionColumn()).append(" = ").append(nextVersion).toString();
  }

  /** Returns the cache key of {@link #updateOne}'s statement for these columns and flags. */
  static String updateShape(int[] columns, boolean conditional, boolean wholeRow) {
    return java.util.Arrays.toString(columns) + conditional + wholeRow;
  }

  /** Reads the rows of (key, committed version) of a prelude's locked keys. */
  Map<Object, Long> readCurrent(ResultSet rs) throws SQLException {
    Map<Object, Long> current = new java.util.HashMap<>();
    while (rs.next()) {
      current.put(rs.getObject(1, table.keyType()), rs.getLong(2));
    }
    return current;
  }

  /** Reads {@code versions} drawn versions, one per row, and returns them ascending. */
  static long[] readDrawn(ResultSet rs, int versions) throws SQLException {
    long[] drawn = new long[versions];
    for (int i = 0; i < versions && rs.next(); i++) {
      drawn[i] = rs.getLong(1);
    }
    java.util.Arrays.sort(drawn);
    return drawn;
  }

  /** Binds the value parameters starting at {@code index}; returns the next index. */
  static int bindValues(PreparedStatement ps, int index, List<?> values) throws SQLException {
    for (Object value : values) {
      ps.setObject(index++, value);
    }
    return index;
  }

  /** Returns the {@code ON CONFLICT}/{@code MERGE} column list: key, values, version. */
  String insertColumns() {
    return table.keyColumn()
        + ", "
        + String.join(", ", table.valueColumns())
        + ", "
        + table.versionColumn();
  }

  String valueParameters() {
    return String.join(", ", table.valueParameters());
  }
}
