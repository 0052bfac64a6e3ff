package dev.tandem.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.CommitOutcomeUnknownException;
import dev.tandem.StoreException;
import dev.tandem.Tandem;
import dev.tandem.Versioned;
import dev.tandem.spi.StoreTransaction;
import dev.tandem.testkit.fault.PostgresFaults;
import dev.tandem.testkit.server.H2Database;
import dev.tandem.testkit.server.PostgresServer;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 16, item 2: every wait of the store is bounded by its builder's settings. With PostgreSQL
 * stopped a put used to fail only after about 180 seconds (the pool's 30-second acquisition
 * timeout, retried five times); with the server paused (SIGSTOP) or a key's lock held by another
 * session, it waited forever. With the defaults (connect 2 s, acquire 4 s, lock 2 s, statement 4 s,
 * socket 5 s) each fails within seconds. The bounds asserted are generous; the measured times are
 * printed.
 */
class BoundedWaitsIT {

  private static final ExecutorService executor = Executors.newCachedThreadPool();

  /** How long a test waits for the call before it calls the wait unbounded. */
  private static final Duration GIVE_UP = Duration.ofSeconds(40);

  @AfterAll
  static void stopExecutor() {
    executor.shutdownNow();
  }

  private static JdbcStore<String, String> storeOf(String jdbcUrl) {
    return JdbcStore.<String, String>builder()
        .jdbcUrl(jdbcUrl, null, null)
        .table("kv")
        .keyColumn("key", String.class)
        .rowMapper(RowMapper.text("value"))
        .build();
  }

  /**
   * Runs {@code call} and returns what it threw and how long it took; fails if it takes longer than
   * {@link #GIVE_UP}.
   */
  private static Failure timed(String what, Callable<?> call) throws InterruptedException {
    long start = System.nanoTime();
    Future<?> future = executor.submit(call);
    try {
      Object result = future.get(GIVE_UP.toSeconds(), TimeUnit.SECONDS);
      throw new AssertionError(what + " returned " + result + " instead of failing");
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new AssertionError(
          what + " did not fail within " + GIVE_UP + ": the wait is unbounded");
    } catch (ExecutionException e) {
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      System.out.println(what + " failed after " + took.toMillis() + " ms: " + e.getCause());
      return new Failure(e.getCause(), took);
    }
  }

  private record Failure(Throwable thrown, Duration took) {}

  /**
   * Stopped: no connection can be had; the pool's acquisition timeout (4 s) ends the put and is not
   * retried (a pooled connection found dead at once still is: nothing was sent on it).
   */
  @Test
  void aPutWithTheServerStoppedFailsWithinTheAcquireTimeout() throws Exception {
    try (PostgresServer server = PostgresServer.start()) {
      JdbcSchema.createKeyValueTable(server.createDatabase("stopped"), "kv", ValueType.TEXT);
      try (Tandem<String, String> tandem =
          Tandem.builder(storeOf(server.jdbcUrl("stopped"))).build()) {
        tandem.put("k", "before");
        server.stop();

        Failure failure = timed("a put with the server stopped", () -> tandem.put("k", "during"));

        assertThat(failure.thrown())
            .isInstanceOf(StoreException.class)
            .hasMessageContaining("put of key k failed in the store");
        assertThat(failure.took()).isLessThan(Duration.ofSeconds(20));
        assertThat(tandem.getIfCached("k")).contains("before");

        server.restart();
        assertThat(tandem.put("k", "after")).isPositive();
        assertThat(tandem.get("k")).contains("after");
      }
    }
  }

  /**
   * Paused: connections stay open and nothing answers. The put's statement waits for the socket
   * timeout (5 s); its outcome is unknown, and the read-back that follows fails within the acquire
   * timeout (4 s). Once the server runs again, writes work and cache and database agree.
   */
  @Test
  void aPutWithTheServerPausedFailsWithinTheSocketAndAcquireTimeouts() throws Exception {
    try (PostgresServer server = PostgresServer.start()) {
      DataSource admin = server.createDatabase("paused");
      JdbcSchema.createKeyValueTable(admin, "kv", ValueType.TEXT);
      JdbcStore<String, String> truth = KeyValue.store(admin, "kv");
      try (Tandem<String, String> tandem =
          Tandem.builder(storeOf(server.jdbcUrl("paused"))).build()) {
        tandem.put("k", "before");
        Failure failure;
        PostgresFaults.pause(server);
        try {
          failure = timed("a put with the server paused", () -> tandem.put("k", "during"));
        } finally {
          PostgresFaults.resume(server);
        }

        assertThat(failure.thrown())
            .isInstanceOfAny(StoreException.class, CommitOutcomeUnknownException.class);
        assertThat(failure.took()).isLessThan(Duration.ofSeconds(20));
        // the paused put may still commit now that its server process runs: the next put waits for
        // its lock
        long after = tandem.put("k", "after");
        assertThat(truth.load("k")).contains(new Versioned<>("after", after));
        assertThat(tandem.get("k")).contains("after");
      }
    }
  }

