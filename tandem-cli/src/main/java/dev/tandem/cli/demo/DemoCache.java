package dev.tandem.cli.demo;

import static java.util.Objects.requireNonNull;

import dev.tandem.cli.CommandFailedException;
import dev.tandem.cli.Redaction;
import dev.tandem.cli.TierFills;
import dev.tandem.local.LocalTier;
import dev.tandem.redis.NearTier;
import dev.tandem.redis.RedisTier;
import dev.tandem.spi.CacheTier;
import dev.tandem.spi.Cached;
import dev.tandem.spi.Store;
import dev.tandem.testkit.server.RedisServer;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The cache tier of a demo run ({@code --cache local|redis|near}) and the places that hold a copy
 * of a flight, which the consistency check reads without touching the database: the local tier
 * itself; the entry in Redis; the near tier's L1 in this process and the entry in Redis under it.
 *
 * <p>With Redis and no {@code --redis-url}, a {@code redis-server} is started for the run and
 * stopped on {@link #close()} (or by its exit hook on SIGINT or SIGTERM). The Redis tier uses a
 * client of the demo's own with a {@link RedisCommandTrace} registered, so {@code --verbose} shows
 * the commands Tandem sends.
 *
 * <p>Not thread-safe: the demo runs on one thread.
 */
final class DemoCache implements AutoCloseable {

  /** The start of the demo's keys in Redis. */
  static final String KEY_PREFIX = "tandem-demo:";

  /** How long a near tier may serve its L1 copy without hearing from Redis. */
  static final Duration NEAR_STALENESS = Duration.ofMillis(500);

  /**
   * Generous: the demo injects no faults, and a busy machine (a CI build) can be slow to answer.
   */
  private static final Duration REDIS_TIMEOUT = Duration.ofSeconds(5);

  /**
   * The write fence timeout of the demo's Redis tier: far longer than a write of the demo takes,
   * and short, since a tier that reaches a server it has not verified yet (one just started)
   * accepts fills only once this much time has passed (race H9), and the demo waits for that.
   */
  static final Duration WRITE_FENCE_TIMEOUT = Duration.ofSeconds(2);

  /** The tiers {@code --cache} chooses from. */
  enum Kind {
    /** Caffeine inside this process. */
    LOCAL,
    /** Redis, shared by every process that uses it. */
    REDIS,
    /** A Caffeine L1 in this process in front of Redis, invalidated over pub/sub. */
    NEAR
  }

  /**
   * A place that may hold a copy of the flight.
   *
   * @param name the column heading of the consistency check
   * @param versioned whether it keeps the row's version (L1 does not)
   * @param mustHold whether a write through Tandem leaves a copy there (L1 drops its copy instead)
   * @param reader reads the copy, null if there is none; never touches the database
   */
  record Copy(String name, boolean versioned, boolean mustHold, Reader reader) {}

  /** Reads what one place holds for a key. */
  @FunctionalInterface
  interface Reader {
    /** Returns the copy of {@code id}, or null if the place holds none. */
    @Nullable Cached<Flight> read(long id);
  }

  private final CacheTier<Long, Flight> tier;
  private final List<Copy> copies;
  private final String description;
  private final String explanation;
  private final @Nullable RedisTier<Long, Flight> redis;
  private final @Nullable RedisClient client;
  private final @Nullable RedisServer server;

  /** The client's connections that are open: {@link #close()} waits for the tier's to close. */
  private final AtomicInteger openConnections;

  private DemoCache(
      CacheTier<Long, Flight> tier,
      List<Copy> copies,
      String description,
      String explanation,
      @Nullable RedisTier<Long, Flight> redis,
      @Nullable RedisClient client,
      @Nullable RedisServer server,
      AtomicInteger openConnections) {
    this.openConnections = openConnections;
    this.tier = tier;
    this.redis = redis;
    this.copies = List.copyOf(copies);
    this.description = description;
    this.explanation = explanation;
    this.client = client;
    this.server = server;
  }

  /**
   * Opens the cache of {@code kind}.
   *
   * @param redisUrl the Redis to use, or null to start a {@code redis-server} (ignored for the
   *     local tier)
   * @param keyPrefix the prefix of the keys in Redis, one per store ({@link #keyPrefix})
   * @param size the most flights a local tier or L1 holds
   * @param trace where the Redis tier's commands are recorded
   * @param say where to tell the user about a slow start
   * @throws CommandFailedException if Redis cannot be started or reached
   */
  static DemoCache open(
      Kind kind,
      @Nullable String redisUrl,
      String keyPrefix,
      int size,
      SqlTrace trace,
      Consumer<String> say) {
    if (kind == Kind.LOCAL) {
      LocalTier<Long, Flight> local = LocalTier.<Long, Flight>builder().maximumSize(size).build();
      return new DemoCache(
          local,
          List.of(new Copy("Cache", true, true, local::getIfPresent)),
          String.format(
              Locale.ROOT,
              "local tier (Caffeine) inside this process, at most %,d flights; empty at start",
              size),
          "the cache's copy with the local tier's getIfPresent(%d), which never touches the database",
          null,
          null,
          null,
          new AtomicInteger());
    }
    RedisServer server = null;
    RedisClient client = null;
    RedisTier<Long, Flight> redis = null;
    AtomicInteger open = new AtomicInteger();
    try {
      String where;
      RedisURI uri;
      if (redisUrl == null) {
        say.accept("starting redis-server for the run...");
        server = RedisServer.start();
        uri = RedisURI.create(server.uri());
        where = "redis-server started for this run on 127.0.0.1:" + server.port();
      } else {
        uri = RedisURI.create(redisUrl);
        where = "Redis at " + Redaction.url(redisUrl);
      }
      String channel = keyPrefix + "near";
      client = tracedClient(uri, trace, channel, open);
      // A tier that cannot reach its server starts anyway, with its circuit open: the demo would
      // run
      // without a cache. Fail at once instead. (The probe also loads the client's classes, which on
      // a
      // busy machine can take longer than the tier's first handshake may.)
      try (StatefulRedisConnection<String, String> probe = client.connect()) {
        probe.sync().ping();
      }
      redis =
          RedisTier.<Long, Flight>builder(FlightJson.CODEC)
              .client(client)
              .keyPrefix(keyPrefix)
              .invalidationChannel(channel)
              .commandTimeout(REDIS_TIMEOUT)
              .writeFenceTimeout(WRITE_FENCE_TIMEOUT)
              .build();
      RedisTier<Long, Flight> shared = redis;
      Copy inRedis = new Copy("Redis", true, true, shared::getIfPresent);
      String keys = ", keys under " + keyPrefix + ", values as JSON";
      if (kind == Kind.REDIS) {
        return new DemoCache(
            redis,
            List.of(inRedis),
            "Redis tier, " + where + keys,
            "Redis's copy with a GET of its entry (RedisTier.getIfPresent(%d)), which never touches the database",
            shared,
            client,
            server,
            open);
      }
      NearTier<Long, Flight> near =
          NearTier.builder(redis)
              .uri(uri)
              .maximumSize(size)
              .boundedStaleness(NEAR_STALENESS)
              .keyDecoder(Long::valueOf)
              .commandTimeout(REDIS_TIMEOUT)
              .build();
      redis = null; // the near tier owns it now
      Copy inL1 =
          new Copy(
              "L1",
              false,
              false,
              id -> {
                Optional<Flight> local = near.getValueIfLocal(id);
                return local == null
                    ? null
                    : local.map(f -> Cached.present(f, 0)).orElse(Cached.deleted(0));
              });
      return new DemoCache(
          near,
          List.of(inL1, inRedis),
          String.format(
                  Locale.ROOT,
                  "near tier: an L1 of at most %,d flights in this process (bounded staleness %d ms) over the Redis tier, ",
                  size,
                  NEAR_STALENESS.toMillis())
              + where
              + keys,
          "the L1 copy in this process (NearTier.getValueIfLocal(%d)) and Redis's copy with a GET of its entry,"
              + " neither of which touches the database",
          shared,
          client,
          server,
          open);
    } catch (RuntimeException e) {
      if (redis != null) {
        redis.close();
      }
      if (client != null) {
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      }
      if (server != null) {
        server.close();
      }
      if (e instanceof CommandFailedException) {
        throw e;
      }
      throw new CommandFailedException(
          Redaction.text(
              "cannot "
                  + (redisUrl == null ? "start redis-server" : "use --redis-url " + redisUrl)
                  + ": "
                  + e.getMessage()),
          e);
    }
  }

  /**
   * A client as the Redis tier makes one for a URI (no reconnection of its own, commands refused
   * while disconnected, bounded timeouts), with the trace listening to every command it sends and
   * {@code open} counting its open connections.
   */
  private static RedisClient tracedClient(
      RedisURI uri, SqlTrace trace, String nearChannel, AtomicInteger open) {
    RedisClient client =
        RedisClient.create(RedisURI.builder(uri).withTimeout(REDIS_TIMEOUT).build());
    client.setOptions(
        ClientOptions.builder()
            .autoReconnect(false)
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .socketOptions(SocketOptions.builder().connectTimeout(REDIS_TIMEOUT).build())
            .timeoutOptions(TimeoutOptions.enabled(REDIS_TIMEOUT))
            .build());
    client.addListener(new RedisCommandTrace(trace, nearChannel));
    client.addListener(
        new RedisConnectionStateListener() {
          @Override
          public void onRedisConnected(
              RedisChannelHandler<?, ?> connection, SocketAddress address) {
            open.incrementAndGet();
          }

          @Override
          public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
            open.decrementAndGet();
          }
        });
    return client;
  }

  /**
   * Waits until the Redis tier takes a fill lease for {@code id} (and gives it back at once): a
   * tier that reached a server it had not verified yet refuses fills for its write fence timeout,
   * in case a write of another node was in flight when that server started (race H9). Returns at
   * once for the local tier.
   *
   * @return how long it waited
   * @throws CommandFailedException if the tier still refuses fills after several write fence
   *     timeouts
   */
  Duration awaitFills(long id) {
    if (redis == null) {
      return Duration.ZERO;
    }
    Duration max = WRITE_FENCE_TIMEOUT.multipliedBy(5);
    Duration waited = TierFills.await(redis, id, max);
    if (waited == null) {
      throw new CommandFailedException(
          "the Redis tier still refuses to cache flight "
              + id
              + " after "
              + max.toSeconds()
              + " s: is a write of another process fencing it?");
    }
    return waited;
  }

  /**
   * Returns the prefix of the keys of {@code store}'s flights in Redis: {@link #KEY_PREFIX} and the
   * store's identity (database, schema and table), since a Redis tier refuses a prefix that caches
   * another store, and one Redis may serve the demo on several databases.
   */
  static String keyPrefix(Store<?, ?> store) {
    String identity = store.identity();
    return identity == null ? KEY_PREFIX : KEY_PREFIX + identity + ":";
  }

  /** Returns the tier Tandem caches in. */
  CacheTier<Long, Flight> tier() {
    return tier;
  }

  /** Returns the places that may hold a copy of a flight, in the order the check shows them. */
  List<Copy> copies() {
    return copies;
  }

  /** Returns a description of the tier, for the header. */
  String description() {
    return description;
  }

  /** Returns how the check reads the copies of flight {@code id}, for step 4. */
  String explanation(long id) {
    return String.format(Locale.ROOT, explanation, id);
  }

  /** Returns whether the tier outlives the process (Redis), so that --flush matters. */
  boolean shared() {
    return redis != null;
  }

  /**
   * Closes the tier, the client and the server started for the run (in that order); idempotent. The
   * tier closes its connection asynchronously: the client is shut down once that is done (or after
   * 2 s), since Lettuce warns of a connection closed twice otherwise.
   */
  @Override
  public void close() {
    List<RuntimeException> failures = new ArrayList<>();
    run(tier::close, failures);
    if (client != null) {
      RedisClient c = client;
      long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
      while (openConnections.get() > 0 && System.nanoTime() - deadline < 0) {
        LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
      }
      run(() -> c.shutdown(Duration.ZERO, Duration.ofSeconds(2)), failures);
    }
    if (server != null) {
      run(requireNonNull(server)::close, failures);
    }
    if (!failures.isEmpty()) {
      throw failures.get(0);
    }
  }

  private static void run(Runnable step, List<RuntimeException> failures) {
    try {
      step.run();
    } catch (RuntimeException e) {
      failures.add(e);
    }
  }
}
