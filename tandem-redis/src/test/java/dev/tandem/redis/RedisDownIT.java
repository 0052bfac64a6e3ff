package dev.tandem.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.CacheTierUnavailableException;
import dev.tandem.Tandem;
import dev.tandem.Versioned;
import dev.tandem.jdbc.JdbcStore;
import dev.tandem.spi.CacheTier;
import dev.tandem.spi.Cached;
import dev.tandem.testkit.server.H2Database;
import dev.tandem.testkit.server.RedisServer;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Redis stopped under a running Tandem: reads go to the database and fill nothing, writes are
 * refused before the database is touched (the STRICT policy), the circuit opens so that calls stop
 * waiting on timeouts, and when Redis is back (empty) a probe closes it and the cache works again.
 * Redis paused (SIGSTOP): the kernel still accepts connections to it, so nothing fails fast, and
 * every wait must end on a bound the tier's settings give.
 */
class RedisDownIT {

  /**
   * Generous: the bound is a few command and connect timeouts; before the fix a put took ~120 s.
   */
  private static final Duration BOUND = Duration.ofSeconds(5);

  private final RedisServer server = RedisServer.start();
  private final H2Database h2 = H2Database.inMemory();

  @AfterEach
  void stop() {
    server.close();
    h2.close();
  }

  private JdbcStore<String, Long> store() throws Exception {
    return KvTable.store(h2);
  }

  @TempDir Path dir;

  private RedisTier<String, Long> tier() {
    return tier(WritePolicy.STRICT);
  }

  private RedisTier<String, Long> tier(WritePolicy policy) {
    if (server.isRunning()) {
      Epochs.trust(server.uri(), "down:");
    }
    return builder(policy).build();
  }

  /** The tier's settings in these tests: a prefix of their own, short timeouts, short open time. */
  private RedisTier.Builder<String, Long> builder(WritePolicy policy) {
    RedisTier.Builder<String, Long> builder =
        RedisTier.<String, Long>builder(TandemOnRedisIT.LONGS)
            .uri(server.uri())
            .keyPrefix("down:")
            .commandTimeout(Duration.ofMillis(200))
            .circuitOpenTime(Duration.ofMillis(100))
            .writePolicy(policy);
    if (policy == WritePolicy.AVAILABLE) {
      builder.repairJournal(dir.resolve("repair.journal"));
    }
    return builder;
  }

