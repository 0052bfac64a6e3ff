package dev.tandem.cli.torture;

import static java.util.Objects.requireNonNull;

import dev.tandem.Tandem;
import dev.tandem.cli.peers.HazelcastCluster;
import dev.tandem.cli.peers.Peer;
import dev.tandem.cli.peers.PeerCodec;
import dev.tandem.cli.peers.PeerSettings;
import dev.tandem.cli.peers.PeerTandem;
import dev.tandem.jdbc.JdbcStore;
import dev.tandem.local.LocalTier;
import dev.tandem.redis.Codec;
import dev.tandem.redis.NearTier;
import dev.tandem.redis.RedisTier;
import dev.tandem.redis.WritePolicy;
import dev.tandem.spi.CacheTier;
import dev.tandem.testkit.naive.NaiveCache;
import dev.tandem.testkit.naive.NaiveRedisCache;
import dev.tandem.testkit.naive.NaiveWriteThrough;
import io.lettuce.core.RedisCommandTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The tiers {@code tandem torture --tier NAME} can run: {@code local} (Caffeine in each node) and
 * {@code redis} (one Redis shared by the nodes). A new tier is one more {@link TortureTier} in
 * {@link #ALL}.
 */
final class TortureTiers {

  /** The expiry of cached entries: short, so that entries expire while the clients work. */
  static final Duration EXPIRE_AFTER_WRITE = Duration.ofMillis(50);

  /**
   * The expiry of entries in Redis when old snapshots are restored, or one node is partitioned from
   * Redis: long, so that a snapshot holds entries that are still alive when it comes back (with 50
   * ms they would all have expired), and so that what ends a stale read under a partition is the
   * partitioned node's repair, not the expiry (the bound the AVAILABLE write policy states; with 50
   * ms the expiry would cut every such read short).
   */
  static final Duration EXPIRE_SLOWLY = Duration.ofMinutes(1);

  /**
   * The Redis command timeout of the nodes: shorter than a pause of the server, so pauses time out.
   */
  static final Duration REDIS_COMMAND_TIMEOUT = Duration.ofMillis(250);

  /**
   * The Redis command timeout of the nodes under {@code --faults redis-pause}: short, as an
   * application that must answer within a deadline would set it; the run then shows how long an
   * operation can take while Redis is paused.
   */
  static final Duration REDIS_PAUSE_COMMAND_TIMEOUT = Duration.ofMillis(200);

  /** How long a node's circuit breaker stays open after Redis failed. */
  static final Duration REDIS_CIRCUIT_OPEN = Duration.ofMillis(200);

  /** How many times a node tries to build its tier when Redis times out meanwhile. */
  private static final int TIER_ATTEMPTS = 3;

  /** Values as decimal text in Redis. */
  static final Codec<Long> LONGS =
      Codec.of(
          v -> Long.toString(v).getBytes(StandardCharsets.US_ASCII),
          b -> Long.parseLong(new String(b, StandardCharsets.US_ASCII)));

  /** Caffeine in each node: not shared, so several nodes serve each other's old values (H8). */
  static final TortureTier LOCAL =
      new TortureTier() {
        @Override
        public String name() {
          return "local";
        }

        @Override
        public boolean shared() {
          return false;
        }

        @Override
        public String describe(int cacheSize) {
          return "local tier (Caffeine) of at most "
              + cacheSize
              + " entries, expiring "
              + EXPIRE_AFTER_WRITE.toMillis()
              + " ms after write";
        }

        @Override
        public CacheTier<String, Long> tier(@Nullable TortureRedis redis, int cacheSize, int node) {
          return LocalTier.<String, Long>builder()
              .maximumSize(cacheSize)
              .expireAfterWrite(EXPIRE_AFTER_WRITE)
              .build();
        }

        @Override
        public NaiveCache<String, Long> naiveCache(
            @Nullable TortureRedis redis, int cacheSize, int node) {
          return NaiveWriteThrough.mapCache(cacheSize);
        }
      };

  /** One Redis shared by every node, each with a {@link RedisTier} (one connection) of its own. */
  static final TortureTier REDIS =
      new TortureTier() {
        @Override
        public String name() {
          return "redis";
        }

        @Override
        public boolean shared() {
          return true;
        }

        @Override
        public String describe(int cacheSize) {
          return "Redis tier (STRICT)";
        }

        @Override
        public CacheTier<String, Long> tier(@Nullable TortureRedis redis, int cacheSize, int node) {
          TortureRedis r = requireNonNull(redis, "redis");
          return redisTier(r, node).build();
        }

        @Override
        public NaiveCache<String, Long> naiveCache(
            @Nullable TortureRedis redis, int cacheSize, int node) {
          TortureRedis r = requireNonNull(redis, "redis");
          return new NaiveRedisCache<String, Long>(
              r.nodeUri(node),
              r.prefix() + "naive:",
              Duration.ZERO,
              r.commandTimeout(),
              String::valueOf,
              Long::valueOf);
        }
      };

  /**
   * The bounded staleness of the near tier in a run: the cap on how long a node may serve a value
   * another node replaced if the invalidation message is late or lost (L1 is served only while a
   * heartbeat sent less than this ago has come back).
   */
  static final Duration NEAR_STALENESS = Duration.ofMillis(100);

  /**
   * A near tier in each node (Caffeine L1, invalidated over pub/sub) in front of a {@link
   * RedisTier} of its own over the shared Redis. It promises bounded staleness, not
   * linearizability: the checker is expected to find stale reads, and prints how stale.
   */
  static final TortureTier NEAR =
      new TortureTier() {
        @Override
        public String name() {
          return "near";
        }

        @Override
        public boolean shared() {
          return true;
        }

        @Override
        public String describe(int cacheSize) {
          return "near tier (L1 of at most "
              + cacheSize
              + " entries, BOUNDED_STALENESS "
              + NEAR_STALENESS.toMillis()
              + " ms) over the Redis tier (STRICT)";
        }

        @Override
        public CacheTier<String, Long> tier(@Nullable TortureRedis redis, int cacheSize, int node) {
          TortureRedis r = requireNonNull(redis, "redis");
          RedisTier<String, Long> shared =
              (RedisTier<String, Long>) REDIS.tier(redis, cacheSize, node);
          try {
            return NearTier.builder(shared)
                .uri(r.nodeUri(node))
                .maximumSize(cacheSize)
                .boundedStaleness(NEAR_STALENESS)
                .commandTimeout(r.commandTimeout())
                .build();
          } catch (RuntimeException e) {
            shared.close();
            throw e;
          }
        }

        @Override
        public NaiveCache<String, Long> naiveCache(
            @Nullable TortureRedis redis, int cacheSize, int node) {
          return REDIS.naiveCache(redis, cacheSize, node);
        }
      };

  /**
   * The Redis tier under the {@link WritePolicy#AVAILABLE} policy: a write whose key cannot be
   * fenced goes ahead, its key is journaled (a file per node in the temporary folder) and repaired
   * when the node reaches Redis again. It promises no linearizability while Redis is unreachable:
   * the checker is expected to find stale reads under cache faults, and prints how stale.
   */
  static final TortureTier REDIS_AVAILABLE =
      new TortureTier() {
        @Override
        public String name() {
          return "redis-available";
        }

        @Override
        public boolean shared() {
          return true;
        }

        @Override
        public String describe(int cacheSize) {
          return "Redis tier (AVAILABLE: unfenced writes journaled and repaired)";
        }

        @Override
        public CacheTier<String, Long> tier(@Nullable TortureRedis redis, int cacheSize, int node) {
          TortureRedis r = requireNonNull(redis, "redis");
          Path journal =
              Path.of(
                  System.getProperty("java.io.tmpdir"),
                  r.prefix().replace(':', '-') + "node-" + node + ".journal");
          journal
              .toFile()
              .deleteOnExit(); // the run's prefix is its own: nothing to repair after it
          return redisTier(r, node)
              .writePolicy(WritePolicy.AVAILABLE)
              .repairJournal(journal)
              .build();
        }

        @Override
        public NaiveCache<String, Long> naiveCache(
            @Nullable TortureRedis redis, int cacheSize, int node) {
          return REDIS.naiveCache(redis, cacheSize, node);
        }
      };

  /** Every tier by name, in the order of the help text. To add a tier, add it here. */
  static final Map<String, TortureTier> ALL = byName(List.of(LOCAL, REDIS, NEAR, REDIS_AVAILABLE));

  private TortureTiers() {}

  /**
   * Returns node {@code node} of a run: Tandem over {@code store} with a new tier of its own, or
   * the naive write-through class with the tier's naive cache.
   */
  static Tandem<String, Long> node(
      TortureCommand.Engine engine,
      TortureTier tier,
      JdbcStore<String, Long> store,
      @Nullable TortureRedis redis,
      int cacheSize,
      int batches,
      int node) {
    return node(
        engine, tier, store, redis, cacheSize, batches, node, HazelcastCluster.fresh(1), null);
  }

  /**
   * Returns node {@code node} of a run as {@link #node(TortureCommand.Engine, TortureTier,
   * JdbcStore, TortureRedis, int, int, int)} does, or a peer: its Redis clients reach the run's
   * Redis through the node's path (its fault proxy) with the client's own default timeouts
   * (Redisson's 3 s with its retries, Lettuce's 60 s: with Tandem's 250 ms Redisson's read-miss
   * lock outlives a timed-out command by its 30 s lease); its Hazelcast member joins {@code
   * cluster}. With {@code outside}, a Tandem node's tier is watched by a change listener, and
   * updates never start from the cached value (a write around Tandem may have kept the cached
   * version).
   */
  static Tandem<String, Long> node(
      TortureCommand.Engine engine,
      TortureTier tier,
      JdbcStore<String, Long> store,
      @Nullable TortureRedis redis,
      int cacheSize,
      int batches,
      int node,
      HazelcastCluster cluster,
      @Nullable TortureOutside outside) {
    Peer peer = engine.peer();
    if (peer != null) {
      PeerSettings settings =
          new PeerSettings(
              redis == null ? null : redis.nodeUri(node), // with the run's credentials
              redis == null ? "torture:" : redis.prefix(),
              cacheSize,
              null,
              cluster); // the peer's own timeouts, never shorter
      for (int attempt = 1;
          ;
          attempt++) { // as newTier: a busy machine can miss the short timeout while connecting
        try {
          return new PeerTandem<>(
              peer.open(settings, store, PeerCodec.LONGS, node), PeerCodec.LONGS);
        } catch (RuntimeException e) {
          if (attempt == TIER_ATTEMPTS) {
            throw e;
          }
        }
      }
    }
    if (engine == TortureCommand.Engine.NAIVE) {
      return new NaiveWriteThrough<>(store, tier.naiveCache(redis, cacheSize, node));
    }
    CacheTier<String, Long> cacheTier = newTier(tier, redis, cacheSize, node);
    Tandem.Builder<String, Long> builder =
        Tandem.builder(store)
            .cacheTier(outside != null ? outside.watch(store, cacheTier, node) : cacheTier)
            .name("node-" + node)
            .maxConcurrentBatches(batches)
            .recordStats();
    if (outside == null) {
      builder.updatesFromCache(); // no writer bypasses Tandem here, so updates may start from the
      // cached value
    }
    return builder.build();
  }

  /**
   * Builds a node's tier, again if Redis timed out while the tier connected: a Redis tier connects
   * and verifies the server when it is built, with the run's short command timeout, which a machine
   * busy with other work (a CI build) can exceed before the run has even started.
   */
  private static CacheTier<String, Long> newTier(
      TortureTier tier, @Nullable TortureRedis redis, int cacheSize, int node) {
    for (int attempt = 1; ; attempt++) {
      try {
        return tier.tier(redis, cacheSize, node);
      } catch (RedisCommandTimeoutException e) {
        if (attempt == TIER_ATTEMPTS) {
          throw e;
        }
      }
    }
  }

  /** Returns the tier of a {@code --tier} name, or null if there is none. */
  static @Nullable TortureTier named(String name) {
    return ALL.get(name);
  }

  /**
   * The settings every node's Redis tier of a run shares (prefix, expiry, timeouts), with the
   * node's path to Redis.
   */
  private static RedisTier.Builder<String, Long> redisTier(TortureRedis r, int node) {
    return RedisTier.<String, Long>builder(LONGS)
        .uri(r.nodeUri(node))
        .keyPrefix(r.prefix())
        .timeToLive(r.entryTimeToLive())
        .commandTimeout(r.commandTimeout())
        .circuitOpenTime(REDIS_CIRCUIT_OPEN);
  }

  private static Map<String, TortureTier> byName(List<TortureTier> tiers) {
    Map<String, TortureTier> map = new LinkedHashMap<>();
    tiers.forEach(t -> map.put(t.name(), t));
    return Collections.unmodifiableMap(map);
  }
}
