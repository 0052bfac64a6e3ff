package dev.tandem.redis;

import static java.util.Objects.requireNonNull;

import dev.tandem.Ticker;
import dev.tandem.spi.CacheTier;
import dev.tandem.spi.Cached;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cache tier shared by many nodes: one Redis or Valkey server (standalone) through Lettuce.
 * Nodes that use the same server and {@linkplain Builder#keyPrefix key prefix} share their cache;
 * this tier keeps no copy of its own, so a write acknowledged on one node is what every other node
 * reads next (race H8).
 *
 * <p><b>Design.</b> A key {@code k} has two Redis keys in one hash slot: its entry
 * <code>&lt;prefix&gt;{k}</code> (a string: version, kind, value bytes) and its metadata
 * <code>&lt;prefix&gt;{k}:m</code> (a hash: the watermark, the outstanding fill lease, the fences).
 * Every mutation is one Lua script, so each check and its update are one atomic step in Redis:
 *
 * <ul>
 *   <li>a committed write installs its entry only if no newer version is known, where "known"
 *       includes the watermark, which outlives an expired or evicted entry (H1, H6);
 *   <li>a fill installs only under the lease it took before reading the database, which every
 *       committed write and every fence revokes (H2, H3, H6);
 *   <li>{@link #beforeWrite} fences the key before the database write, so that while the write is
 *       in flight no node serves or refills the old value, and if publishing the committed write
 *       fails the key stays fenced (H4); a fence placed by one node also holds out the entry of
 *       another node's write that commits meanwhile, until every writer has reported;
 *   <li>{@link #fence} after a failed publish records the unpublished version as the watermark,
 *       so a delayed publish of an older write cannot lift it.
 * </ul>
 *
 * <p><b>When Redis is down or slow.</b> Calls time out after the {@linkplain
 * Builder#commandTimeout command timeout}; three failures in a row open a circuit breaker for the
 * {@linkplain Builder#circuitOpenTime open time}, after which one call at a time probes. While the
 * circuit is open, {@link #getIfPresent} returns null and {@link #beginFill} returns {@link
 * #NO_LEASE}: reads go to the database and fill nothing. {@link #beforeWrite} throws, so the
 * engine refuses the write before touching the database (no node can then read a value older than
 * an acknowledged write: the {@code STRICT} policy). A fence that could not be lifted because its
 * writer lost Redis after committing lapses after the {@linkplain Builder#writeFenceTimeout write
 * fence timeout}; by then the database holds the committed value, which is what a fill reads.
 *
 * <p>Give each Tandem its own tier instance (one connection each): the tier remembers which
 * write fences its engine placed, and relies on the engine writing a key from one thread at a time.
 *
 * <p>Not yet handled: a server that restarts empty or from an old snapshot (race H9), Redis
 * Cluster, key eviction under {@code maxmemory} (run the server with {@code noeviction} or a
 * {@code volatile-*} policy and a time-to-live, so that metadata is not evicted before entries).
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class RedisTier<K, V> implements CacheTier<K, V> {

  private static final Logger log = LoggerFactory.getLogger(RedisTier.class);
  private static final byte[] NONE = new byte[0];
  private static final long MIN_METADATA_RETENTION_MILLIS = Duration.ofHours(1).toMillis();

  private final @Nullable RedisClient ownedClient;
  private final StatefulRedisConnection<byte[], byte[]> connection;
  private final RedisCommands<byte[], byte[]> redis;
  private final RedisAsyncCommands<byte[], byte[]> async;
  private final Codec<V> codec;
  private final KeySpace<K> keys;
  private final String server;
  private final long commandTimeoutNanos;
  private final byte[] entryTtl;
  private final byte[] metaTtl;
  private final byte[] writeFenceTimeout;
  private final CircuitBreaker breaker;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** This node's fence token per key with a write in flight (one at most: the engine locks the key). */
  private final ConcurrentHashMap<K, Long> writeTokens = new ConcurrentHashMap<>();
  /** Versions whose publish failed, until the engine fences their key. */
  private final ConcurrentHashMap<K, Long> unpublished = new ConcurrentHashMap<>();
  private final LuaScript beginFillScript = LuaScript.named("begin_fill");
  private final LuaScript fillScript = LuaScript.named("fill");
  private final LuaScript cancelFillScript = LuaScript.named("cancel_fill");
  private final LuaScript applyScript = LuaScript.named("apply");
  private final LuaScript fenceScript = LuaScript.named("fence");
  private final LuaScript beforeWriteScript = LuaScript.named("before_write");

  private RedisTier(Builder<K, V> builder, @Nullable RedisClient ownedClient,
      StatefulRedisConnection<byte[], byte[]> connection, String server) {
    this.ownedClient = ownedClient;
    this.connection = connection;
    this.redis = connection.sync();
    this.async = connection.async();
    this.codec = builder.codec;
    this.server = server;
    this.keys = new KeySpace<>(builder.keyPrefix != null ? builder.keyPrefix : "tandem:",
        builder.keyEncoder != null ? builder.keyEncoder : String::valueOf);
    Duration timeout = builder.commandTimeout != null ? builder.commandTimeout : Duration.ofSeconds(1);
    this.commandTimeoutNanos = timeout.toNanos();
    long ttlMillis = builder.timeToLive != null ? builder.timeToLive.toMillis() : 0;
    long fenceMillis = (builder.writeFenceTimeout != null ? builder.writeFenceTimeout : Duration.ofSeconds(30)).toMillis();
    this.entryTtl = ascii(ttlMillis);
    this.metaTtl = ascii(ttlMillis + Math.max(MIN_METADATA_RETENTION_MILLIS, 2 * fenceMillis));
    this.writeFenceTimeout = ascii(fenceMillis);
    Duration openTime = builder.circuitOpenTime != null ? builder.circuitOpenTime : Duration.ofSeconds(1);
    this.breaker = new CircuitBreaker(builder.ticker != null ? builder.ticker : Ticker.system(), openTime.toNanos(),
        "RedisTier(" + server + ", " + keys.prefix() + ")");
  }

  /**
   * Returns a builder of a Redis tier whose values {@code codec} turns into bytes. A server
   * ({@link Builder#uri(String)} or {@link Builder#client}) is required.
   */
  public static <K, V> Builder<K, V> builder(Codec<V> codec) {
    return new Builder<>(requireNonNull(codec, "codec"));
  }

  /**
   * Returns the cached entry of {@code key} with one GET, or null on a miss. Returns null without
   * calling Redis while the circuit is open.
   *
   * @throws RedisException if Redis fails or times out (the engine then reads the database)
   * @throws IllegalStateException if the stored bytes are not an entry of this codec
   */
  @Override
  public @Nullable Cached<V> getIfPresent(K key) {
    byte[] entryKey = keys.entry(key);
    if (!breaker.allow()) {
      return null;
    }
    byte[] payload;
    try {
      payload = redis.get(entryKey);
      breaker.succeeded();
    } catch (RuntimeException e) {
      breaker.failed(e);
      throw e;
    }
    return payload == null ? null : EntryFormat.decode(key, payload, codec);
  }

  /**
   * Returns the cached entries of the keys that are present, with pipelined GETs. Returns an empty
   * map if the circuit is open or Redis fails: every key then reads from the database.
   */
  @Override
  public Map<K, Cached<V>> getAllPresent(Collection<? extends K> keys) {
    if (keys.isEmpty() || !breaker.allow()) {
      return Map.of();
    }
    List<K> asked = new ArrayList<>(keys);
    List<RedisFuture<byte[]>> replies = new ArrayList<>(asked.size());
    long deadline = System.nanoTime() + commandTimeoutNanos;
    try {
      for (K key : asked) {
        replies.add(async.get(this.keys.entry(key)));
      }
      Map<K, Cached<V>> found = new HashMap<>(asked.size() * 2);
      for (int i = 0; i < asked.size(); i++) {
        byte[] payload = replies.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (payload != null) {
          found.put(asked.get(i), EntryFormat.decode(asked.get(i), payload, codec));
        }
      }
      breaker.succeeded();
      return found;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Map.of();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      RuntimeException failure = e instanceof RuntimeException r ? r : new RedisException("getAllPresent failed", e);
      if (!(failure instanceof IllegalStateException)) {
        breaker.failed(failure);
      }
      log.debug("{}: reading {} keys failed; they read from the database", this, asked.size(), failure);
      return Map.of();
    }
  }

  /**
   * Takes the key's fill lease (sharing one that is outstanding), or returns {@link #NO_LEASE} if
   * the key is fenced or the circuit is open.
   *
   * @throws RedisException if Redis fails or times out
   */
  @Override
  public long beginFill(K key) {
    byte[] entryKey = keys.entry(key);
    if (!breaker.allow()) {
      return NO_LEASE;
    }
    return call(() -> beginFillScript.run(redis, pair(entryKey), ascii(newToken()), metaTtl));
  }

  /**
   * Installs {@code loaded} if {@code lease} is still the key's lease, the key is not fenced and
   * no newer version is known, all in one script; consumes the lease.
   *
   * @return whether the lease was honoured: the entry is now at least as new as {@code loaded}
   * @throws RedisException if Redis fails or times out
   * @throws IllegalArgumentException if the codec cannot encode the value
   */
  @Override
  public boolean fill(K key, long lease, Cached<V> loaded) {
    if (lease == NO_LEASE) {
      return false;
    }
    byte[] entryKey = keys.entry(key);
    byte[] payload = EntryFormat.encode(key, loaded, codec);
    if (!breaker.allow()) {
      return false;
    }
    return call(() -> fillScript.run(redis, pair(entryKey), ascii(lease), EntryFormat.version(loaded.version()),
        payload, entryTtl, metaTtl)) == 1;
  }

  /**
   * Gives back a lease whose load failed.
   *
   * @throws RedisException if Redis fails or times out
   */
  @Override
  public void cancelFill(K key, long lease) {
    if (lease == NO_LEASE) {
      return;
    }
    byte[] entryKey = keys.entry(key);
    if (breaker.allow()) {
      call(() -> cancelFillScript.run(redis, pair(entryKey), ascii(lease)));
    }
  }

  /**
   * Records a committed write in one script: revokes the key's leases, removes this node's fence
   * of the write, lifts a fence unless the write is older than the watermark, and installs the
   * entry unless a newer version is known or another node's write of the key is in flight.
   *
   * @throws RedisException if Redis fails, times out, or the circuit is open: the engine then fences
   * @throws IllegalArgumentException if the codec cannot encode the value (the engine then fences)
   */
  @Override
  public void applyCommitted(K key, Cached<V> committed) {
    byte[] entryKey = keys.entry(key);
    Long token = writeTokens.get(key);
    byte[] payload;
    try {
      payload = EntryFormat.encode(key, committed, codec);
    } catch (RuntimeException e) {
      unpublished.put(key, committed.version());
      throw e;
    }
    if (!breaker.allow()) {
      unpublished.put(key, committed.version());
      throw unavailable("publish", key);
    }
    try {
      call(() -> applyScript.run(redis, pair(entryKey), EntryFormat.version(committed.version()), payload,
          token == null ? NONE : ascii(token), entryTtl, metaTtl));
    } catch (RuntimeException e) {
      unpublished.put(key, committed.version());
      throw e;
    }
    if (token != null) {
      writeTokens.remove(key, token);
    }
    unpublished.remove(key);
  }

  /**
   * Fences the key before this node's database write of it: drops its entry, revokes its leases
   * and refuses fills on every node until this write is published, or until the write fence
   * timeout if it never is.
   *
   * @throws RedisException if Redis fails, times out, or the circuit is open: the write is refused
   */
  @Override
  public void beforeWrite(K key) {
    byte[] entryKey = keys.entry(key);
    if (!breaker.allow()) {
      throw unavailable("fence before write", key);
    }
    long token = newToken();
    Long previous = writeTokens.put(key, token); // a write of this node that never published
    unpublished.remove(key);
    call(() -> beforeWriteScript.run(redis, pair(entryKey), ascii(token), previous == null ? NONE : ascii(previous),
        writeFenceTimeout, metaTtl));
  }

  /**
   * Drops the key's entry, revokes its leases and refuses fills on every node until a committed
   * write that is not older than the last one this node failed to publish. Tried even while the
   * circuit is open.
   *
   * @throws RedisException if Redis fails or times out
   */
  @Override
  public void fence(K key) {
    fence(key, unpublished.get(key));
  }

  void fence(K key, @Nullable Long floor) {
    byte[] entryKey = keys.entry(key);
    Long token = writeTokens.get(key);
    call(() -> fenceScript.run(redis, pair(entryKey), floor == null ? NONE : EntryFormat.version(floor),
        token == null ? NONE : ascii(token), metaTtl));
    if (token != null) {
      writeTokens.remove(key, token);
    }
    if (floor != null) {
      unpublished.remove(key, floor);
    }
  }

  /**
   * Deletes the key's entry; its watermark, lease and fences stay.
   *
   * @throws RedisException if Redis fails, times out, or the circuit is open
   */
  @Override
  public void invalidate(K key) {
    byte[] entryKey = keys.entry(key);
    if (!breaker.allow()) {
      throw unavailable("invalidate", key);
    }
    call(() -> redis.del(entryKey));
  }

  /**
   * Deletes every entry under this tier's key prefix (SCAN and UNLINK, not atomic: entries
   * written meanwhile may stay); fenced keys stay fenced.
   *
   * @throws RedisException if Redis fails, times out, or the circuit is open
   */
  @Override
  public void invalidateAll() {
    if (!breaker.allow()) {
      throw unavailable("invalidateAll", "every key");
    }
    ScanArgs args = ScanArgs.Builder.matches(keys.entryPattern().getBytes(StandardCharsets.UTF_8)).limit(1000);
    call(() -> {
      ScanCursor cursor = ScanCursor.INITIAL;
      long removed = 0;
      do {
        KeyScanCursor<byte[]> page = redis.scan(cursor, args);
        if (!page.getKeys().isEmpty()) {
          removed += redis.unlink(page.getKeys().toArray(new byte[0][]));
        }
        cursor = page;
      } while (!cursor.isFinished());
      return removed;
    });
  }

  /**
   * Returns Redis's DBSIZE: every key in the database, so entries, their metadata and any other
   * application's keys; 0 if Redis cannot be reached. An upper bound, not a count of entries.
   */
  @Override
  public long estimatedSize() {
    if (!breaker.allow()) {
      return 0;
    }
    try {
      return call(() -> redis.dbsize());
    } catch (RuntimeException e) {
      return 0;
    }
  }

  /** Returns 0: Redis expires and evicts entries itself and does not count them per tier. */
  @Override
  public long evictionCount() {
    return 0;
  }

  /** Closes the connection, and the client if this tier created it; idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      connection.close();
      if (ownedClient != null) {
        ownedClient.shutdown();
      }
    }
  }

  @Override
  public String toString() {
    return "RedisTier{" + server + ", prefix=" + keys.prefix() + ", circuit=" + breaker + "}";
  }

  // ---------------------------------------------------------------- for tests and diagnostics

  /** Returns whether {@code key} is fenced now (a fence of this or another node, or a write fence). */
  boolean isFenced(K key) {
    Map<byte[], byte[]> meta = redis.hgetall(KeySpace.meta(keys.entry(key)));
    List<byte[]> time = redis.time();
    long now = Long.parseLong(new String(time.get(0), StandardCharsets.US_ASCII)) * 1000
        + Long.parseLong(new String(time.get(1), StandardCharsets.US_ASCII)) / 1000;
    for (Map.Entry<byte[], byte[]> field : meta.entrySet()) {
      String name = new String(field.getKey(), StandardCharsets.UTF_8);
      if (name.equals("f")) {
        return true;
      }
      if (name.startsWith("w:") && Long.parseLong(new String(field.getValue(), StandardCharsets.US_ASCII)) > now) {
        return true;
      }
    }
    return false;
  }

  /** Returns whether {@code key} has an outstanding fill lease. */
  boolean hasLease(K key) {
    return redis.hexists(KeySpace.meta(keys.entry(key)), "l".getBytes(StandardCharsets.US_ASCII));
  }

  /** Returns the key's watermark, 0 if it has none. */
  long watermark(K key) {
    byte[] mark = redis.hget(KeySpace.meta(keys.entry(key)), "m".getBytes(StandardCharsets.US_ASCII));
    return mark == null ? 0 : Long.parseLong(new String(mark, StandardCharsets.US_ASCII));
  }

  /** Returns the Redis key of the entry of {@code key}. */
  byte[] entryKey(K key) {
    return keys.entry(key);
  }

  CircuitBreaker breaker() {
    return breaker;
  }

  void loadScripts() {
    for (LuaScript script : List.of(beginFillScript, fillScript, cancelFillScript, applyScript, fenceScript,
        beforeWriteScript)) {
      script.load(redis);
    }
  }

  // ---------------------------------------------------------------- helpers

  private <T> T call(Supplier<T> command) {
    try {
      T result = command.get();
      breaker.succeeded();
      return result;
    } catch (RuntimeException e) {
      breaker.failed(e);
      throw e;
    }
  }

  private RedisException unavailable(String operation, Object key) {
    return new RedisException(operation + " of key " + key + " refused: Redis at " + server
        + " is unavailable (the circuit is open after repeated failures)");
  }

  private static byte[][] pair(byte[] entryKey) {
    return new byte[][] {entryKey, KeySpace.meta(entryKey)};
  }

  /** A lease or fence token: random, non-zero, below 2^52 so that Lua numbers hold it exactly. */
  private static long newToken() {
    return ThreadLocalRandom.current().nextLong(1, 1L << 52);
  }

  private static byte[] ascii(long number) {
    return Long.toString(number).getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Builds a {@link RedisTier}. Each setting may be made once; exactly one of {@link #uri(String)}
   * and {@link #client} is required.
   *
   * @param <K> the key type
   * @param <V> the value type
   */
  public static final class Builder<K, V> {
    private final Codec<V> codec;
    private @Nullable RedisURI uri;
    private @Nullable RedisClient client;
    private @Nullable String keyPrefix;
    private @Nullable Function<? super K, String> keyEncoder;
    private @Nullable Duration timeToLive;
    private @Nullable Duration commandTimeout;
    private @Nullable Duration writeFenceTimeout;
    private @Nullable Duration circuitOpenTime;
    private @Nullable Ticker ticker;

    private Builder(Codec<V> codec) {
      this.codec = codec;
    }

    /**
     * Connects to the server at {@code uri}, e.g. {@code redis://localhost:6379/0}; password, ACL
     * user, TLS ({@code rediss://}) and database number pass through Lettuce's URI syntax. The
     * tier creates its own client, rejects commands while disconnected instead of queueing them,
     * and shuts the client down on {@link RedisTier#close()}.
     *
     * @throws IllegalStateException if a server was already set
     * @throws IllegalArgumentException if the URI is not a Redis URI
     */
    public Builder<K, V> uri(String uri) {
      requireNonNull(uri, "uri");
      return uri(RedisURI.create(uri));
    }

    /**
     * Connects to the server that {@code uri} describes; see {@link #uri(String)}.
     *
     * @throws IllegalStateException if a server was already set
     */
    public Builder<K, V> uri(RedisURI uri) {
      requireNonNull(uri, "uri");
      checkNoServer();
      this.uri = uri;
      return this;
    }

    /**
     * Connects through the caller's client, which keeps its options (Tandem recommends
     * {@code DisconnectedBehavior.REJECT_COMMANDS}) and is not shut down by the tier.
     *
     * @throws IllegalStateException if a server was already set
     */
    public Builder<K, V> client(RedisClient client) {
      requireNonNull(client, "client");
      checkNoServer();
      this.client = client;
      return this;
    }

    /**
     * Sets the prefix of every Redis key of this tier. Nodes that share a cache use the same
     * prefix; caches of different tables need different ones. Default: {@code tandem:}.
     *
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if empty or containing a brace (braces are hash tags)
     */
    public Builder<K, V> keyPrefix(String prefix) {
      requireNonNull(prefix, "prefix");
      if (keyPrefix != null) {
        throw new IllegalStateException("key prefix was already set to " + keyPrefix);
      }
      if (prefix.isEmpty() || prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0) {
        throw new IllegalArgumentException("key prefix must be non-empty and without braces but was '" + prefix + "'");
      }
      this.keyPrefix = prefix;
      return this;
    }

    /**
     * Sets how a key becomes the text in its Redis key name; it must give distinct keys distinct
     * texts. Default: {@code String.valueOf}, right for strings, numbers and UUIDs.
     *
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> keyEncoder(Function<? super K, String> encoder) {
      requireNonNull(encoder, "encoder");
      if (keyEncoder != null) {
        throw new IllegalStateException("key encoder was already set");
      }
      this.keyEncoder = encoder;
      return this;
    }

    /**
     * Lets Redis expire an entry this long after it was written or filled (PX, millisecond
     * precision). Default: entries do not expire.
     *
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if shorter than a millisecond
     */
    public Builder<K, V> timeToLive(Duration duration) {
      requireNonNull(duration, "duration");
      if (timeToLive != null) {
        throw new IllegalStateException("time to live was already set to " + timeToLive);
      }
      this.timeToLive = atLeastOneMilli("time to live", duration);
      return this;
    }

    /**
     * Sets how long a Redis call may take before it fails (and counts towards opening the
     * circuit). Default: 1 second.
     *
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if shorter than a millisecond
     */
    public Builder<K, V> commandTimeout(Duration duration) {
      requireNonNull(duration, "duration");
      if (commandTimeout != null) {
        throw new IllegalStateException("command timeout was already set to " + commandTimeout);
      }
      this.commandTimeout = atLeastOneMilli("command timeout", duration);
      return this;
    }

    /**
     * Sets how long a fence placed before a database write holds if its writer never publishes
     * (it crashed, lost Redis, or the write failed). It must exceed the longest write, retries
     * included: a write still in flight when its fence lapses is no longer protected against a
     * failed publish. Default: 30 seconds.
     *
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if shorter than a millisecond
     */
    public Builder<K, V> writeFenceTimeout(Duration duration) {
      requireNonNull(duration, "duration");
      if (writeFenceTimeout != null) {
        throw new IllegalStateException("write fence timeout was already set to " + writeFenceTimeout);
      }
      this.writeFenceTimeout = atLeastOneMilli("write fence timeout", duration);
      return this;
    }

    /**
     * Sets how long the circuit stays open (calls refused at once) before a probe. Default: 1
     * second.
     *
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if shorter than a millisecond
     */
    public Builder<K, V> circuitOpenTime(Duration duration) {
      requireNonNull(duration, "duration");
      if (circuitOpenTime != null) {
        throw new IllegalStateException("circuit open time was already set to " + circuitOpenTime);
      }
      this.circuitOpenTime = atLeastOneMilli("circuit open time", duration);
      return this;
    }

    /**
     * Sets the time source of the circuit breaker. Default: {@link Ticker#system()}.
     *
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> ticker(Ticker ticker) {
      requireNonNull(ticker, "ticker");
      if (this.ticker != null) {
        throw new IllegalStateException("ticker was already set");
      }
      this.ticker = ticker;
      return this;
    }

    /**
     * Connects, loads the scripts and returns the tier.
     *
     * @throws IllegalStateException if no server was set
     * @throws RedisException if the server cannot be reached or refuses the scripts
     */
    public RedisTier<K, V> build() {
      if (uri == null && client == null) {
        throw new IllegalStateException("a Redis tier needs a server: set uri or client");
      }
      Duration timeout = commandTimeout != null ? commandTimeout : Duration.ofSeconds(1);
      RedisClient owned = null;
      RedisClient used = client;
      String server;
      if (uri != null) {
        RedisURI target = uri;
        owned = RedisClient.create(target);
        owned.setOptions(ClientOptions.builder()
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .socketOptions(SocketOptions.builder().connectTimeout(timeout).build())
            .timeoutOptions(TimeoutOptions.enabled(timeout))
            .build());
        used = owned;
        server = target.getHost() + ":" + target.getPort();
      } else {
        server = "client " + requireNonNull(client);
      }
      StatefulRedisConnection<byte[], byte[]> connection = null;
      try {
        connection = requireNonNull(used).connect(ByteArrayCodec.INSTANCE);
        connection.setTimeout(timeout);
        RedisTier<K, V> tier = new RedisTier<>(this, owned, connection, server);
        tier.loadScripts();
        return tier;
      } catch (RuntimeException e) {
        if (connection != null) {
          connection.close();
        }
        if (owned != null) {
          owned.shutdown();
        }
        throw e;
      }
    }

    private void checkNoServer() {
      if (uri != null) {
        throw new IllegalStateException("uri was already set to " + uri.getHost() + ":" + uri.getPort());
      }
      if (client != null) {
        throw new IllegalStateException("client was already set");
      }
    }

    private static Duration atLeastOneMilli(String setting, Duration duration) {
      if (duration.compareTo(Duration.ofMillis(1)) < 0) {
        throw new IllegalArgumentException(setting + " must be at least 1 ms but was " + duration);
      }
      return duration;
    }
  }
}
