package dev.tandem.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.Tandem;
import dev.tandem.VersionConflictException;
import dev.tandem.jdbc.JdbcSchema;
import dev.tandem.jdbc.JdbcStore;
import dev.tandem.testkit.race.RaceHammer;
import dev.tandem.testkit.server.PostgresServer;
import dev.tandem.testkit.server.RedisServer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tandem end to end on two nodes: two engines, each with its own connection pool and its own {@link
 * RedisTier}, sharing one PostgreSQL database and one Redis. A write acknowledged on one node is
 * what the other node reads next (H8: the Redis tier keeps no local copy), and the race hammer,
 * each of its calls sent to a random node, finds no stale read and a converged cache.
 *
 * <p>Seeds are printed; replay one with {@code -Dtandem.seed=N}.
 */
class TandemOnRedisIT {

  static final Codec<Long> LONGS =
      Codec.of(
          v -> Long.toString(v).getBytes(StandardCharsets.US_ASCII),
          b -> Long.parseLong(new String(b, StandardCharsets.US_ASCII)));
  private static final AtomicInteger DATABASES = new AtomicInteger();

  private final List<HikariDataSource> pools = new ArrayList<>();
  private final List<Tandem<String, Long>> nodes = new ArrayList<>();
  private String database;
  private String prefix;

  @BeforeEach
  void freshDatabase() throws SQLException {
    database = "redis_e2e_" + DATABASES.incrementAndGet();
    prefix = "e2e-" + ProcessHandle.current().pid() + "-" + database + ":";
    PostgresServer.shared().createDatabase(database);
    try (HikariDataSource setup = pool();
        Connection c = setup.getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE kv (k VARCHAR(20) PRIMARY KEY, v BIGINT NOT NULL)");
      JdbcSchema.addVersionColumn(setup, "kv", "tandem_version");
    }
  }

  @AfterEach
  void closeNodes() {
    nodes.forEach(Tandem::close);
    pools.forEach(HikariDataSource::close);
  }

  private HikariDataSource pool() {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(PostgresServer.shared().jdbcUrl(database));
    config.setUsername(PostgresServer.USER);
    config.setMaximumPoolSize(8);
    return new HikariDataSource(config);
  }

  private JdbcStore<String, Long> store() {
    HikariDataSource pool = pool();
    pools.add(pool);
    return JdbcStore.<String, Long>builder()
        .dataSource(pool)
        .table("kv")
        .keyColumn("k", String.class)
        .rowMapper(new LongColumn("v"))
        .build();
  }

  /** Points the builder at the Redis under test, where {@code prefix} is in steady use. */
  RedisTier.Builder<String, Long> server(RedisTier.Builder<String, Long> builder, String prefix) {
    Epochs.trust(RedisServer.shared().uri(), prefix);
    return builder.uri(RedisServer.shared().uri());
  }

  private Tandem<String, Long> node(
      String name, UnaryOperator<RedisTier.Builder<String, Long>> settings) {
    RedisTier<String, Long> tier =
        settings
            .apply(server(RedisTier.<String, Long>builder(LONGS), prefix).keyPrefix(prefix))
            .build();
    Tandem<String, Long> node = Tandem.builder(store()).cacheTier(tier).name(name).build();
    nodes.add(node);
    return node;
  }

  private static long seed() {
    String fixed = System.getProperty("tandem.seed");
    return fixed != null ? Long.parseLong(fixed) : System.nanoTime();
  }

  /** H8: a read on node B that starts after a write on node A returned sees that write. */
  @Test
  void writeOnOneNodeIsReadOnTheOtherRightAfter() {
    Tandem<String, Long> a = node("a", b -> b);
    Tandem<String, Long> b = node("b", x -> x);
    for (long i = 1; i <= 200; i++) {
      String key = "k" + (i % 5);
      b.get(key); // node B caches the current state first
      a.put(key, i);
      assertThat(b.get(key)).as("read on B after put %d on A", i).contains(i);
      assertThat(b.getIfCached(key)).contains(i);
    }
    a.remove("k1");
    assertThat(b.get("k1")).isEmpty();
    b.update("k2", v -> v + 1000);
    assertThat(a.get("k2")).contains(197L + 1000);
  }

  /**
   * A write that certainly failed (a version conflict: nothing committed) lifts its fence at once:
   * the other node fills and serves the key right away instead of after the write fence timeout.
   */
  @Test
  void aFailedConditionalWriteLeavesTheKeyCacheableOnEveryNode() {
    Tandem<String, Long> a = node("a", b -> b);
    Tandem<String, Long> b = node("b", x -> x);
    long version = a.put("k", 1L);
    assertThatThrownBy(() -> a.putIfVersion("k", version + 1, 2L))
        .isInstanceOf(VersionConflictException.class);
    assertThat(b.get("k")).contains(1L);
    assertThat(b.getIfCached("k")).as("filled on B at once, not fenced for 30 s").contains(1L);
    assertThat(a.getIfCached("k")).contains(1L);
  }

