package dev.tandem.jdbc;

import java.io.IOException;
import java.lang.reflect.Field;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.PGStream;

/**
 * PostgreSQL: keys are locked with transaction-scoped advisory locks on a 64-bit hash of table and
 * key ({@link KeyHash}), so that absent keys can be locked too and every node that writes through a
 * {@code JdbcStore} excludes the others. Several keys are locked in ascending hash order.
 *
 * <p>Statements assume READ COMMITTED: a statement that runs after the lock was granted sees every
 * write committed before, since it takes its snapshot then. That is why a lock and a read of the
 * locked rows are two statements (sent in one round trip), never one: a statement's snapshot is
 * taken before its own lock wait. The single-key upsert is the exception: {@code INSERT ... ON
 * CONFLICT} sees the latest committed row whatever its snapshot, so the lock is folded into it, in
 * a subquery the planner cannot flatten ({@code OFFSET 0}, volatile function), which makes the lock
 * run before {@code nextval}.
 *
 * <p>Driver notes: every statement text is fixed per store (key sets are bound as one array), so
 * pgjdbc's server-side prepared statement cache works; upserts never repeat a key in one batch, so
 * {@code reWriteBatchedInserts=true} is safe; update counts are not relied upon.
 */
final class PostgresDialect extends Dialect {

  /** pgjdbc's stream class, which does all the connection's reading and writing. */
  private static final String PG_STREAM = "org.postgresql.core.PGStream";

  private static final @Nullable Field STREAM = streamField();

  private final String lockSql = "SELECT pg_advisory_xact_lock(?)";
  private final String loadForUpdateSql;
  private final String preludeSql;
  private final String upsertSql;
  private final String putOneSql;
  private final String deleteOneSql;
  private final String keyArrayType;
  private final String conflict;
  private final @Nullable String upsertAllSql;
  private final @Nullable String upsertAllAndCommitSql;

  /** The statements of {@link #updateOne}, by {@link #updateShape}. */
  private final java.util.concurrent.ConcurrentHashMap<String, String> updateSql =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** Column types (catalog names) whose text form reads back as the same value. */
  private static final Set<String> TEXT_EXACT_TYPES =
      Set.of(
          "text", "varchar", "bpchar", "int2", "int4", "int8", "bool", "numeric", "uuid", "json",
          "jsonb");

  /** Value classes whose {@code toString()} is their exact text form in PostgreSQL. */
  private static final Set<Class<?>> TEXT_EXACT_VALUES =
      Set.of(
          String.class,
          Long.class,
          Integer.class,
          Short.class,
          Boolean.class,
          BigDecimal.class,
          BigInteger.class,
          UUID.class);

  PostgresDialect(Table table) {
    super(table);
    String nextval = "nextval('" + table.sequence() + "')";
    this.loadForUpdateSql = lockSql + "; " + loadSql;
    this.conflict = " ON CONFLICT (" + table.keyColumn() + ") DO UPDATE SET " + updates();
    this.preludeSql =
        "SELECT pg_advisory_xact_lock(h) FROM unnest(CAST(? AS bigint[])) AS u(h); "
            + "SELECT "
            + table.keyColumn()
            + ", "
            + table.versionColumn()
            + " FROM "
            + table.name()
            + " WHERE "
            + table.keyColumn()
            + " = ANY(?); "
            + "SELECT "
            + nextval
            + " FROM generate_series(1, ?)";
    this.upsertSql =
        "INSERT INTO "
            + table.name()
            + " ("
            + insertColumns()
            + ") VALUES (?, "
            + valueParameters()
            + ", ?)"
            + conflict;
    this.putOneSql =
        "INSERT INTO "
            + table.name()
            + " ("
            + insertColumns()
            + ") SELECT ?, "
            + valueParameters()
            + ", "
            + nextval
            + " FROM (SELECT pg_advisory_xact_lock(?) OFFSET 0) AS l"
            + conflict
            + " RETURNING "
            + table.versionColumn()
            + ", xmax";
    this.deleteOneSql =
        lockSql
            + "; WITH d AS ("
            + deleteSql
            + " RETURNING 1) SELECT "
            + nextval
            + ", EXISTS (SELECT 1 FROM d)";
    this.keyArrayType = arrayType(table.keyType());
    this.upsertAllSql = upsertAllSql();
    this.upsertAllAndCommitSql = upsertAllSql == null ? null : upsertAllSql + "; COMMIT";
  }

  private String updates() {
    StringBuilder sb = new StringBuilder();
    for (String column : table.valueColumns()) {
      sb.append(column).append(" = EXCLUDED.").append(column).append(", ");
    }
    return sb.append(table.versionColumn())
        .append(" = EXCLUDED.")
        .append(table.versionColumn())
        .toString();
  }

  private static String arrayType(Class<?> keyType) {
    if (keyType == Long.class) {
      return "int8";
    } else if (keyType == Integer.class) {
      return "int4";
    } else if (keyType == UUID.class) {
      return "uuid";
    }
    return "text";
  }

