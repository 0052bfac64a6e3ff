package dev.tandem.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.RetryPolicy;
import dev.tandem.StoreException;
import dev.tandem.Tandem;
import dev.tandem.Transaction;
import dev.tandem.Versioned;
import dev.tandem.spi.Mutation;
import dev.tandem.spi.RetryableException;
import dev.tandem.spi.StoreTransaction;
import dev.tandem.testkit.server.PostgresServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Failures that leave nothing committed and go away when the transaction runs again (deadlocks, a
 * pooled connection that died while idle) are {@link RetryableException}s of the store, and Tandem
 * retries them: provoked for real on PostgreSQL and H2.
 */
class RetryableFailureIT {

  private static final RetryPolicy PATIENT =
      new RetryPolicy(200, Duration.ofMillis(1), Duration.ofMillis(10));
  private static final ExecutorService executor = Executors.newCachedThreadPool();

  @AfterAll
  static void stopExecutor() {
    executor.shutdownNow();
  }

  private static String lockTimeoutSql(TestDatabase db) {
    return switch (db) {
      case POSTGRESQL -> "SET lock_timeout = '50ms'";
      case MARIADB ->
          "SET SESSION innodb_lock_wait_timeout = 1"; // seconds: the least; it bounds named locks
      // too
      case H2 -> "SET LOCK_TIMEOUT 50";
    };
  }

  private static void commit(
      JdbcStore<String, String> store, List<Mutation<String, String>> mutations) {
    try (StoreTransaction<String, String> tx = store.begin()) {
      tx.apply(mutations);
      tx.commit();
    }
  }

