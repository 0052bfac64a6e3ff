package dev.tandem.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.JoinedTransaction;
import dev.tandem.StoreException;
import dev.tandem.Tandem;
import dev.tandem.WriteCancelledException;
import dev.tandem.local.LocalTier;
import dev.tandem.testkit.fault.FaultProxy;
import dev.tandem.testkit.fault.PostgresFaults;
import dev.tandem.testkit.race.OutcomeReaders;
import dev.tandem.testkit.server.PostgresServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Tandem writes inside a transaction the caller owns ({@link Tandem#join}), on a connection of the
 * caller: they commit and roll back with it, are seen by its own SQL and reads, never wait for a
 * lock it holds, and reach the cache only after the reported commit (race H12): concurrent readers
 * never see a rolled-back value, and never an older one once the commit was reported.
 */
class JoinedTransactionIT {

  private static Tandem<String, String> tandem(TestDatabase db, String table) {
    return Tandem.builder(KeyValue.create(db.dataSource(), table))
        .cacheTier(LocalTier.<String, String>builder().maximumSize(100).build())
        .build();
  }

  /**
   * The key-value table's column names are reserved words in H2, which folds them to upper case.
   */
  private static String column(TestDatabase db, String name) {
    return db == TestDatabase.H2 ? "\"" + name.toUpperCase(java.util.Locale.ROOT) + "\"" : name;
  }

  private static Optional<String> sqlValue(TestDatabase db, Connection c, String table, String key)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT "
                + column(db, "value")
                + " FROM "
                + table
                + " WHERE "
                + column(db, "key")
                + " = ?")) {
      ps.setString(1, key);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = TestDatabase.class,
      names = "MARIADB",
      mode = EnumSource.Mode.EXCLUDE) // refuses: MariaDbStoreIT
  void commitInstallsTheNewVersionsAfterTheCallerCommitted(TestDatabase db) throws Exception {
    String table = TestDatabase.uniqueName("joined");
    try (Tandem<String, String> cache = tandem(db, table);
        Connection c = db.dataSource().getConnection()) {
      cache.put("a", "v1");
      cache.put("gone", "x");
      assertThat(cache.get("a")).contains("v1");
      c.setAutoCommit(false);
      JoinedTransaction<String, String> tx = cache.join(c);
      long version = tx.put("a", "v2");
      assertThat(tx.remove("gone")).isTrue();
      assertThat(tx.get("a")).as("the transaction reads its own write").contains("v2");
      assertThat(tx.get("gone")).isEmpty();
      assertThat(tx.getVersioned("a").orElseThrow().version()).isEqualTo(version);
      cache.put("other", "o");
      assertThat(tx.getAll(List.of("a", "gone", "other", "none")))
          .containsOnly(java.util.Map.entry("a", "v2"), java.util.Map.entry("other", "o"));
      assertThat(sqlValue(db, c, table, "a")).as("the caller's SQL sees it").contains("v2");
      assertThat(CompletableFuture.supplyAsync(() -> cache.get("a")).get(10, TimeUnit.SECONDS))
          .as("another thread reads the committed value")
          .contains("v1");
      assertThat(cache.getIfCached("a")).contains("v1");
      tx.beforeCommit();
      c.commit();
      tx.afterCommit();
      tx.close();
      assertThat(cache.getIfCached("a")).as("installed by afterCommit, not loaded").contains("v2");
      assertThat(cache.getVersioned("a").orElseThrow().version()).isEqualTo(version);
      assertThat(cache.get("gone")).isEmpty();
      cache.put("a", "v3"); // the key's lock on this node was released
      assertThat(cache.get("a")).contains("v3");
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = TestDatabase.class,
      names = "MARIADB",
      mode = EnumSource.Mode.EXCLUDE) // refuses: MariaDbStoreIT
  void rollbackCachesNothingAndReleasesTheKeys(TestDatabase db) throws Exception {
    String table = TestDatabase.uniqueName("joined");
    try (Tandem<String, String> cache = tandem(db, table);
        Connection c = db.dataSource().getConnection()) {
      cache.put("a", "v1");
      c.setAutoCommit(false);
      JoinedTransaction<String, String> tx = cache.join(c);
      tx.put("a", "v2");
      tx.put("new", "n");
      c.rollback();
      tx.afterRollback();
      tx.close();
      assertThat(cache.get("a")).contains("v1");
      assertThat(cache.get("new")).isEmpty();
      assertThat(
              db.queryInt(
                  "SELECT COUNT(*) FROM " + table + " WHERE " + column(db, "key") + " = 'new'"))
          .isZero();
      cache.put("a", "v3");
      assertThat(cache.get("a")).contains("v3");
    }
  }

  /**
   * The lock hazard: the caller's transaction already holds the row (its own UPDATE); the
   * joined write runs on the same connection and does not wait for it (a write of its own would,
   * until the lock timeout).
   */
  @ParameterizedTest
  @EnumSource(
      value = TestDatabase.class,
      names = "MARIADB",
      mode = EnumSource.Mode.EXCLUDE) // refuses: MariaDbStoreIT
  void aWriteNeverWaitsForALockOfTheCallersOwnTransaction(TestDatabase db) throws Exception {
    String table = TestDatabase.uniqueName("joined");
    ExecutorService caller = Executors.newSingleThreadExecutor();
    try (Tandem<String, String> cache = tandem(db, table);
        Connection c = db.dataSource().getConnection()) {
      cache.put("a", "v1");
      Future<Long> transaction =
          caller.submit(
              () -> {
                c.setAutoCommit(false);
                try (Statement s = c.createStatement()) {
                  s.executeUpdate(
                      "UPDATE "
                          + table
                          + " SET "
                          + column(db, "value")
                          + " = 'sql' WHERE "
                          + column(db, "key")
                          + " = 'a'");
                }
                JoinedTransaction<String, String> tx = cache.join(c);
                long version = tx.put("a", "v2");
                tx.beforeCommit();
                c.commit();
                tx.afterCommit();
                return version;
              });
      assertThat(transaction.get(10, TimeUnit.SECONDS)).isPositive();
      assertThat(cache.get("a")).contains("v2");
    } finally {
      caller.shutdownNow();
    }
  }

  /**
   * Readers and cache invalidations run while the transaction writes: no read that ends before the
   * commit begins sees the uncommitted value, after a rollback none ever does, and every read that
   * starts after afterCommit returned sees the committed one (race H12: a load of the old row
   * racing the publish).
   */
  @ParameterizedTest
  @EnumSource(
      value = TestDatabase.class,
      names = "MARIADB",
      mode = EnumSource.Mode.EXCLUDE) // refuses: MariaDbStoreIT
  void concurrentReadersNeverSeeARolledBackValueNorAnOlderOneAfterCommit(TestDatabase db)
      throws Exception {
    String table = TestDatabase.uniqueName("joined");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (Tandem<String, String> cache = tandem(db, table);
        Connection c = db.dataSource().getConnection()) {
      c.setAutoCommit(false);
      for (int round = 0; round < 12; round++) {
        boolean commit = round % 2 == 0;
        String before = "before" + round;
        String during = "during" + round;
        cache.put("k", before);
        OutcomeReaders<String> readers =
            OutcomeReaders.start(
                pool,
                List.of(() -> cache.get("k"), () -> cache.get("k"), () -> cache.get("k")),
                before,
                during,
                commit);
        AtomicBoolean stop = new AtomicBoolean();
        Future<?> invalidator =
            pool.submit(
                () -> {
                  while (!stop.get()) {
                    cache.invalidate("k");
                    Thread.yield();
                  }
                });
        JoinedTransaction<String, String> tx = cache.join(c);
        tx.put("k", during);
        if (commit) {
          tx.beforeCommit();
          readers.committing();
          c.commit();
          tx.afterCommit();
        } else {
          c.rollback();
          tx.afterRollback();
        }
        readers.reported();
        tx.close();
        List<String> wrong = readers.stopAndCollect(30);
        stop.set(true);
        invalidator.get(10, TimeUnit.SECONDS);
        assertThat(wrong).as("round %d (%s)", round, commit ? "commit" : "rollback").isEmpty();
        assertThat(cache.get("k")).contains(commit ? during : before);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * The caller's commit itself fails (a deferred constraint): nothing committed, the handle hears
   * of no outcome, and its close reads the key back, so the cache holds the committed row.
   */
  @Test
  void aFailedCommitLeavesTheCacheOnTheCommittedRow() throws Exception {
    TestDatabase db = TestDatabase.POSTGRESQL;
    String table = TestDatabase.uniqueName("joined");
    String parent = table + "_parent";
    db.execute("CREATE TABLE " + parent + " (id INT PRIMARY KEY)");
    db.execute(
        "CREATE TABLE "
            + table
            + "_child (parent_id INT REFERENCES "
            + parent
            + " DEFERRABLE INITIALLY DEFERRED)");
    try (Tandem<String, String> cache = tandem(db, table);
        Connection c = db.dataSource().getConnection()) {
      cache.put("a", "v1");
      c.setAutoCommit(false);
      JoinedTransaction<String, String> tx = cache.join(c);
      tx.put("a", "v2");
      try (Statement s = c.createStatement()) {
        s.executeUpdate("INSERT INTO " + table + "_child VALUES (42)"); // fails only at commit
      }
      tx.beforeCommit();
      assertThatThrownBy(c::commit).isInstanceOf(SQLException.class);
      tx.close(); // outcome unknown to the caller's framework: read back
      assertThat(cache.getIfCached("a")).as("re-read and installed by close").contains("v1");
      assertThat(cache.get("a")).contains("v1");
      c.rollback();
      cache.put("a", "v3");
      assertThat(cache.get("a")).contains("v3");
    }
  }

  /**
   * The caller's connection is cut right after its COMMIT reached the server: the server committed,
   * the caller hears only a failure and reports no outcome; close() reads the key back under the
   * database lock, so the cache holds what the database holds (H10, H12).
   */
  @Test
  void aCommitCutAfterItWasSentLeavesTheCacheOnWhatTheDatabaseHolds() throws Exception {
    TestDatabase db = TestDatabase.POSTGRESQL;
    String table = TestDatabase.uniqueName("joined");
    String database;
    try (Connection c = db.dataSource().getConnection()) {
      database = c.getCatalog();
    }
    try (Tandem<String, String> cache = tandem(db, table);
        FaultProxy proxy = FaultProxy.start("localhost", PostgresServer.shared().port());
        HikariDataSource proxied =
            KeyValue.pool(PostgresFaults.dataSource(proxy, database), 2, null)) {
      cache.put("a", "v1");
      assertThat(cache.get("a")).contains("v1");
      try (Connection c = proxied.getConnection()) {
        c.setAutoCommit(false);
        JoinedTransaction<String, String> tx = cache.join(c);
        tx.put("a", "v2");
        tx.beforeCommit();
        proxy.cutAfterStatement("COMMIT", 1);
        assertThatThrownBy(c::commit).isInstanceOf(SQLException.class);
        tx.close();
      }
      assertThat(proxy.cutCount()).isEqualTo(1);
      try (Connection c = db.dataSource().getConnection()) {
        assertThat(sqlValue(db, c, table, "a")).contains("v2");
      }
      assertThat(cache.getIfCached("a")).as("read back by close").contains("v2");
    }
  }

  /**
   * A joined write that failed in the database makes beforeCommit refuse: the caller must roll
   * back.
   */
  @Test
  void aFailedWriteRefusesTheCommit() throws Exception {
    TestDatabase db = TestDatabase.POSTGRESQL;
    String table = TestDatabase.uniqueName("joined");
    try (Tandem<String, String> cache = tandem(db, table);
        Connection c = db.dataSource().getConnection()) {
      cache.put("a", "v1");
      db.execute(
          "ALTER TABLE " + table + " ADD CONSTRAINT short_" + table + " CHECK (length(value) < 5)");
      c.setAutoCommit(false);
      JoinedTransaction<String, String> tx = cache.join(c);
      tx.put("b", "ok");
      assertThatThrownBy(() -> tx.put("a", "much too long")).isInstanceOf(StoreException.class);
      assertThatThrownBy(tx::beforeCommit)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("must be rolled back");
      c.rollback();
      tx.afterRollback();
      assertThat(cache.get("a")).contains("v1");
      assertThat(cache.get("b")).isEmpty();
    }
  }

  /**
   * A joined transaction holds its keys against this node's other writers until it ends: such a
   * writer waits at most the write timeout and writes nothing; the handle refuses other threads.
   */
  @Test
  void otherWritersOfAJoinedKeyWaitAtMostTheWriteTimeout() throws Exception {
    TestDatabase db = TestDatabase.H2;
    String table = TestDatabase.uniqueName("joined");
    ExecutorService other = Executors.newSingleThreadExecutor();
    try (Tandem<String, String> cache =
            Tandem.builder(KeyValue.create(db.dataSource(), table))
                .writeTimeout(java.time.Duration.ofMillis(300))
                .build();
        Connection c = db.dataSource().getConnection()) {
      c.setAutoCommit(false);
      JoinedTransaction<String, String> tx = cache.join(c);
      tx.put("a", "joined");
      Future<?> put = other.submit(() -> cache.put("a", "other"));
      assertThatThrownBy(() -> put.get(5, TimeUnit.SECONDS))
          .hasCauseInstanceOf(WriteCancelledException.class);
      assertThatThrownBy(() -> other.submit(() -> tx.put("b", "x")).get(5, TimeUnit.SECONDS))
          .hasCauseInstanceOf(IllegalStateException.class)
          .hasMessageContaining("thread that joined");
      tx.beforeCommit();
      c.commit();
      tx.afterCommit();
      assertThat(other.submit(() -> cache.put("a", "other")).get(5, TimeUnit.SECONDS)).isPositive();
      assertThat(cache.get("a")).contains("other");
    } finally {
      other.shutdownNow();
    }
  }

  @Test
  void aConnectionInAutoCommitHasNoTransactionToJoin() throws Exception {
    TestDatabase db = TestDatabase.H2;
    String table = TestDatabase.uniqueName("joined");
    try (Tandem<String, String> cache = tandem(db, table);
        Connection c = db.dataSource().getConnection()) {
      assertThatThrownBy(() -> cache.join(c))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("auto-commit");
    }
  }
}