  private long lockId(Object key) {
    return KeyHash.of(table.display(), key);
  }

  @Override
  void bindKeys(Connection c, PreparedStatement ps, int index, Collection<?> keys)
      throws SQLException {
    ps.setArray(index, c.createArrayOf(keyArrayType, keys.toArray()));
  }

  @Override
  <T> T loadForUpdate(Connection c, Object key, RowReader<T> reader) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(loadForUpdateSql)) {
      ps.setLong(1, lockId(key));
      ps.setObject(2, key);
      ps.execute();
      skipTo(ps, 1);
      try (ResultSet rs = ps.getResultSet()) {
        return reader.read(rs);
      }
    }
  }

  @Override
  Prelude prelude(Connection c, List<?> keys, int versions) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(preludeSql)) {
      ps.setArray(1, c.createArrayOf("int8", KeyHash.sortedOf(table.display(), keys)));
      bindKeys(c, ps, 2, keys);
      ps.setInt(3, versions);
      ps.execute();
      Map<Object, Long> current;
      skipTo(ps, 1);
      try (ResultSet rs = ps.getResultSet()) {
        current = readCurrent(rs);
      }
      skipTo(ps, 1);
      try (ResultSet rs = ps.getResultSet()) {
        return new Prelude(current, readDrawn(rs, versions));
      }
    }
  }

  @Override
  String upsertSql() {
    return upsertSql;
  }

  /**
   * All rows in one {@code INSERT ... SELECT FROM unnest(arrays) ON CONFLICT}: one statement, one
   * execution and one fixed text (prepared once on the server) whatever the number of rows, where a
   * JDBC batch executes the upsert once per row. Each value column travels as a text array and is
   * cast to its type on the server, so this is used only for column types whose text form is exact
   * and for values whose {@code toString()} is that text (strings, integers, booleans, decimals,
   * UUIDs; null); anything else takes the batch. With {@code andCommit} the statement text ends in
   * {@code ; COMMIT}: pgjdbc sends both in one request (one round trip), and after a failing upsert
   * the server skips the COMMIT, leaving the transaction to be rolled back.
   */
  @Override
  boolean upsertAll(
      Connection c, List<?> keys, List<List<?>> values, long[] versions, boolean andCommit)
      throws SQLException {
    if (upsertAllSql == null) {
      return false;
    }
    int columns = table.valueColumns().size();
    @Nullable String[][] texts = new @Nullable String[columns][keys.size()]; // SQL NULL stays null
    for (int row = 0; row < keys.size(); row++) {
      List<?> rowValues = values.get(row);
      for (int col = 0; col < columns; col++) {
        Object value = rowValues.get(col);
        if (value != null && !TEXT_EXACT_VALUES.contains(value.getClass())) {
          return false;
        }
        @Nullable String[] column = texts[col];
        column[row] = value == null ? null : value.toString();
      }
    }
    Long[] boxed = new Long[versions.length];
    for (int i = 0; i < versions.length; i++) {
      boxed[i] = versions[i];
    }
    try (PreparedStatement ps =
        c.prepareStatement(andCommit ? upsertAllAndCommitSql : upsertAllSql)) {
      bindKeys(c, ps, 1, keys);
      for (int col = 0; col < columns; col++) {
        ps.setArray(col + 2, c.createArrayOf("text", texts[col]));
      }
      ps.setArray(columns + 2, c.createArrayOf("int8", boxed));
      ps.execute(); // with the COMMIT: both statements go in one request, the COMMIT only runs if
      // the upsert did
    }
    return true;
  }

  private @Nullable String upsertAllSql() {
    StringBuilder select = new StringBuilder("u.k");
    StringBuilder arrays = new StringBuilder("CAST(? AS " + keyArrayType + "[])");
    StringBuilder names = new StringBuilder("k");
    for (int col = 0; col < table.valueColumns().size(); col++) {
      String type = table.valueTypes().get(col);
      if (!TEXT_EXACT_TYPES.contains(type)) {
        return null;
      }
      select.append(", CAST(u.c").append(col).append(" AS ").append(type).append(')');
      arrays.append(", CAST(? AS text[])");
      names.append(", c").append(col);
    }
    return "INSERT INTO "
        + table.name()
        + " ("
        + insertColumns()
        + ") SELECT "
        + select
        + ", u.v FROM unnest("
        + arrays
        + ", CAST(? AS int8[])) AS u("
        + names
        + ", v)"
        + conflict;
  }

  /** PostgreSQL's text types cannot hold NUL: a parameter with one fails the statement. */
  @Override
  boolean storesNul() {
    return false;
  }

  @Override
  boolean writesOneKeyAtOnce() {
    return true;
  }

  @Override
  boolean writesOneKeyInOneStatement() {
    return true;
  }

  @Override
  long[] putOne(Connection c, Object key, List<?> values) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(putOneSql)) {
      ps.setObject(1, key);
      int next = bindValues(ps, 2, values);
      ps.setLong(next, lockId(key));
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new SQLException(
              "the upsert of key " + key + " into " + table.display() + " returned no row");
        }
        // xmax is 0 on a freshly inserted row and set (by the conflict's row lock) on an updated
        // one
        return new long[] {rs.getLong(1), "0".equals(rs.getString(2)) ? 0 : 1};
      }
    }
  }

  /**
   * The advisory lock, then {@code UPDATE ... RETURNING}, in one request: the update's snapshot is
   * taken after the lock was granted, so it sees every committed write of the key, and it draws its
   * version only for the row it changes. In auto-commit the two run in one implicit transaction,
   * which ends (commits) at the request's end.
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
    String sql =
        updateSql.computeIfAbsent(
            updateShape(columns, expected > 0, wholeRow),
            shape ->
                lockSql
                    + "; UPDATE "
                    + table.name()
                    + " SET "
                    + setList(columns, "nextval('" + table.sequence() + "')")
                    + " WHERE "
                    + table.keyColumn()
                    + " = ?"
                    + (expected > 0 ? " AND " + table.versionColumn() + " = ?" : "")
                    + " RETURNING "
                    + (wholeRow ? table.selectList() : table.versionColumn()));
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setLong(1, lockId(key));
      int next = bindValues(ps, 2, values);
      ps.setObject(next++, key);
      if (expected > 0) {
        ps.setLong(next, expected);
      }
      ps.execute();
      skipTo(ps, 1);
      try (ResultSet rs = ps.getResultSet()) {
        return rs.next() ? reader.read(rs) : null;
      }
    }
  }

  @Override
  long[] deleteOne(Connection c, Object key) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(deleteOneSql)) {
      ps.setLong(1, lockId(key));
      ps.setObject(2, key);
      ps.execute();
      skipTo(ps, 1);
      try (ResultSet rs = ps.getResultSet()) {
        if (!rs.next()) {
          throw new SQLException(
              "the delete of key " + key + " from " + table.display() + " returned no row");
        }
        return new long[] {rs.getLong(1), rs.getBoolean(2) ? 1 : 0};
      }
    }
  }

  /**
   * Looks, without waiting and without sending, whether the server sent anything while the
   * connection sat idle: bytes waiting in the socket of an idle connection are a message nobody
   * asked for, usually the FATAL goodbye of a backend that was ended (terminated, shut down, idle
   * timeout). Only then pgjdbc reads them ({@code getNotifications()}), which throws that goodbye
   * as a connection failure, before any request is sent. Notices and notifications read on the way
   * are dropped (a pooled connection of the store is not for {@code LISTEN}).
   *
   * <p>pgjdbc has no public way to look without waiting (its own check blocks for a millisecond
   * when nothing is there), so this reads the socket of its connection through its internal {@code
   * QueryExecutorBase.pgStream}; where that cannot be reached (another pgjdbc layout, a proxy
   * driver) the check is skipped, and such a failure counts as after the send (outcome unknown),
   * the safe side.
   */
  @Override
  void checkAlive(Connection c) throws SQLException {
    if (STREAM == null || !c.isWrapperFor(BaseConnection.class)) {
      return;
    }
    int waiting;
    try {
      PGStream stream = (PGStream) STREAM.get(c.unwrap(BaseConnection.class).getQueryExecutor());
      waiting = stream.getSocket().getInputStream().available();
    } catch (IOException e) {
      throw new SQLException("the connection is closed: " + e.getMessage(), "08006", e);
    } catch (IllegalAccessException | RuntimeException e) {
      return; // cannot look: skip the check
    }
    if (waiting > 0) {
      c.unwrap(PGConnection.class).getNotifications();
    }
  }

  /** pgjdbc's {@code QueryExecutorBase.pgStream}, or null if it cannot be read. */
  private static @Nullable Field streamField() {
    try {
      Field field =
          Class.forName("org.postgresql.core.QueryExecutorBase").getDeclaredField("pgStream");
      field.setAccessible(true);
      return PGStream.class.isAssignableFrom(field.getType()) ? field : null;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  /**
   * pgjdbc writes a request in full, ending with its {@code Sync} message, and only then reads. An
   * I/O failure thrown from one of its stream's writing methods therefore means the {@code Sync},
   * at which the server commits an auto-commit statement, was not delivered; a failure while
   * reading, or one whose origin cannot be seen, may come after the commit.
   */
  @Override
  boolean unsent(SQLException e) {
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      if (t instanceof IOException) {
        for (StackTraceElement frame : t.getStackTrace()) {
          if (frame.getClassName().equals(PG_STREAM)) {
            String method = frame.getMethodName();
            return method.equals("flush") || method.startsWith("send");
          }
        }
        return false;
      }
    }
    return false;
  }

  /** Moves past {@code count} results of a multi-statement execution. */
  private static void skipTo(PreparedStatement ps, int count) throws SQLException {
    for (int i = 0; i < count; i++) {
      ps.getMoreResults();
    }
    if (ps.getResultSet() == null) {
      throw new SQLException("expected a result set from " + ps);
    }
  }
}