  @Test
  void readsFallBackWritesAreRefusedAndTheTierRecovers() throws Exception {
    JdbcStore<String, Long> store = store();
    RedisTier<String, Long> tier = tier();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    try (Tandem<String, Long> tandem =
        Tandem.builder(store).cacheTier(tier).meterRegistry(registry).build()) {
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

      assertThatThrownBy(() -> tandem.put("k", 2L))
          .isInstanceOf(CacheTierUnavailableException.class)
          .hasMessageContaining("k");
      assertThat(store.load("k").map(Versioned::value)).as("nothing was written").contains(1L);
      assertThatThrownBy(() -> tandem.remove("k"))
          .isInstanceOf(CacheTierUnavailableException.class);
      assertThat(store.load("k")).isPresent();

      server.restart(); // empty: no entries, no fences, no scripts
      RedisTierIT.awaitTrue(
          "a write goes through again",
          () -> {
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
      RedisTierIT.awaitTrue(
          "the tier answers again",
          () -> {
            try {
              return tier.getIfPresent("k") == null && !tier.breaker().isOpen();
            } catch (RuntimeException e) {
              return false;
            }
          });
      assertThat(tier.getIfPresent("k")).isNull();
    }
  }

  /**
   * A publish that fails after the commit: the key stays fenced, so no node serves the old value.
   */
  @Test
  void failedPublishLeavesTheKeyFenced() {
    try (RedisTier<String, Long> writer = tier();
        RedisTier<String, Long> reader = tier()) {
      writer.applyCommitted("k", Cached.present(1L, 1));
      writer.beforeWrite("k"); // the write of version 2 is in flight...
      // ...its commit succeeds, its publish is lost: nobody calls applyCommitted
      assertThat(reader.getIfPresent("k")).isNull();
      assertThat(reader.beginFill("k")).isEqualTo(CacheTier.NO_LEASE);
      assertThat(reader.isFenced("k")).isTrue();
    }
  }

  /**
   * An application starts while Redis is down: the tier starts with its circuit open (reads go to
   * the database; STRICT refuses writes, AVAILABLE journals them), and serves once Redis is back.
   */
  @ParameterizedTest
  @EnumSource(WritePolicy.class)
  void startsWithTheCircuitOpenWhileRedisIsDown(WritePolicy policy) throws Exception {
    try (Tandem<String, Long> uncached = Tandem.builder(store()).build()) {
      uncached.put("k", 1L);
    }
    JdbcStore<String, Long> store = store();
    server.stop();
    RedisTier<String, Long> tier = tier(policy);
    assertThat(tier.breaker().isOpen()).isTrue();
    try (Tandem<String, Long> tandem = Tandem.builder(store).cacheTier(tier).build()) {
      assertThat(tandem.get("k")).contains(1L);
      if (policy == WritePolicy.STRICT) {
        assertThatThrownBy(() -> tandem.put("k", 2L))
            .isInstanceOf(CacheTierUnavailableException.class);
      } else {
        tandem.put("k", 2L);
      }
      long expected = policy == WritePolicy.STRICT ? 1L : 2L;
      assertThat(tandem.get("k")).contains(expected);

      server.restart();
      Epochs.trust(server.uri(), "down:"); // before the tier's first probe: fills at once
      RedisTierIT.awaitTrue(
          "the tier serves once Redis is back",
          () -> {
            try {
              return tandem.get("k").equals(Optional.of(expected))
                  && tandem.getIfCached("k").isPresent();
            } catch (RuntimeException e) {
              return false;
            }
          });
      tandem.put("k", 3L);
      assertThat(tandem.getIfCached("k")).contains(3L);
    }
  }

  /**
   * A paused server accepts the connection and never answers: the build ends on the connect
   * timeout.
   */
  @Test
  void startsWithinItsBoundWhileRedisIsPaused() throws Exception {
    Epochs.trust(server.uri(), "down:");
    server.pause();
    RedisTier<String, Long> tier;
    try {
      long start = System.nanoTime();
      tier = builder(WritePolicy.STRICT).build();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(BOUND);
      assertThat(tier.breaker().isOpen()).isTrue();
    } finally {
      server.resume();
    }
    try (Tandem<String, Long> tandem = Tandem.builder(store()).cacheTier(tier).build()) {
      RedisTierIT.awaitTrue(
          "a write goes through once Redis answers",
          () -> {
            try {
              tandem.put("k", 1L);
              return true;
            } catch (CacheTierUnavailableException e) {
              return false;
            }
          });
      assertThat(tandem.getIfCached("k")).contains(1L);
    }
  }

  /**
   * A tier built while Redis is down binds its store when its link is made: a link to a prefix that
   * another store claimed meanwhile is refused, and an identity lost with the server's data is
   * recorded again.
   */
  @Test
  void bindsItsStoreWhenTheLinkIsMade() {
    server.stop();
    try (RedisTier<String, Long> tier = tier(WritePolicy.STRICT)) {
      tier.bindStore("db.public.kv"); // Redis is down: checked on the first link
      server.restart();
      Epochs.trust(server.uri(), "down:");
      try (RedisTier<String, Long> other = tier(WritePolicy.STRICT)) {
        other.bindStore("db.public.other");
      }
      RedisTierIT.awaitTrue(
          "the link is refused",
          () -> {
            try {
              tier.getIfPresent("k");
              return false;
            } catch (IllegalStateException e) {
              return e.getMessage().contains("'db.public.other'")
                  && e.getMessage().contains("'db.public.kv'");
            } catch (RuntimeException e) {
              return false;
            }
          });

      RedisClient client = RedisClient.create(server.uri());
      try (StatefulRedisConnection<String, String> admin = client.connect()) {
        admin.sync().flushall(); // the binding goes with the data
        Epochs.trust(server.uri(), "down:");
      } finally {
        client.shutdown();
      }
      RedisTierIT.awaitTrue(
          "the tier serves",
          () -> {
            try {
              tier.applyCommitted("k", Cached.present(1L, 1));
              return true;
            } catch (RuntimeException e) {
              return false;
            }
          });
      try (RedisTier<String, Long> other = tier(WritePolicy.STRICT)) {
        assertThatThrownBy(() -> other.bindStore("db.public.other"))
            .as("recorded again")
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("'db.public.kv'");
      }
    }
  }

  /**
   * An outage logs one WARN with a stack trace (the circuit opening) and at most a line a minute
   * after it, not a stack trace per write.
   */
  @Test
  void anOutageLogsOneStackTraceNotOnePerWrite() throws Exception {
    JdbcStore<String, Long> store = store();
    try (Tandem<String, Long> tandem =
        Tandem.builder(store).cacheTier(tier(WritePolicy.AVAILABLE)).build()) {
      tandem.put("k", 0L);
      server.stop();
      PrintStream err = System.err;
      ByteArrayOutputStream captured = new ByteArrayOutputStream();
      System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
      try {
        for (long i = 1; i <= 20; i++) {
          tandem.put("k", i); // AVAILABLE: goes ahead, journaled
        }
      } finally {
        System.setErr(err);
      }
      String log = captured.toString(StandardCharsets.UTF_8);
      err.print(log);
      List<String> tierWarnings =
          log.lines().filter(line -> line.contains("WARN dev.tandem.redis.")).toList();
      assertThat(tierWarnings).as("the tier's warnings over 20 writes").hasSizeBetween(1, 2);
      assertThat(tandem.get("k")).contains(20L);
    }
  }

  /** A server that answers with an error is a configuration to fix: the build fails loudly. */
  @Test
  void buildFailsLoudlyWhenTheServerRefusesTheTier() {
    RedisURI wrongPassword = RedisURI.create(server.uri());
    wrongPassword.setAuthentication("nobody", "wrong".toCharArray());
    assertThatThrownBy(
            () -> RedisTier.<String, Long>builder(TandemOnRedisIT.LONGS).uri(wrongPassword).build())
        .isInstanceOf(io.lettuce.core.RedisException.class);
  }

  /** Closes every client connection of the server (the tier's link among them), then pauses it. */
  private void killConnectionsAndPause() {
    RedisClient client = RedisClient.create(server.uri());
    try (StatefulRedisConnection<String, String> admin = client.connect()) {
      admin.sync().clientKill(KillArgs.Builder.typeNormal().skipme());
    } finally {
      client.shutdown();
    }
    server.pause();
  }

  /** Measures {@code call}, which may throw; returns how long it took. */
  private static Duration timed(Runnable call) {
    long start = System.nanoTime();
    call.run();
    return Duration.ofNanos(System.nanoTime() - start);
  }

  /**
   * A paused server still accepts TCP connections (the kernel queues them), so a new connection
   * hangs in its handshake: it must end on the connect timeout, not Lettuce's 60 s default; and a
   * fence after a failed publish must not reconnect while the circuit is open.
   */
  @ParameterizedTest
  @EnumSource(WritePolicy.class)
  void everyCallEndsWithinItsBoundWhileRedisIsPaused(WritePolicy policy) throws Exception {
    JdbcStore<String, Long> store = store();
    try (Tandem<String, Long> tandem = Tandem.builder(store).cacheTier(tier(policy)).build()) {
      tandem.put("k", 1L);
      killConnectionsAndPause();
      try {
        for (int i = 0; i < 4; i++) {
          long value = 2L + i;
          assertThat(
                  timed(
                      () -> {
                        if (policy == WritePolicy.STRICT) {
                          assertThatThrownBy(() -> tandem.put("k", value))
                              .isInstanceOf(CacheTierUnavailableException.class);
                        } else {
                          tandem.put("k", value); // goes ahead unfenced, journaled
                        }
                      }))
              .as("put %d with Redis paused", i)
              .isLessThan(BOUND);
          long expected = policy == WritePolicy.STRICT ? 1L : value;
          assertThat(timed(() -> assertThat(tandem.get("k")).contains(expected)))
              .as("get %d with Redis paused", i)
              .isLessThan(BOUND);
        }
      } finally {
        server.resume();
      }
      RedisTierIT.awaitTrue(
          "a write goes through again",
          () -> {
            try {
              tandem.put("k", 9L);
              return true;
            } catch (CacheTierUnavailableException e) {
              return false;
            }
          });
      assertThat(tandem.get("k")).contains(9L);
    }
  }
}
