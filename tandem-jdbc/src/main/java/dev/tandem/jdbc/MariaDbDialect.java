package dev.tandem.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * MariaDB: keys are locked with named locks ({@code GET_LOCK}) on a 64-bit hash of table and key
 * ({@link KeyHash}), so that absent keys can be locked too and every node that writes through a
 * {@code JdbcStore} excludes the others. Several keys are locked in ascending hash order, in one
 * statement whose {@code AND} stops at the first lock not granted.
 *
 * <p><b>Locks outlive transactions.</b> A named lock belongs to the connection, not to the
 * transaction: {@link #release} ({@code RELEASE_ALL_LOCKS()}) runs after every commit and every
 * rollback, never before, so a lock always covers its transaction's commit. A connection that
 * cannot release (it broke) is discarded, and the server frees the locks of a connection when it
 * ends, after rolling back its open transaction. A named lock waits at most the connection's {@code
 * innodb_lock_wait_timeout} (the same bound as a row lock; seconds), then the write fails.
 *
 * <p><b>Versions</b> come from a {@code NOCACHE} sequence, drawn after the lock in the same
 * statement ({@code CASE GET_LOCK(...) WHEN 1 THEN NEXTVAL(...) WHEN 0 THEN 0 END}: the lock runs
 * first, the sequence only if the lock was granted). Statements assume READ COMMITTED, as on
 * PostgreSQL: each statement after the lock sees every write committed before it.
 *
 * <p><b>One request per statement.</b> No statement relies on {@code allowMultiQueries}, so an
 * application's data source works as it is: a single put is the lock with its version, then {@code
 * INSERT ... ON DUPLICATE KEY UPDATE} (its update count says whether the row existed), then the
 * commit, then the release. A field update is the lock, {@code UPDATE ... SET version =
 * NEXTVAL(...)} (MariaDB has no {@code UPDATE ... RETURNING}), then a {@code SELECT} of the row,
 * which the held lock keeps as the update left it.
 */
final class MariaDbDialect extends Dialect {

  /** A named lock waits as long as a row lock of the connection would. */
  private static final String LOCK = "GET_LOCK(?, @@innodb_lock_wait_timeout)";

  private final String nextval;
  private final String lockSql = "SELECT " + LOCK;
  private final String lockAndDrawSql;
  private final String upsertSql;
  private final String currentSql;

  /** The statements of {@link #updateOne}, by {@link #updateShape}. */
  private final java.util.concurrent.ConcurrentHashMap<String, String> updateSql =
      new java.util.concurrent.ConcurrentHashMap<>();

  MariaDbDialect(Table table) {
    super(table);
    this.nextval = "NEXTVAL(" + table.sequence() + ")";
    this.lockAndDrawSql = "SELECT CASE " + LOCK + " WHEN 1 THEN " + nextval + " WHEN 0 THEN 0 END";
    this.upsertSql =
        "INSERT INTO "
            + table.name()
            + " ("
            + insertColumns()
            + ") VALUES "
            + row()
            + " ON DUPLICATE KEY UPDATE "
            + updates();
    this.currentSql =
        "SELECT "
            + table.keyColumn()
            + ", "
            + table.versionColumn()
            + " FROM "
            + table.name()
            + " WHERE "
            + table.keyColumn()
            + " IN (";
  }

  /** The parameters of one row of the upsert: key, values, version. */
  private String row() {
    return "(?, " + valueParameters() + ", ?)";
  }

  private String updates() {
    StringBuilder sb = new StringBuilder();
    for (String column : table.valueColumns()) {
      sb.append(column).append(" = VALUES(").append(column).append("), ");
    }
    return sb.append(table.versionColumn())
        .append(" = VALUES(")
        .append(table.versionColumn())
        .append(')')
        .toString();
  }

  private String lockName(Object key) {
    return "tandem:" + Long.toHexString(KeyHash.of(table.display(), key));
  }

  private static String parameters(int count) {
    StringBuilder sb = new StringBuilder(count * 3);
    for (int i = 0; i < count; i++) {
      sb.append(i == 0 ? "?" : ", ?");
    }
    return sb.toString();
  }

