package dev.tandem.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.Versioned;
import dev.tandem.spi.AmbiguousCommitException;
import dev.tandem.spi.Mutation;
import dev.tandem.spi.RetryableException;
import dev.tandem.spi.StoreTransaction;
import dev.tandem.spi.Written;
import dev.tandem.testkit.fault.FaultProxy;
import dev.tandem.testkit.server.MariaDbServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * What is MariaDB's own: key locks are named locks ({@code GET_LOCK}), which belong to the
 * connection and outlive transactions, so the store must release them after every commit, rollback
 * and failure, and a connection that dies takes its locks with it; the version sequence must be
 * {@code NOCACHE}; the pool made for a {@code jdbc:mariadb:} URL bounds lock waits.
 */
class MariaDbStoreIT {

  private static final TestDatabase DB = TestDatabase.MARIADB;
  private static final ExecutorService executor = Executors.newCachedThreadPool();

  @AfterAll
  static void stopExecutor() {
    executor.shutdownNow();
  }

  private static JdbcStore<Long, Flight> flights() {
    return Flight.freshStore(DB);
  }

  /** Returns the connection id holding the key lock of {@code key}, or null if nobody holds it. */
  private static @Nullable Long holderOf(JdbcStore<Long, ?> store, long key) {
    String name = "tandem:" + Long.toHexString(KeyHash.of(store.table().display(), key));
    try (Connection c = DB.dataSource().getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT IS_USED_LOCK(?)")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        long id = rs.getLong(1);
        return rs.wasNull() ? null : id;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void keyLocksAreHeldUntilTheTransactionEndsAndReleasedAfterCommit() {
    try (JdbcStore<Long, Flight> store = flights()) {
      try (StoreTransaction<Long, Flight> tx = store.begin()) {
        tx.apply(
            List.of(
                new Mutation.Put<>(1L, new Flight("AMS", 1)),
                new Mutation.Put<>(2L, new Flight("BER", 2))));
        assertThat(holderOf(store, 1L)).isNotNull();
        assertThat(holderOf(store, 2L)).isNotNull();
        tx.commit();
        assertThat(holderOf(store, 1L)).as("released right after the commit").isNull();
      }
      assertThat(holderOf(store, 2L)).isNull();
      try (StoreTransaction<Long, Flight> tx = store.begin()) {
        tx.applyAndCommit(List.of(new Mutation.Put<>(3L, new Flight("CPH", 3))));
      }
      assertThat(holderOf(store, 3L)).isNull();
    }
  }

  @Test
  void keyLocksAreReleasedAfterARollbackAndAfterAFailingStatement() {
    try (JdbcStore<Long, Flight> store = flights()) {
      try (StoreTransaction<Long, Flight> tx = store.begin()) {
        assertThat(tx.loadForUpdate(1L)).isEmpty();
        assertThat(holderOf(store, 1L)).isNotNull();
      } // closed without a commit: rolled back
      assertThat(holderOf(store, 1L)).isNull();

      try (StoreTransaction<Long, Flight> tx = store.begin()) {
        assertThatThrownBy(
                () ->
                    tx.apply(
                        List.of(
                            new Mutation.Put<>(1L, new Flight("AMS", 1)),
                            new Mutation.Put<>(2L, new Flight("BER", -1)))))
            .isInstanceOf(JdbcStoreException.class);
      }
      assertThat(holderOf(store, 1L)).isNull();
      assertThat(holderOf(store, 2L)).isNull();
      assertThat(store.load(1L)).isEmpty();
    }
  }

  /**
   * A holder whose connection is killed loses its transaction and its lock: a waiting writer goes
   * on.
   */
  @Test
  void aKilledConnectionsKeyLocksAreFreedByTheServer() throws Exception {
    try (JdbcStore<Long, Flight> store = flights()) {
      StoreTransaction<Long, Flight> holder = store.begin();
      holder.apply(List.of(new Mutation.Put<>(7L, new Flight("AMS", 7))));
      Future<Written> writer =
          executor.submit(
              () -> {
                try (StoreTransaction<Long, Flight> tx = store.begin()) {
                  return tx.applyAndCommit(List.of(new Mutation.Put<>(7L, new Flight("OSL", 8))))
                      .get(0);
                }
              });
      DB.awaitBlocked(writer);
      long id = holderOf(store, 7L);
      DB.execute("KILL CONNECTION " + id);
      Written written = writer.get(30, TimeUnit.SECONDS);
      assertThat(written.existed()).as("the holder's insert was rolled back").isFalse();
      assertThatThrownBy(holder::commit).isInstanceOf(AmbiguousCommitException.class);
      holder.close(); // never throws for a dead connection
      assertThat(store.load(7L)).contains(new Versioned<>(new Flight("OSL", 8), written.version()));
    }
  }

  /**
   * The proxy forwards the COMMIT and cuts the connection before its answer: the commit happened,
   * the caller hears the outcome is unknown, and the key's lock went with the connection.
   */
  @Test
  void aCommitWhoseAnswerIsLostIsAmbiguousAndItsLockGoesWithTheConnection() {
    String table = TestDatabase.uniqueName("flight");
    Flight.createTable(DB, table);
    MariaDbServer server = MariaDbServer.shared();
    try (FaultProxy proxy = FaultProxy.startMariaDb("127.0.0.1", server.port());
        com.zaxxer.hikari.HikariDataSource pool =
            KeyValue.pool(
                new org.mariadb.jdbc.MariaDbDataSource(
                    "jdbc:mariadb://"
                        + proxy.host()
                        + ":"
                        + proxy.port()
                        + "/"
                        + currentDatabase()
                        + "?user=root"),
                2,
                null);
        JdbcStore<Long, Flight> store =
            JdbcStore.<Long, Flight>builder()
                .dataSource(pool)
                .table(table)
                .keyColumn("flight_id", Long.class)
                .rowMapper(Flight.MAPPER)
                .build()) {
      try (StoreTransaction<Long, Flight> tx = store.begin()) {
        tx.apply(List.of(new Mutation.Put<>(1L, new Flight("AMS", 1))));
        proxy.cutAfterStatement("COMMIT", 1);
        assertThatThrownBy(tx::commit).isInstanceOf(AmbiguousCommitException.class);
      }
      assertThat(proxy.cutCount()).isEqualTo(1);
      TestDatabase.awaitTrue(
          () -> holderOf(store, 1L) == null, "the server to free the cut connection's lock");
      try (JdbcStore<Long, Flight> direct = Flight.store(DB, table)) {
        assertThat(direct.load(1L)).map(Versioned::value).contains(new Flight("AMS", 1));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A caller's transaction cannot be joined: the named key locks would outlive the caller's commit,
   * which the store does not see, and hold every other writer of those keys.
   */
  @Test
  void joiningACallersTransactionIsRefused() throws Exception {
    try (JdbcStore<Long, Flight> store = flights();
        Connection c = DB.dataSource().getConnection()) {
      c.setAutoCommit(false);
      assertThatThrownBy(() -> store.join(c))
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("outlive transactions");
      c.rollback();
    }
  }

  @Test
  void aSequenceThatCachesValuesIsRefused() {
    String table = TestDatabase.uniqueName("flight");
    Flight.createTable(DB, table);
    DB.execute("ALTER SEQUENCE " + table + "_tandem_seq CACHE 20");
    assertThatThrownBy(() -> Flight.store(DB, table))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("caches 20 values")
        .hasMessageContaining("NOCACHE");
  }

  @Test
  void connectionsAtRepeatableReadAreRefused() {
    String table = TestDatabase.uniqueName("flight");
    Flight.createTable(DB, table);
    javax.sql.DataSource plain = MariaDbServer.shared().dataSourceOf(currentDatabase());
    assertThatThrownBy(
            () ->
                JdbcStore.<Long, Flight>builder()
                    .dataSource(plain)
                    .table(table)
                    .keyColumn("flight_id", Long.class)
                    .rowMapper(Flight.MAPPER)
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("READ COMMITTED");
  }

  private static String currentDatabase() {
    try (Connection c = DB.dataSource().getConnection()) {
      return c.getCatalog();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The pool made for a {@code jdbc:mariadb:} URL sets {@code innodb_lock_wait_timeout}, which also
   * bounds the wait for a key's named lock: a write of a key held elsewhere fails after about the
   * lock timeout, plainly (not retried), and writes nothing.
   */
  @Test
  void theLockTimeoutOfAJdbcUrlStoreBoundsTheWaitForAKeyLock() throws Exception {
    String table = TestDatabase.uniqueName("flight");
    Flight.createTable(DB, table);
    String url = MariaDbServer.shared().jdbcUrl(currentDatabase());
    try (JdbcStore<Long, Flight> holderStore = Flight.store(DB, table);
        JdbcStore<Long, Flight> store =
            JdbcStore.<Long, Flight>builder()
                .jdbcUrl(url, null, null)
                .table(table)
                .keyColumn("flight_id", Long.class)
                .rowMapper(Flight.MAPPER)
                .lockTimeout(Duration.ofSeconds(1))
                .build();
        StoreTransaction<Long, Flight> holder = holderStore.begin()) {
      holder.loadForUpdate(1L);
      long start = System.nanoTime();
      Future<?> writer =
          executor.submit(
              () -> {
                try (StoreTransaction<Long, Flight> tx = store.begin()) {
                  return tx.applyAndCommit(List.of(new Mutation.Put<>(1L, new Flight("AMS", 1))));
                }
              });
      Throwable thrown = catchCause(writer);
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      System.out.println("the blocked put failed after " + took.toMillis() + " ms: " + thrown);
      assertThat(thrown)
          .isInstanceOf(JdbcStoreException.class)
          .isNotInstanceOf(RetryableException.class)
          .hasMessageContaining("innodb_lock_wait_timeout");
      assertThat(took).isLessThan(Duration.ofSeconds(10));
      holder.close();
      assertThat(store.load(1L)).isEmpty();
    }
  }

  @Test
  void aLockTimeoutInFractionsOfASecondIsRefusedForMariaDb() {
    String url = MariaDbServer.shared().jdbcUrl(currentDatabase());
    assertThatThrownBy(
            () ->
                JdbcStore.<Long, Flight>builder()
                    .jdbcUrl(url, null, null)
                    .table("flight")
                    .keyColumn("flight_id", Long.class)
                    .rowMapper(Flight.MAPPER)
                    .lockTimeout(Duration.ofMillis(1500))
                    .build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("lockTimeout must be whole seconds");
  }

  private static Throwable catchCause(Future<?> future) throws InterruptedException {
    try {
      future.get(40, TimeUnit.SECONDS);
      throw new AssertionError("the write did not fail");
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("the write did not fail within 40 s: the wait is unbounded");
    }
  }
}