  /** A get (a load) with the server paused fails within the socket timeout (5 s) too. */
  @Test
  void aLoadWithTheServerPausedFailsWithinTheSocketTimeout() throws Exception {
    try (PostgresServer server = PostgresServer.start()) {
      JdbcSchema.createKeyValueTable(server.createDatabase("paused_load"), "kv", ValueType.TEXT);
      try (JdbcStore<String, String> store = storeOf(server.jdbcUrl("paused_load"))) {
        assertThat(store.load("k")).isEmpty();
        Failure failure;
        PostgresFaults.pause(server);
        try {
          failure = timed("a load with the server paused", () -> store.load("k"));
        } finally {
          PostgresFaults.resume(server);
        }
        assertThat(failure.thrown()).isInstanceOf(JdbcStoreException.class);
        assertThat(failure.took()).isLessThan(Duration.ofSeconds(20));
      }
    }
  }

  /**
   * Another session holds the key's lock: the put waits the lock timeout (2 s), then fails with
   * SQLState 55P03, which is not retried (the lock's holder kept it all that time).
   */
  @Test
  void aPutBlockedOnALockHeldElsewhereFailsWithinTheLockTimeout() throws Exception {
    PostgresServer server = PostgresServer.shared();
    DataSource unpooled = server.dataSource();
    String database;
    try (Connection c = unpooled.getConnection()) {
      database = c.getCatalog();
    }
    JdbcStore<String, String> other = KeyValue.create(unpooled, "kv");
    try (Tandem<String, String> tandem = Tandem.builder(storeOf(server.jdbcUrl(database))).build();
        StoreTransaction<String, String> holder = other.begin()) {
      tandem.put("k", "before");
      holder.loadForUpdate("k");

      Failure failure = timed("a put blocked on a held lock", () -> tandem.put("k", "blocked"));

      assertThat(failure.thrown())
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("put of key k failed in the store")
          .satisfies(
              e -> assertThat(((JdbcStoreException) e.getCause()).sqlState()).isEqualTo("55P03"));
      assertThat(failure.took()).isLessThan(Duration.ofSeconds(10));
      assertThat(tandem.stats().retryCount()).as("a lock timeout is not retried").isZero();
      holder.commit();
      assertThat(tandem.get("k")).contains("before");
    }
  }

  /**
   * On H2 the store's own pool bounds row-lock waits by the lock timeout too (H2's LOCK_TIMEOUT,
   * HYT00).
   */
  @Test
  void aPutBlockedOnAnH2RowLockFailsWithinTheLockTimeout() throws Exception {
    try (H2Database h2 = H2Database.inMemory()) {
      JdbcStore<String, String> other = KeyValue.create(h2.dataSource(), "kv");
      JdbcStore<String, String> store =
          JdbcStore.<String, String>builder()
              .jdbcUrl(h2.jdbcUrl(), "sa", "")
              .table("kv")
              .keyColumn("key", String.class)
              .rowMapper(RowMapper.text("value"))
              .build();
      try (Tandem<String, String> tandem = Tandem.builder(store).build();
          StoreTransaction<String, String> holder = other.begin()) {
        tandem.put("k", "before");
        holder.loadForUpdate("k");

        Failure failure =
            timed("a put blocked on an H2 row lock", () -> tandem.put("k", "blocked"));

        assertThat(failure.thrown())
            .isInstanceOf(StoreException.class)
            .satisfies(
                e -> assertThat(((JdbcStoreException) e.getCause()).sqlState()).isEqualTo("HYT00"));
        assertThat(failure.took()).isLessThan(Duration.ofSeconds(10));
        holder.commit();
      }
    }
  }
}