  @Override
  String loadAllSql(int count) {
    return "SELECT "
        + table.keyColumn()
        + ", "
        + table.selectList()
        + " FROM "
        + table.name()
        + " WHERE "
        + table.keyColumn()
        + " IN ("
        + parameters(count)
        + ")";
  }

  @Override
  void bindKeys(Connection c, PreparedStatement ps, int index, Collection<?> keys)
      throws SQLException {
    for (Object key : keys) {
      ps.setObject(index++, key);
    }
  }

  /** Locks {@code key} until {@link #release}. */
  private void lock(Connection c, Object key) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(lockSql)) {
      ps.setString(1, lockName(key));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        checkGranted(rs, 1, "key " + key);
      }
    }
  }

  /** Locks {@code key} until {@link #release}, then draws a version; returns the version. */
  private long lockAndDraw(Connection c, Object key) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(lockAndDrawSql)) {
      ps.setString(1, lockName(key));
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        long version = rs.getLong(1);
        if (rs.wasNull() || version < 1) {
          throw notGranted("key " + key, rs.wasNull() ? null : 0L);
        }
        return version;
      }
    }
  }

  /** Throws unless column {@code column} holds 1, a granted {@code GET_LOCK}. */
  private void checkGranted(ResultSet rs, int column, String what) throws SQLException {
    long granted = rs.getLong(column);
    if (rs.wasNull() || granted != 1) {
      throw notGranted(what, rs.wasNull() ? null : granted);
    }
  }

  /**
   * The failure of a lock not granted: 0 means it waited {@code innodb_lock_wait_timeout} (reported
   * as InnoDB's lock wait timeout, error 1205), NULL that the wait was interrupted (the statement
   * timeout, a {@code KILL QUERY}).
   */
  private SQLException notGranted(String what, @Nullable Long result) {
    if (result != null && result == 0) {
      return new SQLException(
          "the lock of "
              + what
              + " in "
              + table.display()
              + " was not granted within"
              + " innodb_lock_wait_timeout: another connection holds it",
          "HY000",
          1205);
    }
    return new SQLException(
        "the wait for the lock of "
            + what
            + " in "
            + table.display()
            + " was interrupted"
            + " (max_statement_time or KILL)",
        "70100",
        1969);
  }

  @Override
  <T> T loadForUpdate(Connection c, Object key, RowReader<T> reader) throws SQLException {
    lock(c, key);
    try (PreparedStatement ps = c.prepareStatement(loadSql)) {
      ps.setObject(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        return reader.read(rs);
      }
    }
  }

  @Override
  Prelude prelude(Connection c, List<?> keys, int versions) throws SQLException {
    Long[] ids = KeyHash.sortedOf(table.display(), keys);
    StringBuilder locks = new StringBuilder("SELECT ");
    for (int i = 0; i < ids.length; i++) {
      locks.append(i == 0 ? "" : " AND ").append(LOCK);
    }
    try (PreparedStatement ps = c.prepareStatement(locks.toString())) {
      for (int i = 0; i < ids.length; i++) {
        ps.setString(i + 1, "tandem:" + Long.toHexString(ids[i]));
      }
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        checkGranted(rs, 1, keys.size() == 1 ? "key " + keys.get(0) : keys.size() + " keys");
      }
    }
    Map<Object, Long> current;
    try (PreparedStatement ps = c.prepareStatement(currentSql + parameters(keys.size()) + ")")) {
      bindKeys(c, ps, 1, keys);
      try (ResultSet rs = ps.executeQuery()) {
        current = readCurrent(rs);
      }
    }
    String draw =
        versions == 1
            ? "SELECT " + nextval
            : "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1"
                + " FROM r WHERE i < ?) SELECT "
                + nextval
                + " FROM r";
    try (PreparedStatement ps = c.prepareStatement(draw)) {
      if (versions > 1) {
        ps.setInt(1, versions);
      }
      try (ResultSet rs = ps.executeQuery()) {
        return new Prelude(current, readDrawn(rs, versions));
      }
    }
  }

  @Override
  String upsertSql() {
    return upsertSql;
  }

  /**
   * All rows in one multi-row {@code INSERT ... ON DUPLICATE KEY UPDATE} (one statement, one round
   * trip). Never with the COMMIT: that would need {@code allowMultiQueries} on the connection.
   */
  @Override
  boolean upsertAll(
      Connection c, List<?> keys, List<List<?>> values, long[] versions, boolean andCommit)
      throws SQLException {
    if (andCommit) {
      return false;
    }
    StringBuilder sql =
        new StringBuilder("INSERT INTO ")
            .append(table.name())
            .append(" (")
            .append(insertColumns())
            .append(") VALUES ");
    String row = row();
    for (int i = 0; i < keys.size(); i++) {
      sql.append(i == 0 ? "" : ", ").append(row);
    }
    sql.append(" ON DUPLICATE KEY UPDATE ").append(updates());
    try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
      int next = 1;
      for (int i = 0; i < keys.size(); i++) {
        ps.setObject(next++, keys.get(i));
        next = bindValues(ps, next, values.get(i));
        ps.setLong(next++, versions[i]);
      }
      ps.executeUpdate();
    }
    return true;
  }

  @Override
  boolean writesOneKeyAtOnce() {
    return true;
  }

  @Override
  boolean writesOneKeyInOneStatement() {
    return false; // the lock outlives an auto-committed statement only if released after it: always
    // a transaction
  }

  /**
   * The lock with the version, then the upsert: its update count is 1 for an inserted row and 2
   * (or, with {@code useAffectedRows}, 0 for an unchanged row, which a new version rules out) for
   * an updated one.
   */
  @Override
  long[] putOne(Connection c, Object key, List<?> values) throws SQLException {
    long version = lockAndDraw(c, key);
    try (PreparedStatement ps = c.prepareStatement(upsertSql)) {
      ps.setObject(1, key);
      int next = bindValues(ps, 2, values);
      ps.setLong(next, version);
      return new long[] {version, ps.executeUpdate() == 1 ? 0 : 1};
    }
  }

  @Override
  long[] deleteOne(Connection c, Object key) throws SQLException {
    long version = lockAndDraw(c, key);
    try (PreparedStatement ps = c.prepareStatement(deleteSql)) {
      ps.setObject(1, key);
      return new long[] {version, ps.executeUpdate() > 0 ? 1 : 0};
    }
  }

  /**
   * The lock, then {@code UPDATE ... SET ..., version = NEXTVAL(...) WHERE key = ? [AND version =
   * ?]}, which draws a version only for the row it changes, then, if it changed one, a {@code
   * SELECT} of it: the lock is held and the transaction is open, so the row read is the one the
   * update wrote (READ COMMITTED shows a transaction its own writes).
   */
  @Override
  <T> @Nullable T updateOne(
      Connection c,
      Object key,
      int[] columns,
      List<?> values,
      long expected,
      boolean wholeRow,
      RowReader<T> reader)
      throws SQLException {
    lock(c, key);
    String sql =
        updateSql.computeIfAbsent(
            updateShape(columns, expected > 0, wholeRow),
            shape ->
                "UPDATE "
                    + table.name()
                    + " SET "
                    + setList(columns, nextval)
                    + " WHERE "
                    + table.keyColumn()
                    + " = ?"
                    + (expected > 0 ? " AND " + table.versionColumn() + " = ?" : ""));
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      int next = bindValues(ps, 1, values);
      ps.setObject(next++, key);
      if (expected > 0) {
        ps.setLong(next, expected);
      }
      if (ps.executeUpdate() == 0) {
        return null;
      }
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            wholeRow
                ? loadSql
                : "SELECT "
                    + table.versionColumn()
                    + " FROM "
                    + table.name()
                    + " WHERE "
                    + table.keyColumn()
                    + " = ?")) {
      ps.setObject(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? reader.read(rs) : null;
      }
    }
  }

  @Override
  boolean locksOutliveTransactions() {
    return true;
  }

  @Override
  void release(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("DO RELEASE_ALL_LOCKS()")) {
      ps.execute();
    }
  }
}
