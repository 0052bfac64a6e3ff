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
 * H2, embedded in one process: keys are locked with H2's row locks ({@code SELECT ... FOR UPDATE},
 * then {@code MERGE}). A single put takes two statements: the lock (which also tells whether the
 * key existed), then a {@code MERGE} that draws its version from the sequence and returns it
 * ({@code FINAL TABLE}); the version is still drawn after the lock was granted.
 *
 * <p><b>Single node only.</b> H2 cannot lock an absent key: two transactions that both create a
 * key, or create one while another deletes it, are not ordered by the database. Within one {@link
 * dev.tandem.Tandem} the engine runs the writers of a key one at a time, which restores the order;
 * two Tandems writing one H2 table do not have that, so use H2 behind one Tandem only.
 */
final class H2Dialect extends Dialect {

  private final String loadForUpdateSql;
  private final String lockSql;
  private final String versionsSql;
  private final String upsertSql;
  private final String lockOneSql;
  private final String putOneSql;
  private final String nextVersionSql;

  /** The statements of {@link #updateOne}, by {@link #updateShape}. */
  private final java.util.concurrent.ConcurrentHashMap<String, String> updateSql =
      new java.util.concurrent.ConcurrentHashMap<>();

  H2Dialect(Table table) {
    super(table);
    this.loadForUpdateSql = loadSql + " FOR UPDATE";
    this.lockSql =
        "SELECT "
            + table.keyColumn()
            + ", "
            + table.versionColumn()
            + " FROM "
            + table.name()
            + " WHERE "
            + table.keyColumn()
            + " = ANY(?) FOR UPDATE";
    this.versionsSql = "SELECT NEXT VALUE FOR " + table.sequence() + " FROM SYSTEM_RANGE(1, ?)";
    this.upsertSql =
        "MERGE INTO "
            + table.name()
            + " ("
            + insertColumns()
            + ") KEY ("
            + table.keyColumn()
            + ") VALUES (?, "
            + valueParameters()
            + ", ?)";
    this.lockOneSql =
        "SELECT "
            + table.versionColumn()
            + " FROM "
            + table.name()
            + " WHERE "
            + table.keyColumn()
            + " = ? FOR UPDATE";
    this.putOneSql =
        "SELECT "
            + table.versionColumn()
            + " FROM FINAL TABLE (MERGE INTO "
            + table.name()
            + " ("
            + insertColumns()
            + ") KEY ("
            + table.keyColumn()
            + ") VALUES (?, "
            + valueParameters()
            + ", NEXT VALUE FOR "
            + table.sequence()
            + "))";
    this.nextVersionSql = "SELECT NEXT VALUE FOR " + table.sequence();
  }

  @Override
  void bindKeys(Connection c, PreparedStatement ps, int index, Collection<?> keys)
      throws SQLException {
    ps.setObject(index, keys.toArray());
  }

  @Override
  <T> T loadForUpdate(Connection c, Object key, RowReader<T> reader) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(loadForUpdateSql)) {
      ps.setObject(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        return reader.read(rs);
      }
    }
  }

  @Override
  Prelude prelude(Connection c, List<?> keys, int versions) throws SQLException {
    Map<Object, Long> current;
    try (PreparedStatement ps = c.prepareStatement(lockSql)) {
      bindKeys(c, ps, 1, keys);
      try (ResultSet rs = ps.executeQuery()) {
        current = readCurrent(rs);
      }
    }
    try (PreparedStatement ps = c.prepareStatement(versionsSql)) {
      ps.setInt(1, versions);
      try (ResultSet rs = ps.executeQuery()) {
        return new Prelude(current, readDrawn(rs, versions));
      }
    }
  }

  @Override
  String upsertSql() {
    return upsertSql;
  }

  @Override
  boolean writesOneKeyAtOnce() {
    return true;
  }

  @Override
  boolean writesOneKeyInOneStatement() {
    return false; // two statements: in auto-commit the lock would end before the version is drawn
  }

  @Override
  long[] putOne(Connection c, Object key, List<?> values) throws SQLException {
    boolean existed = lockOne(c, key);
    try (PreparedStatement ps = c.prepareStatement(putOneSql)) {
      ps.setObject(1, key);
      bindValues(ps, 2, values);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          throw new SQLException(
              "the merge of key " + key + " into " + table.display() + " returned no row");
        }
        return new long[] {rs.getLong(1), existed ? 1 : 0};
      }
    }
  }

  @Override
  long[] deleteOne(Connection c, Object key) throws SQLException {
    boolean existed = lockOne(c, key);
    long version;
    try (PreparedStatement ps = c.prepareStatement(nextVersionSql);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      version = rs.getLong(1);
    }
    if (existed) {
      try (PreparedStatement ps = c.prepareStatement(deleteSql)) {
        ps.setObject(1, key);
        ps.executeUpdate();
      }
    }
    return new long[] {version, existed ? 1 : 0};
  }

  /**
   * The row lock, which also reads the version, then, if the row is there with the expected
   * version, {@code SELECT ... FROM FINAL TABLE (UPDATE ...)}: H2's update does not return rows,
   * its data change delta table does.
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
    long current;
    try (PreparedStatement ps = c.prepareStatement(lockOneSql)) {
      ps.setObject(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return null;
        }
        current = rs.getLong(1);
      }
    }
    if (expected > 0 && current != expected) {
      return null;
    }
    String sql =
        updateSql.computeIfAbsent(
            updateShape(columns, false, wholeRow),
            shape ->
                "SELECT "
                    + (wholeRow ? table.selectList() : table.versionColumn())
                    + " FROM FINAL TABLE (UPDATE "
                    + table.name()
                    + " SET "
                    + setList(columns, "NEXT VALUE FOR " + table.sequence())
                    + " WHERE "
                    + table.keyColumn()
                    + " = ?)");
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      int next = bindValues(ps, 1, values);
      ps.setObject(next, key);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? reader.read(rs) : null;
      }
    }
  }

  /**
   * Locks the row of {@code key}, if there is one, until the transaction ends; returns whether
   * there is.
   */
  private boolean lockOne(Connection c, Object key) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(lockOneSql)) {
      ps.setObject(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }
}
