package dev.tandem.ycsb;

import dev.tandem.Columns;
import dev.tandem.Tandem;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.Vector;
import org.jspecify.annotations.Nullable;
import site.ycsb.ByteIterator;
import site.ycsb.DB;
import site.ycsb.DBException;
import site.ycsb.Status;
import site.ycsb.StringByteIterator;

/**
 * The Tandem binding: YCSB's operations through one {@link Tandem} (local tier) over the usertable,
 * shared by all client threads of the JVM.
 *
 * <ul>
 *   <li>read: {@link Tandem#get} (a hit never touches the database);
 *   <li>update (YCSB changes some fields): a field update, {@link Tandem#update(Object, Columns)}:
 *       one {@code UPDATE ... SET field = ? ... RETURNING} of the changed columns, whose returned
 *       row is cached, so that concurrent updates of different fields of one record are not lost;
 *   <li>insert: {@link Tandem#put}; delete: {@link Tandem#remove};
 *   <li>scan: the keys from an SQL range query, the records from {@link Tandem#getAll}.
 * </ul>
 *
 * <p>Run it with {@code site.ycsb.Client -db dev.tandem.ycsb.TandemClient -p db.url=jdbc:...}; see
 * {@link YcsbSettings} for the properties. The cache starts empty in every YCSB run (each run is a
 * new JVM), so the early reads of a run miss.
 */
public final class TandemClient extends DB {

  private @Nullable SharedDatabase shared;
  private @Nullable Tandem<String, Map<String, String>> tandem;
  private @Nullable YcsbSettings settings;

  /** Creates the binding; YCSB calls this once per client thread. */
  public TandemClient() {}

  /** Opens (or joins) the shared pool and Tandem. */
  @Override
  public void init() throws DBException {
    try {
      YcsbSettings s = YcsbSettings.of(getProperties());
      SharedDatabase db = SharedDatabase.acquire(s);
      settings = s;
      shared = db;
      tandem = db.tandem();
    } catch (SQLException | RuntimeException e) {
      throw new DBException("TandemClient: " + e.getMessage(), e);
    }
  }

  /** Leaves the shared pool and Tandem; the last thread closes them. */
  @Override
  public void cleanup() {
    SharedDatabase db = shared;
    shared = null;
    tandem = null;
    if (db != null) {
      db.release();
    }
  }

  @Override
  public Status read(
      String table, String key, @Nullable Set<String> fields, Map<String, ByteIterator> result) {
    try {
      Optional<Map<String, String>> record = tandem().get(key);
      if (record.isEmpty()) {
        return Status.NOT_FOUND;
      }
      copy(record.get(), fields, result);
      return Status.OK;
    } catch (RuntimeException e) {
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
    try {
      List<String> keys = new ArrayList<>(count);
      SharedDatabase db = shared();
      try (Connection c = db.pool().getConnection();
          PreparedStatement ps =
              c.prepareStatement(UsertableSchema.scanKeysSql(settings(), count))) {
        ps.setString(1, startKey);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            keys.add(rs.getString(1));
          }
        }
      }
      Map<String, Map<String, String>> records = tandem().getAll(keys);
      for (String key : keys) {
        Map<String, String> record = records.get(key);
        if (record != null) {
          HashMap<String, ByteIterator> row = new HashMap<>();
          copy(record, fields, row);
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
    try {
      Optional<Map<String, String>> updated =
          tandem().update(key, Columns.of(StringByteIterator.getStringMap(values)));
      return updated.isPresent() ? Status.OK : Status.NOT_FOUND;
    } catch (RuntimeException e) {
      return Failures.report("update", key, e);
    }
  }

  @Override
  public Status insert(String table, String key, Map<String, ByteIterator> values) {
    try {
      tandem().put(key, Map.copyOf(StringByteIterator.getStringMap(values)));
      return Status.OK;
    } catch (RuntimeException e) {
      return Failures.report("insert", key, e);
    }
  }

  @Override
  public Status delete(String table, String key) {
    try {
      return tandem().remove(key) ? Status.OK : Status.NOT_FOUND;
    } catch (RuntimeException e) {
      return Failures.report("delete", key, e);
    }
  }

  private static void copy(
      Map<String, String> record, @Nullable Set<String> fields, Map<String, ByteIterator> result) {
    for (Map.Entry<String, String> field : record.entrySet()) {
      if (fields == null || fields.contains(field.getKey())) {
        result.put(field.getKey(), new StringByteIterator(field.getValue()));
      }
    }
  }

  private Tandem<String, Map<String, String>> tandem() {
    Tandem<String, Map<String, String>> t = tandem;
    if (t == null) {
      throw new IllegalStateException("TandemClient is not initialized");
    }
    return t;
  }

  private SharedDatabase shared() {
    SharedDatabase db = shared;
    if (db == null) {
      throw new IllegalStateException("TandemClient is not initialized");
    }
    return db;
  }

  private YcsbSettings settings() {
    YcsbSettings s = settings;
    if (s == null) {
      throw new IllegalStateException("TandemClient is not initialized");
    }
    return s;
  }
}
