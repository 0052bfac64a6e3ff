package dev.tandem.ycsb;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.Vector;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import site.ycsb.ByteIterator;
import site.ycsb.DB;
import site.ycsb.DBException;
import site.ycsb.Status;
import site.ycsb.StringByteIterator;
import site.ycsb.measurements.Measurements;
import site.ycsb.workloads.CoreWorkload;

/**
 * Both bindings through YCSB's own API: each operation directly, then YCSB's CoreWorkload (its key
 * choice, field generation and operation mix) on two client threads. Run once per database by the
 * subclasses.
 */
abstract class BindingSuite {

  private static final int RECORDS = 200;

  /** Returns the JDBC URL (user included) of a new, empty database. */
  abstract String newDatabaseUrl();

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TandemClient", "PlainJdbcClient"})
  void everyOperationWorks(String binding) throws Exception {
    String url = newDatabaseUrl();
    DB db = open(binding, properties(url));
    try {
      assertThat(
              db.insert("usertable", "user1", values("field0", "a", "field1", "b", "field2", "c")))
          .isEqualTo(Status.OK);
      assertThat(
              db.insert("usertable", "user2", values("field0", "x", "field1", "y", "field2", "z")))
          .isEqualTo(Status.OK);

      Map<String, ByteIterator> read = new HashMap<>();
      assertThat(db.read("usertable", "user1", null, read)).isEqualTo(Status.OK);
      assertThat(StringByteIterator.getStringMap(read))
          .isEqualTo(Map.of("field0", "a", "field1", "b", "field2", "c"));

      assertThat(db.update("usertable", "user1", values("field1", "B"))).isEqualTo(Status.OK);
      Map<String, ByteIterator> some = new HashMap<>();
      assertThat(db.read("usertable", "user1", Set.of("field1", "field2"), some))
          .isEqualTo(Status.OK);
      assertThat(StringByteIterator.getStringMap(some))
          .isEqualTo(Map.of("field1", "B", "field2", "c"));
      assertThat(sqlField(url, "user1", "field1"))
          .as("the update reached the database")
          .isEqualTo("B");
      assertThat(sqlField(url, "user1", "field0")).as("the other fields were kept").isEqualTo("a");

      Vector<HashMap<String, ByteIterator>> scanned = new Vector<>();
      assertThat(db.scan("usertable", "user1", 5, Set.of("field0"), scanned)).isEqualTo(Status.OK);
      assertThat(scanned).extracting(r -> r.get("field0").toString()).containsExactly("a", "x");

      assertThat(db.delete("usertable", "user2")).isEqualTo(Status.OK);
      assertThat(db.read("usertable", "user2", null, new HashMap<>())).isEqualTo(Status.NOT_FOUND);
      assertThat(db.update("usertable", "user2", values("field0", "q")))
          .isEqualTo(Status.NOT_FOUND);
    } finally {
      db.cleanup();
    }
  }

  /**
   * YCSB threads init and clean up on their own schedule: a thread that finished (the last one
   * open, so the shared pool closed) before another started must not lose its rows when the late
   * one opens with {@code tandem.recreate}.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TandemClient", "PlainJdbcClient"})
  void aThreadThatStartsLateDoesNotDropTheRowsOfOneThatFinished(String binding) throws Exception {
    Properties p = properties(newDatabaseUrl());
    DB early = open(binding, p);
    assertThat(
            early.insert("usertable", "user1", values("field0", "a", "field1", "b", "field2", "c")))
        .isEqualTo(Status.OK);
    early.cleanup();

    DB late = open(binding, p);
    try {
      assertThat(late.read("usertable", "user1", null, new HashMap<>())).isEqualTo(Status.OK);
    } finally {
      late.cleanup();
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TandemClient", "PlainJdbcClient"})
  void ycsbsCoreWorkloadRunsWithoutAFailure(String binding) throws Exception {
    String url = newDatabaseUrl();
    Properties p = properties(url);
    p.setProperty("recordcount", Integer.toString(RECORDS));
    p.setProperty("operationcount", "800");
    p.setProperty("readproportion", "0.5");
    p.setProperty("updateproportion", "0.3");
    p.setProperty("readmodifywriteproportion", "0.1");
    p.setProperty("scanproportion", "0.05");
    p.setProperty("insertproportion", "0.05");
    p.setProperty("requestdistribution", "zipfian");
    p.setProperty("threadcount", "2");
    Measurements.setProperties(p);
    CoreWorkload workload = new CoreWorkload();
    workload.init(p);
    Map<String, Integer> failures = new ConcurrentHashMap<>();

    int inserts =
        runOnTwoThreads(
            binding,
            p,
            failures,
            (db, state) -> {
              int done = 0;
              for (int i = 0; i < RECORDS / 2; i++) {
                assertThat(workload.doInsert(db, state)).isTrue();
                done++;
              }
              return done;
            },
            workload);
    runOnTwoThreads(
        binding,
        p,
        failures,
        (db, state) -> {
          for (int i = 0; i < 400; i++) {
            workload.doTransaction(db, state);
          }
          return 0;
        },
        workload);

    assertThat(inserts).isEqualTo(RECORDS);
    assertThat(failures).as("operations that did not return OK").isEmpty();
    assertThat(count(url)).isGreaterThanOrEqualTo(RECORDS);
  }

  /** One client thread's work; returns a count. */
  @FunctionalInterface
  private interface Work {
    int run(DB db, Object state) throws Exception;
  }