  @Test
  void transactionOnOneNodeIsReadWholeOnTheOther() {
    Tandem<String, Long> a = node("a", b -> b);
    Tandem<String, Long> b = node("b", x -> x);
    a.putAll(Map.of("from", 100L, "to", 0L));
    assertThat(b.getAll(List.of("from", "to")))
        .containsOnly(Map.entry("from", 100L), Map.entry("to", 0L));
    a.transaction(
        tx -> {
          long from = tx.get("from").orElseThrow();
          tx.put("from", from - 30);
          tx.put("to", tx.get("to").orElseThrow() + 30);
          return null;
        });
    assertThat(b.getAll(List.of("from", "to")))
        .containsOnly(Map.entry("from", 70L), Map.entry("to", 30L));
  }

  /**
   * The same keys written from both nodes in turn: every read on either node sees the last write.
   */
  @Test
  void interleavedWritersOnBothNodes() {
    Tandem<String, Long> a = node("a", b -> b);
    Tandem<String, Long> b = node("b", x -> x);
    long seed = seed();
    System.out.println("interleavedWritersOnBothNodes seed=" + seed);
    SplittableRandom random = new SplittableRandom(seed);
    Long[] last = new Long[4];
    for (long i = 1; i <= 400; i++) {
      int k = random.nextInt(last.length);
      Tandem<String, Long> writer = random.nextBoolean() ? a : b;
      Tandem<String, Long> reader = random.nextBoolean() ? a : b;
      if (random.nextInt(5) == 0) {
        writer.remove("k" + k);
        last[k] = null;
      } else {
        writer.put("k" + k, i);
        last[k] = i;
      }
      if (random.nextInt(4) == 0) {
        reader.invalidate("k" + random.nextInt(last.length));
      }
      int r = random.nextInt(last.length);
      assertThat(reader.get("k" + r))
          .as("step %d, key k%d", i, r)
          .isEqualTo(Optional.ofNullable(last[r]));
    }
  }

  @Test
  void raceHammerOnOneNodeWhileTheOtherWritesIsConsistent() throws Exception {
    hammerWhileTheOtherNodeWrites(b -> b);
  }

  /** The same with entries expiring every few milliseconds: fills race expiry (H6). */
  @Test
  void raceHammerWithConstantExpiryIsConsistent() throws Exception {
    hammerWhileTheOtherNodeWrites(b -> b.timeToLive(Duration.ofMillis(5)));
  }

  /**
   * Every call of the hammer goes to a node picked at random, with entries expiring every few
   * milliseconds: a read on one node after a put returned on the other must see it (H8). This run
   * caught a read joining an older load on its node after the other node's write (see {@code
   * dev.tandem.StaleLoadJoinedAfterRemoteWriteTest}).
   */
  @Test
  void raceHammerAcrossBothNodesIsConsistent() throws Exception {
    Tandem<String, Long> a = node("a", b -> b.timeToLive(Duration.ofMillis(5)));
    Tandem<String, Long> b = node("b", x -> x.timeToLive(Duration.ofMillis(5)));
    long seed = seed();
    RaceHammer.Report report =
        RaceHammer.run(
            new TwoNodes<>(a, b),
            store(),
            new RaceHammer.Config(6, 6, 1_000, Duration.ofSeconds(40), seed));
    System.out.println("calls spread over both nodes: " + report);
    assertThat(report.examples()).isEmpty();
    assertThat(report.consistent()).isTrue();
  }

  /**
   * Hammers node A (races H1, H2, H3, H6 on few keys) while node B puts, removes, updates and
   * invalidates the same keys: A never reads older than its own acknowledged puts, and after
   * quiescence the shared cache agrees with the database, whichever node wrote last.
   */
  private void hammerWhileTheOtherNodeWrites(
      UnaryOperator<RedisTier.Builder<String, Long>> settings) throws Exception {
    Tandem<String, Long> a = node("a", settings);
    Tandem<String, Long> b = node("b", settings);
    long seed = seed();
    OtherNodeWriting hammered = new OtherNodeWriting(a, b, seed);
    RaceHammer.Report report =
        RaceHammer.run(
            hammered, store(), new RaceHammer.Config(6, 6, 1_000, Duration.ofSeconds(40), seed));
    System.out.println(
        "node A hammered while node B wrote " + hammered.otherWrites.get() + " times: " + report);
    assertThat(report.examples()).isEmpty();
    assertThat(report.consistent()).isTrue();
    assertThat(report.failures()).isZero();
    assertThat(hammered.otherWrites.get()).isPositive();
  }
}