  private static Optional<String> committed(JdbcStore<String, String> store, String key) {
    return store.load(key).map(Versioned::value);
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(30, TimeUnit.SECONDS)) {
        throw new AssertionError("timed out waiting for the other transaction");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  // ------------------------------------------------------------------ the store

  /**
   * Two transactions lock two keys in opposite order; the database picks one as the deadlock's
   * victim, whose failure is retryable and which rolled back before throwing: the other commits
   * while the victim's transaction is still open.
   */
  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void aDeadlockIsRetryableAndTheVictimRolledBackBeforeThrowing(TestDatabase db) throws Exception {
    try (HikariDataSource pool = KeyValue.pool(db.createDataSource(), 4, null);
        JdbcStore<String, String> store = KeyValue.create(pool, "account")) {
      commit(
          store,
          List.of(
              new Mutation.Put<>("a", "0"), new Mutation.Put<>("b", "0"))); // H2 locks rows only
      CountDownLatch bothHoldOne = new CountDownLatch(2);
      CountDownLatch oneCommitted = new CountDownLatch(1);
      Future<String> ab =
          executor.submit(() -> lockBoth(store, "a", "b", bothHoldOne, oneCommitted));
      Future<String> ba =
          executor.submit(() -> lockBoth(store, "b", "a", bothHoldOne, oneCommitted));

      String deadlock = db == TestDatabase.POSTGRESQL ? "40P01" : "40001";
      assertThat(List.of(ab.get(60, TimeUnit.SECONDS), ba.get(60, TimeUnit.SECONDS)))
          .containsExactlyInAnyOrder("committed", "retryable " + deadlock);
      assertThat(store.loadAll(List.of("a", "b")).values())
          .extracting(Versioned::value)
          .hasSize(2)
          .allMatch(v -> v.startsWith("by "));
    }
  }

  private static String lockBoth(
      JdbcStore<String, String> store,
      String first,
      String second,
      CountDownLatch bothHoldOne,
      CountDownLatch oneCommitted) {
    try (StoreTransaction<String, String> tx = store.begin()) {
      tx.loadForUpdate(first);
      bothHoldOne.countDown();
      await(bothHoldOne);
      try {
        tx.loadForUpdate(second);
      } catch (RetryableException e) {
        await(oneCommitted); // the other could not commit if this one still held its lock
        return "retryable " + ((JdbcStoreException) e.getCause()).sqlState();
      }
      tx.apply(
          List.of(
              new Mutation.Put<>(first, "by " + first), new Mutation.Put<>(second, "by " + first)));
      tx.commit();
      oneCommitted.countDown();
      return "committed";
    }
  }

  /**
   * A lock wait cut short by the connection's lock timeout is not retryable: the lock's holder kept
   * it for the whole timeout, so a retry would most likely wait as long again (issue 16, item 2: a
   * write blocked on a lock fails within the lock timeout, not once per retry).
   */
  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void aLockTimeoutIsNotRetryable(TestDatabase db) {
    DataSource unpooled = db.createDataSource();
    try (HikariDataSource pool = KeyValue.pool(unpooled, 2, null);
        HikariDataSource impatientPool = KeyValue.pool(unpooled, 2, lockTimeoutSql(db));
        JdbcStore<String, String> store = KeyValue.create(pool, "kv");
        JdbcStore<String, String> impatient = KeyValue.store(impatientPool, "kv")) {
      commit(store, List.of(new Mutation.Put<>("k", "held")));
      try (StoreTransaction<String, String> holder = store.begin()) {
        holder.loadForUpdate("k");
        try (StoreTransaction<String, String> tx = impatient.begin()) {
          assertThatThrownBy(() -> tx.apply(List.of(new Mutation.Put<>("k", "late"))))
              .isInstanceOf(JdbcStoreException.class)
              .isNotInstanceOf(RetryableException.class)
              .hasMessageContaining("put of key k")
              .satisfies(
                  e ->
                      assertThat(((JdbcStoreException) e).sqlState())
                          .isEqualTo(
                              switch (db) {
                                case POSTGRESQL -> "55P03";
                                case MARIADB -> "HY000"; // error 1205, InnoDB's lock wait timeout
                                case H2 -> "HYT00";
                              }));
        }
      }
      assertThat(committed(store, "k")).contains("held");
    }
  }

  /**
   * A connection whose server process was ended while it sat idle fails the transaction's first
   * operation: retryable, since nothing of the transaction reached the server. Lost after the first
   * operation, it is a plain failure.
   */
  @Test
  void aConnectionFoundDeadByTheFirstOperationIsRetryableButNotLaterInTheTransaction()
      throws SQLException {
    DataSource unpooled = TestDatabase.POSTGRESQL.createDataSource();
    JdbcSchema.createKeyValueTable(unpooled, "kv", ValueType.TEXT);
    JdbcStore<String, String> direct = KeyValue.store(unpooled, "kv");

    try (Connection physical = unpooled.getConnection()) {
      JdbcStore<String, String> store = KeyValue.store(OneConnection.dataSource(physical), "kv");
      terminate(unpooled, backendPid(physical));
      try (StoreTransaction<String, String> tx = store.begin()) {
        assertThatThrownBy(() -> tx.apply(List.of(new Mutation.Put<>("k", "1"))))
            .isInstanceOf(RetryableException.class)
            .hasCauseInstanceOf(JdbcStoreException.class);
      }
    }
    try (Connection physical = unpooled.getConnection()) {
      JdbcStore<String, String> store = KeyValue.store(OneConnection.dataSource(physical), "kv");
      try (StoreTransaction<String, String> tx = store.begin()) {
        assertThat(tx.loadForUpdate("k")).isEmpty();
        terminate(unpooled, backendPid(physical));
        assertThatThrownBy(() -> tx.apply(List.of(new Mutation.Put<>("k", "2"))))
            .isInstanceOf(JdbcStoreException.class)
            .isNotInstanceOf(RetryableException.class);
      }
    }
    assertThat(committed(direct, "k")).isEmpty();
  }

  /**
   * A lone put in one round trip (auto-commit) on a connection whose server process was ended while
   * it sat idle: the server's goodbye is read before anything is sent, so the put is retryable, not
   * of unknown outcome, and nothing was written.
   */
  @Test
  void aLonePutOnAConnectionEndedWhileIdleIsRetryableNotAmbiguous() throws SQLException {
    DataSource unpooled = TestDatabase.POSTGRESQL.createDataSource();
    JdbcSchema.createKeyValueTable(unpooled, "kv", ValueType.TEXT);
    JdbcStore<String, String> direct = KeyValue.store(unpooled, "kv");
    direct.begin().close(); // the table exists and the store works
    try (Connection physical = unpooled.getConnection()) {
      JdbcStore<String, String> store = KeyValue.store(OneConnection.dataSource(physical), "kv");
      terminate(unpooled, backendPid(physical));
      try (StoreTransaction<String, String> tx = store.begin()) {
        assertThatThrownBy(() -> tx.applyAndCommit(List.of(new Mutation.Put<>("lone", "1"))))
            .isInstanceOf(RetryableException.class)
            .hasCauseInstanceOf(JdbcStoreException.class)
            .satisfies(
                e -> assertThat(((JdbcStoreException) e.getCause()).sqlState()).isEqualTo("57P01"));
      }
    }
    assertThat(committed(direct, "lone")).isEmpty();
  }

  private static int backendPid(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_backend_pid()");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getInt(1);
    }
  }

