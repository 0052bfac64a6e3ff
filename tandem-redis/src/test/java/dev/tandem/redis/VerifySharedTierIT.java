package dev.tandem.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.Tandem;
import dev.tandem.jdbc.JdbcSchema;
import dev.tandem.jdbc.JdbcStore;
import dev.tandem.testkit.server.PostgresServer;
import dev.tandem.testkit.server.RedisServer;
import dev.tandem.verify.Mismatch;
import dev.tandem.verify.Verifier;
import dev.tandem.verify.VerifyReport;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The verifier over the shared tier, as an application runs it: the Redis entries of a Long-keyed
 * table, listed with SCAN and decoded back to keys, compared with PostgreSQL after rows were
 * changed by plain SQL behind the cache.
 */
class VerifySharedTierIT {

  private static int databases;

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private HikariDataSource pool;
  private String prefix;
  private String channel;
  private JdbcStore<Long, Long> store;

  @BeforeEach
  void tableOfTwentyRowsWrittenThroughTandem() throws SQLException {
    String database = "verify_" + ++databases;
    prefix = "verify-" + ProcessHandle.current().pid() + "-" + database + ":";
    channel = prefix + "near";
    Epochs.trust(RedisServer.shared().uri(), prefix);
    PostgresServer.shared().createDatabase(database);
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(PostgresServer.shared().jdbcUrl(database));
    config.setUsername(PostgresServer.USER);
    config.setMaximumPoolSize(4);
    pool = new HikariDataSource(config);
    sql("CREATE TABLE kv (k BIGINT PRIMARY KEY, v BIGINT NOT NULL)");
    JdbcSchema.addVersionColumn(pool, "kv", "tandem_version");
    store =
        JdbcStore.<Long, Long>builder()
            .dataSource(pool)
            .table("kv")
            .keyColumn("k", Long.class)
            .rowMapper(new LongColumn("v"))
            .build();
  }

  @AfterEach
  void close() {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      try {
        closeables.get(i).close();
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }
    pool.close();
  }

  private RedisTier<Long, Long> tier(boolean decoder) {
    RedisTier.Builder<Long, Long> builder =
        RedisTier.<Long, Long>builder(TandemOnRedisIT.LONGS)
            .uri(RedisServer.shared().uri())
            .keyPrefix(prefix)
            .invalidationChannel(channel);
    RedisTier<Long, Long> tier = (decoder ? builder.keyDecoder(Long::valueOf) : builder).build();
    closeables.add(tier);
    return tier;
  }

  private Tandem<Long, Long> writeTwentyRows(RedisTier<Long, Long> tier) {
    Tandem<Long, Long> tandem = Tandem.builder(store).cacheTier(tier).build();
    closeables.add(tandem);
    for (long k = 1; k <= 20; k++) {
      tandem.put(k, 100 * k);
    }
    assertThat(tandem.get(21L)).isEmpty(); // caches the absence
    return tandem;
  }

  @Test
  void listsEveryEntryOnceDecodedAndNoMetadata() {
    RedisTier<Long, Long> tier = tier(true);
    writeTwentyRows(tier);

    Set<Long> listed = new HashSet<>();
    int pages = 0;
    for (Iterator<List<Long>> it = tier.cachedKeys(4); it.hasNext(); pages++) {
      listed.addAll(it.next());
    }

    Set<Long> expected = new HashSet<>();
    for (long k = 1; k <= 21; k++) {
      expected.add(k);
    }
    assertThat(listed).isEqualTo(expected);
    assertThat(pages).as("SCAN COUNT 4 over 21 entries and their metadata").isGreaterThan(1);
  }

  @Test
  void findsRowsChangedBySqlBehindTheSharedTierAndRepairsByInvalidating() throws SQLException {
    RedisTier<Long, Long> tier = tier(true);
    Tandem<Long, Long> tandem = writeTwentyRows(tier);
    sql("UPDATE kv SET v = 0 WHERE k = 7"); // no new version: only the value tells
    sql("DELETE FROM kv WHERE k = 3");
    sql("INSERT INTO kv (k, v) VALUES (21, 2100)"); // the column default draws a version
    Verifier<Long, Long> verifier =
        Verifier.builder(store).tier(tier).pageSize(8).recheckDelay(Duration.ZERO).build();

    VerifyReport<Long, Long> found = verifier.verify();

    assertThat(found.checked()).isEqualTo(21);
    assertThat(found.mismatches())
        .extracting(Mismatch::key, Mismatch::kind)
        .containsExactlyInAnyOrder(
            tuple(7L, Mismatch.Kind.VALUE_DIFFERS),
            tuple(3L, Mismatch.Kind.DELETED),
            tuple(21L, Mismatch.Kind.MISSING));
    assertThat(tandem.get(7L)).as("still served from Redis").contains(700L);

    VerifyReport<Long, Long> repaired = verifier.verifyAndRepair();

    assertThat(repaired.repaired()).isEqualTo(3);
    assertThat(tier.getIfPresent(7L)).as("invalidated, not rewritten").isNull();
    assertThat(tandem.get(7L)).contains(0L);
    assertThat(tandem.get(3L)).isEmpty();
    assertThat(tandem.get(21L)).contains(2100L);
    assertThat(verifier.verify().consistent()).isTrue();
  }

  @Test
  void aNearTierIsVerifiedThroughItsSharedTiersKeys() throws SQLException {
    NearTier<Long, Long> near =
        NearTier.builder(tier(false))
            .uri(RedisServer.shared().uri())
            .maximumSize(100)
            .boundedStaleness(Duration.ofSeconds(30))
            .keyDecoder(Long::valueOf)
            .build();
    closeables.add(near);
    Tandem<Long, Long> tandem = Tandem.builder(store).cacheTier(near).build();
    closeables.add(tandem);
    for (long k = 1; k <= 5; k++) {
      tandem.put(k, k);
    }
    sql("UPDATE kv SET v = -1, tandem_version = tandem_version + 1000 WHERE k = 2");

    VerifyReport<Long, Long> report =
        Verifier.builder(store).tier(near).recheckDelay(Duration.ZERO).build().verify();

    assertThat(report.checked()).isEqualTo(5);
    assertThat(report.mismatches())
        .extracting(Mismatch::key, Mismatch::kind)
        .containsExactly(tuple(2L, Mismatch.Kind.STALE));
  }

  @Test
  void withoutAKeyDecoderTheVerifierRefusesTheTextKeysNamingTheDecoder() {
    RedisTier<Long, Long> tier = tier(false);
    writeTwentyRows(tier);

    assertThat(store.keyType()).isEqualTo(Long.class); // the JDBC store states its key class
    assertThatThrownBy(() -> Verifier.builder(store).tier(tier).build().verify())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("key decoder");
  }

  private void sql(String statement) throws SQLException {
    try (Connection c = pool.getConnection();
        Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }
}