  private int runOnTwoThreads(
      String binding, Properties p, Map<String, Integer> failures, Work work, CoreWorkload workload)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        int thread = t;
        results.add(
            pool.submit(
                () -> {
                  DB db = new Checked(open(binding, p), failures);
                  try {
                    return work.run(db, workload.initThread(p, thread, 2));
                  } finally {
                    db.cleanup();
                  }
                }));
      }
      int total = 0;
      for (Future<Integer> result : results) {
        total += result.get(60, TimeUnit.SECONDS);
      }
      return total;
    } finally {
      pool.shutdownNow();
    }
  }

  private static DB open(String binding, Properties p) throws DBException {
    Supplier<DB> factory =
        binding.equals("TandemClient") ? TandemClient::new : PlainJdbcClient::new;
    DB db = factory.get();
    db.setProperties(p);
    db.init();
    return db;
  }

  private static Properties properties(String url) {
    Properties p = new Properties();
    p.setProperty("db.url", url);
    p.setProperty("fieldcount", "3");
    p.setProperty("fieldlength", "20");
    p.setProperty("tandem.recreate", "true");
    return p;
  }

  private static Map<String, ByteIterator> values(String... fieldsAndValues) {
    Map<String, String> map = new HashMap<>();
    for (int i = 0; i < fieldsAndValues.length; i += 2) {
      map.put(fieldsAndValues[i], fieldsAndValues[i + 1]);
    }
    return StringByteIterator.getByteIteratorMap(map);
  }

  private static String sqlField(String url, String key, String field) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT " + field + " FROM usertable WHERE ycsb_key = '" + key + "'")) {
      assertThat(rs.next()).isTrue();
      return rs.getString(1);
    }
  }

  private static long count(String url) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM usertable")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Forwards to a binding and records every status other than OK, by operation. */
  private static final class Checked extends DB {
    private final DB db;
    private final Map<String, Integer> failures;

    Checked(DB db, Map<String, Integer> failures) {
      this.db = db;
      this.failures = failures;
    }

    private Status check(String operation, Status status) {
      if (!status.isOk()) {
        failures.merge(operation + " " + status.getName(), 1, Integer::sum);
      }
      return status;
    }

    @Override
    public void cleanup() throws DBException {
      db.cleanup();
    }

    @Override
    public Status read(
        String table, String key, Set<String> fields, Map<String, ByteIterator> result) {
      return check("read", db.read(table, key, fields, result));
    }

    @Override
    public Status scan(
        String table,
        String startKey,
        int count,
        Set<String> fields,
        Vector<HashMap<String, ByteIterator>> result) {
      return check("scan", db.scan(table, startKey, count, fields, result));
    }

    @Override
    public Status update(String table, String key, Map<String, ByteIterator> values) {
      return check("update", db.update(table, key, values));
    }

    @Override
    public Status insert(String table, String key, Map<String, ByteIterator> values) {
      return check("insert", db.insert(table, key, values));
    }

    @Override
    public Status delete(String table, String key) {
      return check("delete", db.delete(table, key));
    }
  }
}