  /** Ends the server process {@code pid} and waits until it is gone. */
  private static void terminate(DataSource any, int pid) throws SQLException {
    try (Connection c = any.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT pg_terminate_backend(?, 30000)")) {
      ps.setInt(1, pid);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        assertThat(rs.getBoolean(1)).as("backend %d terminated", pid).isTrue();
      }
    }
  }

  // ------------------------------------------------------------------ Tandem retries

  /**
   * Two nodes (two Tandems, two pools, one PostgreSQL table) run transactions that lock two keys in
   * opposite order, each holding one when it asks for the other. PostgreSQL breaks the deadlock by
   * failing one of them with 40P01; that node runs the work again and both commit.
   */
  @Test
  void aDeadlockBetweenTwoNodesIsRetriedAndBothTransactionsCommit() throws Exception {
    DataSource unpooled = TestDatabase.POSTGRESQL.createDataSource();
    try (HikariDataSource poolA = KeyValue.pool(unpooled, 2, null);
        HikariDataSource poolB = KeyValue.pool(unpooled, 2, null);
        Tandem<String, String> a =
            Tandem.builder(KeyValue.create(poolA, "account"))
                .name("a")
                .retryPolicy(PATIENT)
                .build();
        Tandem<String, String> b =
            Tandem.builder(KeyValue.store(poolB, "account"))
                .name("b")
                .retryPolicy(PATIENT)
                .build()) {
      a.putAll(Map.of("x", "0", "y", "0"));
      CountDownLatch bothHoldOne = new CountDownLatch(2);
      Future<Integer> ab =
          executor.submit(() -> a.transaction(tx -> incrementBoth(tx, "x", "y", bothHoldOne)));
      Future<Integer> ba =
          executor.submit(() -> b.transaction(tx -> incrementBoth(tx, "y", "x", bothHoldOne)));

      ab.get(60, TimeUnit.SECONDS);
      ba.get(60, TimeUnit.SECONDS);
      assertThat(a.stats().retryCount() + b.stats().retryCount()).isGreaterThanOrEqualTo(1);
      assertThat(a.stats().writeFailureCount() + b.stats().writeFailureCount()).isZero();
      JdbcStore<String, String> direct = KeyValue.store(unpooled, "account");
      assertThat(committed(direct, "x")).contains("2");
      assertThat(committed(direct, "y")).contains("2");
      a.invalidateAll();
      b.invalidateAll();
      assertThat(a.getAll(List.of("x", "y"))).isEqualTo(Map.of("x", "2", "y", "2"));
      assertThat(b.getAll(List.of("x", "y"))).isEqualTo(Map.of("x", "2", "y", "2"));
    }
  }

  /**
   * Reads {@code first}, waits until the other node holds its first key too, then reads {@code
   * second}.
   */
  private static int incrementBoth(
      Transaction<String, String> tx, String first, String second, CountDownLatch bothHoldOne) {
    int one = Integer.parseInt(tx.get(first).orElseThrow());
    bothHoldOne.countDown();
    await(bothHoldOne); // returns at once when the work runs again after the deadlock
    int two = Integer.parseInt(tx.get(second).orElseThrow());
    tx.put(first, Integer.toString(one + 1));
    tx.put(second, Integer.toString(two + 1));
    return one + two;
  }

  /**
   * A put that times out waiting for a key another transaction holds fails at once, not once per
   * retry (issue 16, item 2), as a StoreException; neither the database nor the cache changed, and
   * once the holder lets go the key can be written again.
   */
  @ParameterizedTest
  @EnumSource(TestDatabase.class)
  void aPutThatTimesOutOnALockFailsWithoutRetriesAndChangesNothing(TestDatabase db) {
    DataSource unpooled = db.createDataSource();
    try (HikariDataSource pool = KeyValue.pool(unpooled, 2, null);
        HikariDataSource impatientPool = KeyValue.pool(unpooled, 4, lockTimeoutSql(db));
        JdbcStore<String, String> direct = KeyValue.create(pool, "kv");
        Tandem<String, String> impatient =
            Tandem.builder(KeyValue.store(impatientPool, "kv")).retryPolicy(PATIENT).build()) {
      long before = impatient.put("k", "0");

      try (StoreTransaction<String, String> holder = direct.begin()) {
        holder.loadForUpdate("k");
        assertThatThrownBy(() -> impatient.put("k", "1"))
            .isInstanceOf(StoreException.class)
            .hasMessageContaining("key k")
            .hasCauseInstanceOf(JdbcStoreException.class);
        assertThat(impatient.stats().retryCount()).isZero();
        assertThat(impatient.getIfCached("k")).contains("0");
        holder.commit();
      }
      assertThat(direct.load("k")).contains(new Versioned<>("0", before));
      long version = impatient.put("k", "2");
      assertThat(direct.load("k")).contains(new Versioned<>("2", version));
      assertThat(impatient.getIfCached("k")).contains("2");
    }
  }

  /**
   * A pooled connection whose server process was ended while idle does not fail the next write:
   * either the pool notices and replaces it, or the store reports it dead at the transaction's
   * first statement and Tandem runs the transaction again on another connection.
   */
  @Test
  void aWriteAfterIdleConnectionsWereTerminatedSucceeds() throws SQLException {
    DataSource unpooled = TestDatabase.POSTGRESQL.createDataSource();
    String database;
    try (Connection c = unpooled.getConnection()) {
      database = c.getCatalog();
    }
    try (HikariDataSource pool = KeyValue.pool(unpooled, 2, null);
        Tandem<String, String> tandem = Tandem.builder(KeyValue.create(pool, "kv")).build()) {
      tandem.put("k", "before");
      try (Connection admin = PostgresServer.shared().dataSourceOf("postgres").getConnection();
          PreparedStatement ps =
              admin.prepareStatement(
                  "SELECT count(pg_terminate_backend(pid, 30000))"
                      + " FROM pg_stat_activity WHERE datname = ?")) {
        ps.setString(1, database);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          assertThat(rs.getInt(1)).as("terminated backends").isPositive();
        }
      }

      long version = tandem.put("k", "after");
      assertThat(KeyValue.store(unpooled, "kv").load("k"))
          .contains(new Versioned<>("after", version));
      assertThat(tandem.getIfCached("k")).contains("after");
      assertThat(tandem.stats().writeFailureCount()).isZero();
    }
  }
}
