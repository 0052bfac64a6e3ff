package dev.tandem.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.JoinedTransaction;
import dev.tandem.Tandem;
import dev.tandem.jdbc.JdbcSchema;
import dev.tandem.jdbc.JdbcStore;
import dev.tandem.testkit.fault.FaultProxy;
import dev.tandem.testkit.race.OutcomeReaders;
import dev.tandem.testkit.server.PostgresServer;
import dev.tandem.testkit.server.RedisServer;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Writes joined to a transaction the caller owns ({@link Tandem#join}) on node A, read on node B,
 * two Tandems with their own {@link RedisTier}s on one Redis and one PostgreSQL: the key is fenced
 * on every node from the first write, installed for every node by the reported commit, cacheable at
 * once after a rollback, and fenced again before a commit if its first fence could have lapsed.
 */
class JoinedTransactionRedisIT {

  private static final AtomicInteger TABLES = new AtomicInteger();
  private static HikariDataSource pool;
  private final List<Tandem<String, Long>> nodes = new ArrayList<>();
  private String table;
  private String prefix;

  @BeforeAll
  static void database() {
    String database = "joined_" + ProcessHandle.current().pid();
    PostgresServer.shared().createDatabase(database);
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(PostgresServer.shared().jdbcUrl(database));
    config.setUsername(PostgresServer.USER);
    config.setMaximumPoolSize(8);
    pool = new HikariDataSource(config);
  }

  @AfterAll
  static void closePool() {
    pool.close();
  }

  @AfterEach
  void closeNodes() {
    nodes.forEach(Tandem::close);
  }

  private void freshTable() throws Exception {
    table = "kv_" + TABLES.incrementAndGet();
    prefix = "joined-" + ProcessHandle.current().pid() + "-" + table + ":";
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE " + table + " (k VARCHAR(20) PRIMARY KEY, v BIGINT NOT NULL)");
    }
    JdbcSchema.addVersionColumn(pool, table, "tandem_version");
  }

  private Tandem<String, Long> node(String name, Duration fenceTimeout) {
    return node(name, fenceTimeout, RedisServer.shared().uri());
  }

  private Tandem<String, Long> node(String name, Duration fenceTimeout, String uri) {
    Epochs.trust(RedisServer.shared().uri(), prefix);
    RedisTier<String, Long> tier =
        RedisTier.<String, Long>builder(TandemOnRedisIT.LONGS)
            .uri(uri)
            .keyPrefix(prefix)
            .writeFenceTimeout(fenceTimeout)
            .commandTimeout(Duration.ofMillis(500))
            .build();
    JdbcStore<String, Long> store =
        JdbcStore.<String, Long>builder()
            .dataSource(pool)
            .table(table)
            .keyColumn("k", String.class)
            .rowMapper(new LongColumn("v"))
            .build();
    Tandem<String, Long> node =
        Tandem.builder(store)
            .cacheTier(tier)
            .name(name)
            .writeTimeout(fenceTimeout.dividedBy(3))
            .build();
    nodes.add(node);
    return node;
  }

  @Test
  void theKeyIsFencedOnEveryNodeUntilTheReportedCommitInstallsIt() throws Exception {
    freshTable();
    Tandem<String, Long> a = node("a", Duration.ofSeconds(30));
    Tandem<String, Long> b = node("b", Duration.ofSeconds(30));
    a.put("k", 1L);
    assertThat(b.get("k")).contains(1L);
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      JoinedTransaction<String, Long> tx = a.join(c);
      tx.put("k", 2L);
      assertThat(b.getIfCached("k")).as("fenced: B's copy was dropped").isEmpty();
      assertThat(b.get("k")).as("B reads the committed row").contains(1L);
      assertThat(b.getIfCached("k"))
          .as("and may not cache it while the transaction runs")
          .isEmpty();
      assertThat(tx.get("k")).contains(2L);
      tx.beforeCommit();
      c.commit();
      tx.afterCommit();
    }
    assertThat(b.getIfCached("k")).as("installed for every node by afterCommit").contains(2L);
    assertThat(a.get("k")).contains(2L);
  }

  @Test
  void aRollbackLiftsTheFenceAtOnce() throws Exception {
    freshTable();
    Tandem<String, Long> a = node("a", Duration.ofSeconds(30));
    Tandem<String, Long> b = node("b", Duration.ofSeconds(30));
    a.put("k", 1L);
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      JoinedTransaction<String, Long> tx = a.join(c);
      tx.put("k", 2L);
      tx.remove("other");
      c.rollback();
      tx.afterRollback();
    }
    assertThat(b.get("k")).contains(1L);
    assertThat(b.getIfCached("k")).as("filled on B at once, not fenced for 30 s").contains(1L);
    assertThat(a.get("other")).isEmpty();
  }

  /**
   * A transaction that outlives the write fence timeout: once the fence lapsed, B caches the
   * committed row (still current); beforeCommit fences the key again, dropping that copy, so the
   * fence covers the commit and its publish (H4) and B cannot serve the old row after the commit.
   */
  @Test
  void aFenceThatMayHaveLapsedIsPlacedAgainBeforeTheCommit() throws Exception {
    freshTable();
    Duration fence = Duration.ofMillis(900);
    Tandem<String, Long> a = node("a", fence);
    Tandem<String, Long> b = node("b", fence);
    a.put("k", 1L);
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      JoinedTransaction<String, Long> tx = a.join(c);
      tx.put("k", 2L);
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (b.getIfCached("k").isEmpty()) { // the fence lapses after 900 ms: then B's read fills
        assertThat(System.nanoTime())
            .as("B never cached the key after the fence timeout")
            .isLessThan(deadline);
        assertThat(b.get("k")).contains(1L);
        Thread.onSpinWait();
      }
      tx.beforeCommit();
      assertThat(b.getIfCached("k")).as("fenced again before the commit").isEmpty();
      assertThat(b.get("k")).contains(1L);
      assertThat(b.getIfCached("k")).isEmpty();
      c.commit();
      tx.afterCommit();
    }
    assertThat(b.get("k")).contains(2L);
    assertThat(b.getIfCached("k")).contains(2L);
  }

  /**
   * Node A loses Redis between the caller's commit and afterCommit (race H4): the publish and its
   * fallback fence fail, but the fence placed at the first write still holds out B's old copy, so B
   * reads the committed row from the database and cannot cache the old one.
   */
  @Test
  void aPublishThatFailsAfterTheCommitLeavesTheKeyFenced() throws Exception {
    freshTable();
    try (FaultProxy proxy = FaultProxy.start("127.0.0.1", RedisServer.shared().port())) {
      Tandem<String, Long> a =
          node("a", Duration.ofSeconds(30), "redis://" + proxy.host() + ":" + proxy.port());
      Tandem<String, Long> b = node("b", Duration.ofSeconds(30));
      a.put("k", 1L);
      assertThat(b.get("k")).contains(1L);
      try (Connection c = pool.getConnection()) {
        c.setAutoCommit(false);
        JoinedTransaction<String, Long> tx = a.join(c);
        tx.put("k", 2L);
        tx.beforeCommit();
        c.commit();
        proxy.stopAccepting();
        proxy.dropConnections();
        tx.afterCommit(); // the publish fails; the commit stands
      }
      assertThat(b.get("k")).as("B reads the committed row, its old copy fenced out").contains(2L);
      assertThat(b.getIfCached("k")).as("and cannot cache it while the fence holds").isEmpty();
      assertThat(a.get("k")).contains(2L);
    }
  }

  /**
   * Readers on B while A's joined transactions commit and roll back: never uncommitted, never older
   * after the report.
   */
  @Test
  void readersOnTheOtherNodeNeverSeeARolledBackValueNorAnOlderOneAfterCommit() throws Exception {
    freshTable();
    Tandem<String, Long> a = node("a", Duration.ofSeconds(30));
    Tandem<String, Long> b = node("b", Duration.ofSeconds(30));
    ExecutorService readers = Executors.newFixedThreadPool(2);
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      for (long round = 0; round < 10; round++) {
        boolean commit = round % 2 == 0;
        long before = round * 10;
        long during = before + 1;
        a.put("k", before);
        OutcomeReaders<Long> seen =
            OutcomeReaders.start(
                readers, List.of(() -> b.get("k"), () -> b.get("k")), before, during, commit);
        JoinedTransaction<String, Long> tx = a.join(c);
        tx.put("k", during);
        if (commit) {
          tx.beforeCommit();
          seen.committing();
          c.commit();
          tx.afterCommit();
        } else {
          c.rollback();
          tx.afterRollback();
        }
        seen.reported();
        assertThat(seen.stopAndCollect(20)).as("round %d", round).isEmpty();
      }
    } finally {
      readers.shutdownNow();
    }
  }
}
