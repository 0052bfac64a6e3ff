package dev.tandem.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.Tandem;
import dev.tandem.local.LocalTier;
import dev.tandem.spi.CacheTier;
import dev.tandem.testkit.fault.FaultProxy;
import dev.tandem.testkit.server.PostgresServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The change listener on a real PostgreSQL with {@code wal_level=logical}: writes made with plain
 * SQL reach Tandem's reads within the bound, Tandem's own writes are skipped, and each failure mode
 * (truncate, connection dropped, listener down past resyncAfter, slot lost) ends with a cache that
 * serves no stale value. The listener's connections go through a fault proxy.
 */
class ChangeListenerIT {

  private static final Duration BOUND = Duration.ofMillis(400);
  private static final Duration RESYNC_AFTER = Duration.ofMillis(1500);

  /** Generous: the bound plus a loaded CI machine's scheduling delays. */
  private static final Duration WITHIN = Duration.ofSeconds(10);

  private static final AtomicInteger SLOTS = new AtomicInteger();

  private static PostgresServer server;

  private DataSource direct;
  private FaultProxy proxy;
  private String slot;
  private JdbcStore<String, String> store;
  private ChangeListener listener;

  /**
   * The tier the listener watches. Assertions on what the listener kept or dropped read it
   * directly: reads through Tandem find nothing while the listener is behind by the bound, which a
   * loaded machine can make it for a moment at any time.
   */
  private LocalTier<String, String> inner;

  private Tandem<String, String> tandem;

