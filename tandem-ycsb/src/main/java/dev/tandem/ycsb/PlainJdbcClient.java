package dev.tandem.ycsb;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.Vector;
import org.jspecify.annotations.Nullable;
import site.ycsb.ByteIterator;
import site.ycsb.DB;
import site.ycsb.DBException;
import site.ycsb.Status;
import site.ycsb.StringByteIterator;

/**
 * <b>The baseline</b>: YCSB's operations as plain SQL on the same usertable, with no cache and no
 * Tandem code, the statements an application without a cache runs (and YCSB's own JDBC binding
 * runs): {@code SELECT} of the fields by key, {@code UPDATE} of the changed fields, {@code INSERT},
 * {@code DELETE}, and a range {@code SELECT} for scans, each in auto-commit (one commit per write).
 *
 * <p>It draws no versions, so a table it wrote is still readable through Tandem (inserted rows get
 * a version from the column's default) but its updates are invisible to a Tandem cache: do not mix
 * the two bindings on one table in one run.
 */
public final class PlainJdbcClient extends DB {

  private @Nullable SharedDatabase shared;
  private @Nullable YcsbSettings settings;
  private String readSql = "";
  private String insertSql = "";
  private String deleteSql = "";
  private final Map<Set<String>, String> updateSql = new HashMap<>();

  /** Creates the binding; YCSB calls this once per client thread. */
  public PlainJdbcClient() {}

  /** Opens (or joins) the shared pool. */
  @Override
  public void init() throws DBException {
    try {
      YcsbSettings s = YcsbSettings.of(getProperties());
      shared = SharedDatabase.acquire(s);
      settings = s;
      String fields = String.join(", ", s.fields());
      readSql =
          "SELECT " + fields + " FROM " + s.table() + " WHERE " + UsertableSchema.KEY + " = ?";
      insertSql =
          "INSERT INTO "
              + s.table()
              + " ("
              + UsertableSchema.KEY
              + ", "
              + fields
              + ") VALUES (?"
              + ", ?".repeat(s.fieldCount())
              + ")";
      deleteSql = "DELETE FROM " + s.table() + " WHERE " + UsertableSchema.KEY + " = ?";
    } catch (SQLException | RuntimeException e) {
      throw new DBException("PlainJdbcClient: " + e.getMessage(), e);
    }
  }

  /** Leaves the shared pool; the last thread closes it. */
  @Override
  public void cleanup() {
    SharedDatabase db = shared;
    shared = null;
    if (db != null) {
      db.release();
    }
  }

  @Override
  public Status read(
      String table, String key, @Nullable Set<String> fields, Map<String, ByteIterator> result) {
    try (Connection c = shared().pool().getConnection();
        PreparedStatement ps = c.prepareStatement(readSql)) {
      ps.setString(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Status.NOT_FOUND;
        }
        copy(rs, fields, result);
        return Status.OK;
      }
    } catch (SQLException | RuntimeException e) {
      return Failures.report("read", key, e);
    }
  }

  @Override
  public Status scan(
      String table,
      String startKey,
      int count,
      @Nullable Set<String> fields,
      Vector<HashMap<String, ByteIterator>> result) {
    YcsbSettings s = settings();
    String sql =
        "SELECT "
            + String.join(", ", s.fields())
            + " FROM "
            + s.table()
            + " WHERE "
            + UsertableSchema.KEY
            + " >= ? ORDER BY "
            + UsertableSchema.KEY
            + " LIMIT "
            + Math.max(0, count);
    try (Connection c = shared().pool().getConnection();
        PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, startKey);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          HashMap<String, ByteIterator> row = new HashMap<>();
          copy(rs, fields, row);
          result.add(row);
        }
      }
      return Status.OK;
    } catch (SQLException | RuntimeException e) {
      return Failures.report("scan", startKey, e);
    }
  }

  @Override
  public Status update(String table, String key, Map<String, ByteIterator> values) {
    Map<String, String> changes = new TreeMap<>(StringByteIterator.getStringMap(values));
    try (Connection c = shared().pool().getConnection();
        PreparedStatement ps = c.prepareStatement(updateSql(changes.keySet()))) {
      int i = 1;
      for (String value : changes.values()) {
        ps.setString(i++, value);
      }
      ps.setString(i, key);
      return ps.executeUpdate() == 1 ? Status.OK : Status.NOT_FOUND;
    } catch (SQLException | RuntimeException e) {
      return Failures.report("update", key, e);
    }
  }

  @Override
  public Status insert(String table, String key, Map<String, ByteIterator> values) {
    Map<String, String> record = StringByteIterator.getStringMap(values);
    try (Connection c = shared().pool().getConnection();
        PreparedStatement ps = c.prepareStatement(insertSql)) {
      ps.setString(1, key);
      int i = 2;
      for (String field : settings().fields()) {
        ps.setString(i++, record.get(field));
      }
      ps.executeUpdate();
      return Status.OK;
    } catch (SQLException | RuntimeException e) {
      return Failures.report("insert", key, e);
    }
  }

  @Override
  public Status delete(String table, String key) {
    try (Connection c = shared().pool().getConnection();
        PreparedStatement ps = c.prepareStatement(deleteSql)) {
      ps.setString(1, key);
      return ps.executeUpdate() == 1 ? Status.OK : Status.NOT_FOUND;
    } catch (SQLException | RuntimeException e) {
      return Failures.report("delete", key, e);
    }
  }

  /** The UPDATE of exactly these fields (in sorted order), built once per field set. */
  private String updateSql(Set<String> fields) {
    String sql = updateSql.get(fields);
    if (sql == null) {
      List<String> assignments = new ArrayList<>();
      for (String field : fields) {
        if (!settings().fields().contains(field)) {
          throw new IllegalArgumentException("unknown field " + field);
        }
        assignments.add(field + " = ?");
      }
      sql =
          "UPDATE "
              + settings().table()
              + " SET "
              + String.join(", ", assignments)
              + " WHERE "
              + UsertableSchema.KEY
              + " = ?";
      updateSql.put(Set.copyOf(fields), sql);
    }
    return sql;
  }

  private void copy(ResultSet rs, @Nullable Set<String> fields, Map<String, ByteIterator> result)
      throws SQLException {
    for (String field : settings().fields()) {
      if (fields == null || fields.contains(field)) {
        String value = rs.getString(field);
        if (value != null) {
          result.put(field, new StringByteIterator(value));
        }
      }
    }
  }

  private SharedDatabase shared() {
    SharedDatabase db = shared;
    if (db == null) {
      throw new IllegalStateException("PlainJdbcClient is not initialized");
    }
    return db;
  }

  private YcsbSettings settings() {
    YcsbSettings s = settings;
    if (s == null) {
      throw new IllegalStateException("PlainJdbcClient is not initialized");
    }
    return s;
  }
}
