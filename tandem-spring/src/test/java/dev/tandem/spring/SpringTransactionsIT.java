package dev.tandem.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.Columns;
import dev.tandem.Tandem;
import dev.tandem.jdbc.JdbcSchema;
import dev.tandem.jdbc.JdbcStore;
import dev.tandem.jdbc.RowMapper;
import dev.tandem.redis.Codec;
import dev.tandem.redis.RedisTier;
import dev.tandem.testkit.race.OutcomeReaders;
import dev.tandem.testkit.server.PostgresServer;
import dev.tandem.testkit.server.RedisServer;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Tandem writes inside Spring-managed transactions ({@link SpringTransactions#joining}) on real
 * PostgreSQL, with {@link DataSourceTransactionManager}: node A writes through the wrapper, node B
 * (another Tandem, its own {@link RedisTier}, the same Redis) reads. A commit installs the new
 * versions for every node before it returns; a rollback (by exception or rollback-only) caches
 * nothing; readers never see a rolled-back value nor, after the commit returned, an older one; a
 * failed commit leaves the committed row cached; {@code REQUIRES_NEW} and {@code NESTED} keep their
 * writes apart; {@code @Transactional} methods join as the template does.
 */
class SpringTransactionsIT {

  private static final Codec<Long> LONGS =
      Codec.of(
          v -> Long.toString(v).getBytes(StandardCharsets.US_ASCII),
          b -> Long.parseLong(new String(b, StandardCharsets.US_ASCII)));
  private static final AtomicInteger TABLES = new AtomicInteger();
  private static HikariDataSource pool;
  private static DataSourceTransactionManager transactions;
  private static JdbcTemplate jdbc;

  private final List<Tandem<String, Long>> nodes = new ArrayList<>();
  private String table;

  /** Node A's Tandem, unwrapped: its reads on other threads see only committed data. */
  private Tandem<String, Long> a;

  /** Node A's Tandem, joining Spring transactions. */
  private Tandem<String, Long> joined;

  private Tandem<String, Long> b;
  private TransactionTemplate template;

  @BeforeAll
  static void database() {
    String database = "spring_" + ProcessHandle.current().pid();
    PostgresServer.shared().createDatabase(database);
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(PostgresServer.shared().jdbcUrl(database));
    config.setUsername(PostgresServer.USER);
    config.setMaximumPoolSize(10);
    pool = new HikariDataSource(config);
    transactions = new DataSourceTransactionManager(pool);
    jdbc = new JdbcTemplate(pool);
  }

  @AfterAll
  static void closePool() {
    pool.close();
  }

  @BeforeEach
  void twoNodes() {
    table = "kv_" + TABLES.incrementAndGet();
    jdbc.execute("CREATE TABLE " + table + " (k VARCHAR(20) PRIMARY KEY, v BIGINT NOT NULL)");
    JdbcSchema.addVersionColumn(pool, table, "tandem_version");
    String prefix = "spring-" + ProcessHandle.current().pid() + "-" + table + ":";
    trust(prefix);
    a = node("a", prefix);
    b = node("b", prefix);
    joined = SpringTransactions.joining(a, pool);
    template = new TransactionTemplate(transactions);
  }

  @AfterEach
  void closeNodes() {
    nodes.forEach(Tandem::close);
  }

  /**
   * Marks the key prefix as verified on the running Redis, so that its tiers fill at once (see
   * RedisTier, H9).
   */
  private static void trust(String prefix) {
    String runId =
        RedisServer.shared()
            .command("INFO", "server")
            .lines()
            .filter(l -> l.startsWith("run_id:"))
            .findFirst()
            .orElseThrow()
            .substring("run_id:".length())
            .strip();
    RedisServer.shared().command("SET", prefix + "{%e0}:epoch", runId + " 0");
  }

  private Tandem<String, Long> node(String name, String prefix) {
    RedisTier<String, Long> tier =
        RedisTier.<String, Long>builder(LONGS)
            .uri(RedisServer.shared().uri())
            .keyPrefix(prefix)
            .build();
    JdbcStore<String, Long> store =
        JdbcStore.<String, Long>builder()
            .dataSource(pool)
            .table(table)
            .keyColumn("k", String.class)
            .rowMapper(
                new RowMapper<Long>() {
                  @Override
                  public List<String> columns() {
                    return List.of("v");
                  }

                  @Override
                  public Long read(ResultSet rs) throws SQLException {
                    return rs.getLong("v");
                  }

                  @Override
                  public List<?> write(Long value) {
                    return List.of(value);
                  }
                })
            .build();
    Tandem<String, Long> node = Tandem.builder(store).cacheTier(tier).name(name).build();
    nodes.add(node);
    return node;
  }

  private long sqlValue(String key) {
    Long v = jdbc.queryForObject("SELECT v FROM " + table + " WHERE k = ?", Long.class, key);
    return v == null ? -1 : v;
  }

  @Test
  void aCommittedTransactionsWritesAreCachedOnEveryNodeWhenCommitReturns() throws Exception {
    joined.put("k", 1L);
    assertThat(b.get("k")).contains(1L);
    template.executeWithoutResult(
        status -> {
          joined.put("k", 2L);
          joined.putAll(Map.of("x", 10L, "y", 20L));
          assertThat(joined.get("k")).as("its own write").contains(2L);
          assertThat(joined.getAll(List.of("k", "x", "none")))
              .containsOnly(Map.entry("k", 2L), Map.entry("x", 10L));
          assertThat(sqlValue("k")).as("the application's SQL, same transaction").isEqualTo(2L);
          jdbc.update(
              "UPDATE "
                  + table
                  + " SET v = v + 1 WHERE k = 'y'"); // holds the row: the next write must not wait
          assertThat(joined.update("y", v -> v * 2)).contains(42L);
          joined.transaction(
              tx -> {
                tx.put(
                    "z", tx.get("y").orElseThrow() + 1); // the work runs once, in this transaction
                return null;
              });
          assertThat(joined.update("x", Columns.set("v", 11L))).contains(11L);
          assertThat(joined.removeAll(List.of("k", "none"))).isEqualTo(1);
          joined.put("k", 2L);
          try {
            assertThat(CompletableFuture.supplyAsync(() -> a.get("k")).get(10, TimeUnit.SECONDS))
                .as("node A, another thread")
                .contains(1L);
          } catch (Exception e) {
            throw new AssertionError(e);
          }
          assertThat(b.get("k")).as("node B").contains(1L);
          assertThat(b.getIfCached("k")).as("fenced on B").isEmpty();
        });
    assertThat(b.getIfCached("k")).as("installed before commit returned").contains(2L);
    assertThat(b.getAll(List.of("x", "y", "z")))
        .containsOnly(Map.entry("x", 11L), Map.entry("y", 42L), Map.entry("z", 43L));
    joined.put("k", 3L); // outside a transaction: on its own, as before
    assertThat(b.get("k")).contains(3L);
  }

  @Test
  void aRolledBackTransactionCachesNothing() {
    joined.put("k", 1L);
    assertThatThrownBy(
            () ->
                template.executeWithoutResult(
                    status -> {
                      joined.put("k", 2L);
                      joined.remove("gone");
                      throw new IllegalStateException("the application fails");
                    }))
        .hasMessage("the application fails");
    template.executeWithoutResult(
        status -> {
          joined.put("k", 3L);
          status.setRollbackOnly();
        });
    assertThat(sqlValue("k")).isEqualTo(1L);
    assertThat(a.get("k")).contains(1L);
    assertThat(b.get("k")).contains(1L);
    assertThat(b.getIfCached("k")).as("fences lifted at once").contains(1L);
  }

  /**
   * The commit itself fails (a deferred constraint the application's own SQL broke): Spring reports
   * an unknown outcome, the keys are read back, and every node serves the committed row.
   */
  @Test
  void aFailedCommitLeavesTheCommittedRowCached() {
    jdbc.execute("CREATE TABLE " + table + "_parent (id INT PRIMARY KEY)");
    jdbc.execute(
        "CREATE TABLE "
            + table
            + "_child (parent_id INT REFERENCES "
            + table
            + "_parent DEFERRABLE INITIALLY DEFERRED)");
    joined.put("k", 1L);
    assertThatThrownBy(
            () ->
                template.executeWithoutResult(
                    status -> {
                      joined.put("k", 2L);
                      jdbc.update("INSERT INTO " + table + "_child VALUES (42)");
                    }))
        .isInstanceOf(RuntimeException.class);
    assertThat(sqlValue("k")).isEqualTo(1L);
    assertThat(b.get("k")).contains(1L);
    assertThat(a.get("k")).contains(1L);
    joined.put("k", 3L);
    assertThat(b.get("k")).contains(3L);
  }

  /**
   * REQUIRES_NEW commits on its own connection; NESTED rolled back to its savepoint is not cached.
   */
  @Test
  void innerTransactionsKeepTheirWritesApart() {
    joined.putAll(Map.of("outer", 1L, "inner", 1L, "nested", 1L));
    TransactionTemplate requiresNew = new TransactionTemplate(transactions);
    requiresNew.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    TransactionTemplate nested = new TransactionTemplate(transactions);
    nested.setPropagationBehavior(TransactionDefinition.PROPAGATION_NESTED);
    template.executeWithoutResult(
        outer -> {
          joined.put("outer", 2L);
          requiresNew.executeWithoutResult(inner -> joined.put("inner", 2L));
          assertThat(b.getIfCached("inner")).as("the inner commit returned").contains(2L);
          assertThat(joined.get("outer")).as("the outer handle, bound again").contains(2L);
          outer.setRollbackOnly();
        });
    assertThat(b.get("outer")).contains(1L);
    assertThat(b.get("inner")).contains(2L);

    template.executeWithoutResult(
        outer -> {
          joined.put("nested", 2L);
          nested.executeWithoutResult(
              savepoint -> {
                joined.put("nested", 3L);
                savepoint.setRollbackOnly();
              });
        });
    assertThat(sqlValue("nested")).isEqualTo(2L);
    assertThat(b.get("nested")).as("read back, not the write the savepoint undid").contains(2L);
    assertThat(a.get("nested")).contains(2L);
  }

  /**
   * Readers on both nodes while Spring transactions on node A commit and roll back: no read that
   * ended before the commit began sees the new value, none ever sees a rolled-back one, and every
   * read that starts after the commit returned sees the committed one (race H12).
   */
  @Test
  void concurrentReadersNeverSeeARolledBackValueNorAnOlderOneAfterCommit() throws Exception {
    ExecutorService readers = Executors.newFixedThreadPool(3);
    try {
      for (long round = 0; round < 10; round++) {
        boolean commit = round % 2 == 0;
        long before = round * 10;
        long during = before + 1;
        joined.put("k", before);
        OutcomeReaders<Long> seen =
            OutcomeReaders.start(
                readers,
                List.of(() -> a.get("k"), () -> b.get("k"), () -> b.get("k")),
                before,
                during,
                commit);
        template.executeWithoutResult(
            status -> {
              joined.put("k", during);
              if (commit) {
                seen.committing(); // the commit follows this callback
              } else {
                status.setRollbackOnly();
              }
            });
        seen.reported();
        assertThat(seen.stopAndCollect(30)).as("round %d", round).isEmpty();
      }
    } finally {
      readers.shutdownNow();
    }
  }

  /** The same through {@code @Transactional} methods of a bean in an annotation-config context. */
  @Test
  void transactionalMethodsJoin() {
    try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
      context.registerBean(
          "transactionManager", PlatformTransactionManager.class, () -> transactions);
      context.registerBean("kv", Tandem.class, () -> joined, bd -> bd.setDestroyMethodName(""));
      context.register(App.class);
      context.refresh();
      Accounts accounts = context.getBean(Accounts.class);
      accounts.setBoth(5L, false);
      assertThat(b.getAll(List.of("x", "y"))).containsOnly(Map.entry("x", 5L), Map.entry("y", 5L));
      assertThatThrownBy(() -> accounts.setBoth(6L, true)).hasMessage("rolled back");
      assertThat(b.getAll(List.of("x", "y"))).containsOnly(Map.entry("x", 5L), Map.entry("y", 5L));
      assertThat(sqlValue("x")).isEqualTo(5L);
    }
  }

  @Configuration
  @EnableTransactionManagement
  static class App {
    @Bean
    Accounts accounts(Tandem<String, Long> kv) {
      return new Accounts(kv);
    }
  }

  static class Accounts {
    private final Tandem<String, Long> kv;

    Accounts(Tandem<String, Long> kv) {
      this.kv = kv;
    }

    @Transactional
    public void setBoth(long value, boolean fail) {
      kv.put("x", value);
      kv.put("y", value);
      if (fail) {
        throw new IllegalStateException("rolled back");
      }
    }
  }
}
