package dev.tandem.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.CacheTierUnavailableException;
import dev.tandem.Tandem;
import dev.tandem.Versioned;
import dev.tandem.jdbc.JdbcSchema;
import dev.tandem.jdbc.JdbcStore;
import dev.tandem.spi.CacheTier;
import dev.tandem.spi.Cached;
import dev.tandem.testkit.server.H2Database;
import dev.tandem.testkit.server.RedisServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Redis stopped under a running Tandem: reads go to the database and fill nothing, writes are
 * refused before the database is touched (the STRICT policy), the circuit opens so that calls stop
 * waiting on timeouts, and when Redis is back (empty) a probe closes it and the cache works again.
 */
class RedisDownIT {

  private final RedisServer server = RedisServer.start();
  private final H2Database h2 = H2Database.inMemory();

  @AfterEach
  void stop() {
    server.close();
    h2.close();
  }

  private JdbcStore<String, Long> store() throws Exception {
    DataSource ds = h2.dataSource();
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS kv (k VARCHAR(20) PRIMARY KEY, v BIGINT NOT NULL)");
    }
    JdbcSchema.addVersionColumn(ds, "kv", "tandem_version");
    return JdbcStore.<String, Long>builder().dataSource(ds).table("kv").keyColumn("k", String.class)
        .rowMapper(new LongColumn("v")).build();
  }

  private RedisTier<String, Long> tier() {
    if (server.isRunning()) {
      Epochs.trust(server.uri(), "down:");
    }
    return RedisTier.<String, Long>builder(TandemOnRedisIT.LONGS).uri(server.uri()).keyPrefix("down:")
        .commandTimeout(Duration.ofMillis(300)).circuitOpenTime(Duration.ofMillis(100)).build();
  }

  @Test
  void readsFallBackWritesAreRefusedAndTheTierRecovers() throws Exception {
    JdbcStore<String, Long> store = store();
    RedisTier<String, Long> tier = tier();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (Tandem<String, Long> tandem = Tandem.builder(store).cacheTier(tier).meterRegistry(registry).build()) {
      tandem.put("k", 1L);
      assertThat(tandem.getIfCached("k")).contains(1L);
      assertThat(registry.get("tandem.redis.circuit.open").gauge().value()).isZero();

      server.stop();
      for (int i = 0; i < 5; i++) {
        assertThat(tandem.get("k")).as("read %d with Redis down", i).contains(1L);
      }
      assertThat(tandem.stats().toString()).isNotEmpty();
      assertThat(tier.breaker().isOpen()).isTrue();
      assertThat(registry.get("tandem.redis.circuit.open").gauge().value()).isEqualTo(1);
      assertThat(registry.get("tandem.redis.circuit.opens").functionCounter().count()).isEqualTo(1);
      assertThat(tier.getIfPresent("k")).as("open circuit: a miss, no call").isNull();
      assertThat(tier.beginFill("k")).isEqualTo(CacheTier.NO_LEASE);
      assertThat(tier.getAllPresent(java.util.List.of("k"))).isEmpty();
      assertThat(tandem.getAll(java.util.List.of("k"))).containsEntry("k", 1L);

      assertThatThrownBy(() -> tandem.put("k", 2L)).isInstanceOf(CacheTierUnavailableException.class)
          .hasMessageContaining("k");
      assertThat(store.load("k").map(Versioned::value)).as("nothing was written").contains(1L);
      assertThatThrownBy(() -> tandem.remove("k")).isInstanceOf(CacheTierUnavailableException.class);
      assertThat(store.load("k")).isPresent();

      server.restart(); // empty: no entries, no fences, no scripts
      RedisTierIT.awaitTrue("a write goes through again", () -> {
        try {
          tandem.put("k", 3L);
          return true;
        } catch (CacheTierUnavailableException e) {
          return false;
        }
      });
      assertThat(tier.breaker().isOpen()).isFalse();
      assertThat(registry.get("tandem.redis.circuit.open").gauge().value()).isZero();
      assertThat(store.load("k").map(Versioned::value)).contains(3L);
      assertThat(tandem.get("k")).contains(3L);
      assertThat(tandem.getIfCached("k")).contains(3L);
    }
  }

  /** A read that cannot reach Redis is answered by the database and fills nothing. */
  @Test
  void aFailedReadDoesNotFill() throws Exception {
    JdbcStore<String, Long> store = store();
    RedisTier<String, Long> tier = tier();
    try (Tandem<String, Long> tandem = Tandem.builder(store).cacheTier(tier).build()) {
      tandem.put("k", 1L);
      tandem.invalidate("k");
      server.stop();
      assertThat(tandem.get("k")).contains(1L);
      server.restart();
      RedisTierIT.awaitTrue("the tier answers again", () -> {
        try {
          return tier.getIfPresent("k") == null && !tier.breaker().isOpen();
        } catch (RuntimeException e) {
          return false;
        }
      });
      assertThat(tier.getIfPresent("k")).isNull();
    }
  }

  /** A publish that fails after the commit: the key stays fenced, so no node serves the old value. */
  @Test
  void failedPublishLeavesTheKeyFenced() {
    try (RedisTier<String, Long> writer = tier(); RedisTier<String, Long> reader = tier()) {
      writer.applyCommitted("k", Cached.present(1L, 1));
      writer.beforeWrite("k"); // the write of version 2 is in flight...
      // ...its commit succeeds, its publish is lost: nobody calls applyCommitted
      assertThat(reader.getIfPresent("k")).isNull();
      assertThat(reader.beginFill("k")).isEqualTo(CacheTier.NO_LEASE);
      assertThat(reader.isFenced("k")).isTrue();
    }
  }

  @Test
  void buildFailsLoudlyWithoutAServer() {
    server.stop();
    assertThatThrownBy(this::tier).isInstanceOf(io.lettuce.core.RedisException.class);
    assertThat(Optional.of(server.port())).isPresent();
  }
}