  @BeforeAll
  static void startServer() {
    server = PostgresServer.startLogical();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @BeforeEach
  void setUp() throws SQLException {
    direct = server.dataSource();
    String database;
    try (Connection c = direct.getConnection()) {
      database = c.getCatalog();
    }
    store = KeyValue.create(direct, "kv");
    proxy = FaultProxy.start("localhost", server.port());
    slot = "tandem_it_" + SLOTS.incrementAndGet();
    listener =
        ChangeListener.builder()
            .jdbcUrl(
                "jdbc:postgresql://" + proxy.host() + ":" + proxy.port() + "/" + database,
                PostgresServer.USER,
                null)
            .slot(slot)
            .bound(BOUND)
            .resyncAfter(RESYNC_AFTER)
            .build();
    inner = LocalTier.<String, String>builder().maximumSize(1000).build();
    CacheTier<String, String> tier = listener.watch(store, inner);
    tandem = Tandem.builder(store).cacheTier(tier).build();
    listener.start();
    assertThat(listener.awaitServing(WITHIN)).as("serving after start").isTrue();
  }

  @AfterEach
  void tearDown() {
    listener.close();
    listener.dropSlot();
    tandem.close();
    proxy.close();
  }

  @Test
  void outsideUpdateInsertAndDeleteReachReadsWithinTheBound() {
    tandem.put("a", "1");
    assertThat(tandem.get("b")).isEmpty(); // a cached absence
    assertThat(tandem.get("a")).contains("1");

    sql("UPDATE kv SET value = 'outside' WHERE key = 'a'");
    await("the outside update is read", () -> tandem.get("a").equals(Optional.of("outside")));
    sql("INSERT INTO kv (key, value) VALUES ('b', 'inserted')");
    await("the outside insert is read", () -> tandem.get("b").equals(Optional.of("inserted")));
    sql(
        "BEGIN; DELETE FROM kv WHERE key = 'a'; UPDATE kv SET value = 'again' WHERE key = 'b'; COMMIT");
    await("the outside delete is read", () -> tandem.get("a").isEmpty());
    await(
        "the update of the same transaction is read",
        () -> tandem.get("b").equals(Optional.of("again")));
    assertThat(listener.commitLag().count()).isGreaterThanOrEqualTo(3);
  }

  @Test
  void tandemsOwnWritesAreRecognisedByVersionAndStayCached() {
    sql("ALTER TABLE kv REPLICA IDENTITY FULL");
    tandem.put("k", "v1"); // an insert: without the version trigger, not told from one by other SQL
    assertThat(listener.awaitApplied(WITHIN)).isTrue();
    tandem.put("k", "v2"); // an update whose old row had another version
    assertThat(listener.awaitApplied(WITHIN)).isTrue();
    assertThat(cached("k")).as("Tandem's own writes did not drop the entry").contains("v2");

    sql("UPDATE kv SET value = 'outside' WHERE key = 'k'"); // keeps the version: must not be
    // skipped
    assertThat(listener.awaitApplied(WITHIN)).isTrue();
    assertThat(cached("k")).as("the outside update dropped the entry").isEmpty();
    assertThat(tandem.get("k")).contains("outside");
  }

  @Test
  void truncateDropsEveryCachedKey() {
    tandem.put("x", "1");
    tandem.put("y", "2");
    sql("TRUNCATE kv");
    assertThat(listener.awaitApplied(WITHIN)).isTrue();
    assertThat(cached("x")).isEmpty();
    assertThat(tandem.get("x")).isEmpty();
    assertThat(tandem.get("y")).isEmpty();
  }

  @Test
  void aDroppedConnectionResumesFromTheSlotWithoutLosingAChange() {
    tandem.put("k", "before");
    proxy.stopAccepting();
    proxy.dropConnections();
    sql("UPDATE kv SET value = 'while down' WHERE key = 'k'");
    await(
        "reads go to the database once the listener is behind by the bound",
        () -> !listener.serving());
    assertThat(tandem.get("k")).contains("while down");
    proxy.resumeAccepting();
    assertThat(listener.awaitServing(WITHIN)).isTrue();
    assertThat(tandem.get("k")).contains("while down");
    assertThat(listener.reconnects()).isGreaterThanOrEqualTo(1);
    assertThat(listener.resyncs()).as("caught up from the slot, not started over").isZero();
  }

  @Test
  void aListenerDownPastResyncAfterStartsOverAndDropsEverything() {
    tandem.put("k", "before");
    tandem.put("other", "cached");
    proxy.stopAccepting();
    proxy.dropConnections();
    sql("UPDATE kv SET value = 'while down' WHERE key = 'k'");
    long downSince = System.nanoTime();
    await(
        "down past resyncAfter", () -> System.nanoTime() - downSince > RESYNC_AFTER.toNanos() * 2);
    assertThat(tandem.get("k")).as("read from the database while down").contains("while down");
    proxy.resumeAccepting();
    assertThat(listener.awaitServing(WITHIN)).isTrue();
    assertThat(listener.resyncs()).isEqualTo(1);
    assertThat(cached("other")).as("everything dropped").isEmpty();
    assertThat(tandem.get("k")).contains("while down");
    await(
        "caching again",
        () -> tandem.get("k").isPresent() && cached("k").equals(Optional.of("while down")));
  }

  @Test
  void aLostSlotIsMadeAnewAndEverythingDropped() {
    tandem.put("k", "before");
    proxy.stopAccepting();
    proxy.dropConnections();
    await("the slot is dropped", this::dropSlotIfInactive);
    sql("UPDATE kv SET value = 'slot lost' WHERE key = 'k'"); // in no slot's stream
    proxy.resumeAccepting();
    await("serving again, on a new slot", () -> listener.resyncs() == 1 && listener.serving());
    assertThat(tandem.get("k")).contains("slot lost");
  }

  /**
   * The server gives a slot up past {@code max_slot_wal_keep_size} ({@code wal_status = 'lost'}).
   */
  @Test
  void aSlotLostPastMaxSlotWalKeepSizeIsMadeAnew() {
    tandem.put("k", "before");
    proxy.stopAccepting();
    proxy.dropConnections();
    await(
        "the slot is let go",
        () ->
            sqlLong(
                    "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '"
                        + slot
                        + "' AND active")
                == 0);
    sql("ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'");
    sql("SELECT pg_reload_conf()");
    try {
      sql("UPDATE kv SET value = 'slot lost' WHERE key = 'k'");
      await(
          "the server gives the slot up",
          () -> {
            sql(
                "CREATE TABLE IF NOT EXISTS filler (x text); INSERT INTO filler SELECT repeat('x', 1000)"
                    + " FROM generate_series(1, 2000); SELECT pg_switch_wal(); CHECKPOINT");
            return sqlLong(
                    "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '"
                        + slot
                        + "' AND wal_status = 'lost'")
                == 1;
          });
    } finally {
      sql("ALTER SYSTEM RESET max_slot_wal_keep_size");
      sql("SELECT pg_reload_conf()");
    }
    proxy.resumeAccepting();
    await("serving again, on a new slot", () -> listener.resyncs() == 1 && listener.serving());
    assertThat(tandem.get("k")).contains("slot lost");
  }

  @Test
  void theVersionTriggerVersionsOutsideWritesUnderTheKeysLock() throws Exception {
    JdbcSchema.addVersionTrigger(direct, "kv", "key", "tandem_version");
    String table = store.table().display();
    for (String key : new String[] {"a", "ключ", "\uD83D\uDE00x", "k'1", ""}) {
      assertThat(
              sqlLong(
                  "SELECT public.tandem_key_hash('"
                      + table
                      + "', '"
                      + key.replace("'", "''")
                      + "')"))
          .as("the SQL hash of %s", key)
          .isEqualTo(KeyHash.of(table, key));
    }
    long own = tandem.put("k", "v1");
    assertThat(sqlLong("SELECT tandem_version FROM kv WHERE key = 'k'"))
        .as("Tandem's version kept")
        .isEqualTo(own);
    sql("UPDATE kv SET value = 'outside' WHERE key = 'k'");
    assertThat(sqlLong("SELECT tandem_version FROM kv WHERE key = 'k'")).isGreaterThan(own);
    sql("INSERT INTO kv (key, value) VALUES ('n', 'x')");
    assertThat(sqlLong("SELECT tandem_version FROM kv WHERE key = 'n'")).isPositive();

    try (Connection holder = direct.getConnection();
        Statement s = holder.createStatement()) {
      holder.setAutoCommit(false);
      s.execute(
          "SELECT pg_advisory_xact_lock("
              + KeyHash.of(table, "k")
              + ")"); // as a Tandem write holds it
      assertThatThrownBy(
              () -> sql("SET lock_timeout = 300; UPDATE kv SET value = 'blocked' WHERE key = 'k'"))
          .as("an outside write waits for the key's lock")
          .rootCause()
          .hasMessageContaining("lock timeout");
      holder.rollback();
    }

    assertThat(listener.awaitApplied(WITHIN)).isTrue();
    tandem.put("m", "1"); // an insert: with the trigger, recognised by its version too
    tandem.put("k", "v2");
    assertThat(listener.awaitApplied(WITHIN)).isTrue();
    assertThat(cached("m")).contains("1");
    assertThat(cached("k")).contains("v2");
  }

  /** The value the watched tier holds for {@code key}, whether or not the listener serves now. */
  private Optional<String> cached(String key) {
    var entry = inner.getIfPresent(key);
    return entry == null ? Optional.empty() : Optional.ofNullable(entry.value());
  }

  private long sqlLong(String query) {
    try (Connection c = direct.getConnection();
        Statement s = c.createStatement();
        var rs = s.executeQuery(query)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(query, e);
    }
  }

  private boolean dropSlotIfInactive() {
    try (Connection c = direct.getConnection();
        Statement s = c.createStatement()) {
      s.execute(
          "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
              + " WHERE slot_name = '"
              + slot
              + "' AND NOT active");
      try (var rs =
          s.executeQuery(
              "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "'")) {
        rs.next();
        return rs.getInt(1) == 0;
      }
    } catch (SQLException e) {
      return false;
    }
  }

  private void sql(String statements) {
    try (Connection c = direct.getConnection();
        Statement s = c.createStatement()) {
      s.execute(statements);
    } catch (SQLException e) {
      throw new IllegalStateException(statements, e);
    }
  }

  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + WITHIN.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + WITHIN + ": " + what);
      }
      LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
    }
  }
}
