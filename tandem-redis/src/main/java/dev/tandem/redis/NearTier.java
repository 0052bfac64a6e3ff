package dev.tandem.redis;

import static java.util.Objects.requireNonNull;

import dev.tandem.Ticker;
import dev.tandem.spi.CacheTier;
import dev.tandem.spi.Cached;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A near cache: a per-node Caffeine copy (L1) in front of a shared {@link RedisTier} (L2), kept
 * fresh by the invalidation messages that the shared tiers of all nodes publish on a Redis pub/sub
 * channel ({@link RedisTier.Builder#invalidationChannel}), each from inside the script that changes
 * the entry. A hit in L1
 * costs about what a Caffeine hit costs and never touches the network.
 *
 * <p><b>Consistency: {@code BOUNDED_STALENESS}, not linearizable.</b> A write acknowledged on
 * another node reaches this node's L1 as a message after the write returned there, so for a short
 * time this node may still serve the older value (race H8, accepted and bounded). The bound:
 *
 * <ul>
 *   <li>normally, the delivery of one invalidation message (Redis queues it for every subscriber
 *       inside the writer's script, which the write awaits before it returns, so only the last hop
 *       into this node is late; the README has the measured figures);
 *   <li>always, as a hard cap, the {@linkplain Builder#boundedStaleness time to live} of an L1
 *       copy (plus one millisecond tick of the clock that expires it, plus the duration of the L2
 *       read that fetched it): a copy is dropped that long after it was read from L2, whether or
 *       not a message arrived. This covers what messages cannot: a silent network partition, a
 *       write made through a shared tier that announces on another channel.
 * </ul>
 *
 * <p>What holds as for the shared tier alone: this node never serves a value older than a write
 * this node acknowledged (its own writes drop its L1 copy before they return, and a copy read
 * from L2 before such a write is not installed after it); every L1 copy was, when it was read,
 * what L2 held; fills go through L2's lease; {@link #beforeWrite} fences the key in L2 first, so
 * the {@code STRICT} write policy of the shared tier holds. While the subscription is lost (Redis
 * down, connection killed, resubscribing) L1 is dropped and bypassed: every read goes to L2 until
 * the channel is subscribed again, and the L1 then starts empty, so no message lost meanwhile can
 * leave a stale copy behind.
 *
 * <p><b>Design.</b> L1 ({@link LocalCopies}) holds in a size-bounded Caffeine cache one small copy
 * per key (the answer a hit returns, made once; the version; the deadline), so that a hit is a
 * Caffeine hit and a clock read, and allocates nothing. {@code Tandem.get} reaches it through
 * {@link #getValueIfLocal}, which has no miss path, so its compiled code stays small enough to
 * be inlined into the caller whatever misses came before. Beside L1, per stripe of the key
 * space, a counter of changes ({@code changes}): every own write and every message bumps the
 * key's stripe before it drops the L1 copy, and a copy read from L2 is installed only if its
 * stripe did not move since before the L2 read. The install and the drop of a key run inside one
 * {@code ConcurrentHashMap.compute} of its Redis key name ({@code names}, which also maps a name
 * from a message back to the key), so one of them sees the other: a drop that comes first moved
 * the counter, an install that comes first is dropped. A lost subscription replaces L1 with
 * nothing, a new subscription with a new empty cache, and an install checks that the L1 it read
 * for is still the current one.
 *
 * <p>A write cannot reach Redis without its message: the script that records it publishes it. So
 * a writer that dies right after its write leaves no copy stale, and a node that writes through a
 * plain {@code RedisTier} (no near tier) invalidates the near tiers' copies too, as long as its
 * tier announces on the same channel (the default channel follows the key prefix).
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class NearTier<K, V> implements CacheTier<K, V> {

  private static final Logger log = LoggerFactory.getLogger(NearTier.class);
  private static final int STRIPES = 1 << 12;

  private final RedisTier<K, V> shared;
  private final Duration timeToLive;
  private final long maximumSize;
  private final Ticker ticker;
  private final @Nullable CoarseClock clock;
  private final @Nullable Executor executor;
  private final @Nullable RedisClient ownedClient;
  private final InvalidationBus bus;
  /** The local copies; null while the subscription is lost (then every read goes to L2). */
  private volatile @Nullable LocalCopies<K, V> near;
  private final Object subscription = new Object();
  private final AtomicLongArray changes = new AtomicLongArray(STRIPES);
  private final ConcurrentHashMap<String, K> names = new ConcurrentHashMap<>();
  private final AtomicBoolean sweeping = new AtomicBoolean();
  private final LongAdder evictions = new LongAdder();
  private final LongAdder received = new LongAdder();
  private final AtomicLong subscriptions = new AtomicLong();
  private final AtomicLong losses = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();

  private NearTier(Builder<K, V> builder, @Nullable RedisClient ownedClient, RedisClient client) {
    this.shared = builder.shared;
    this.timeToLive = requireNonNull(builder.timeToLive);
    this.maximumSize = builder.maximumSize;
    this.clock = builder.ticker == null ? CoarseClock.shared() : null;
    this.ticker = builder.ticker != null ? builder.ticker : requireNonNull(clock);
    this.executor = builder.executor;
    this.ownedClient = ownedClient;
    Duration timeout = builder.commandTimeout != null ? builder.commandTimeout : Duration.ofSeconds(1);
    this.bus = new InvalidationBus(client, shared.invalidationChannel(), shared.node(), timeout,
        new Receiver()); // subscribed: L1 in use
  }

  /**
   * Returns a builder of a near tier in front of {@code shared}. Required: a server for the
   * invalidation channel ({@link Builder#uri(String)} or {@link Builder#client}), {@link
   * Builder#maximumSize} and {@link Builder#boundedStaleness}.
   */
  public static <K, V> Builder<K, V> builder(RedisTier<K, V> shared) {
    return new Builder<>(requireNonNull(shared, "shared"));
  }

  /**
   * Returns the value of {@code key} from L1 without any I/O if a copy is there; else reads L2
   * (one GET) and keeps a copy of what it found. Null on a miss, an empty {@code Optional} for a
   * cached absence.
   *
   * @throws RedisException if L1 misses and Redis fails or times out
   */
  @Override
  @SuppressWarnings("NullableOptional")
  public @Nullable Optional<V> getValueIfPresent(K key) {
    Optional<V> hit = getValueIfLocal(key);
    return hit != null ? hit : missedValue(key);
  }

  /**
   * Returns the value of {@code key} from L1 (an empty {@code Optional} for a cached absence), or
   * null if L1 holds no live copy or is bypassed; never reads Redis. The hit path of {@link
   * dev.tandem.Tandem#get}.
   */
  @Override
  @SuppressWarnings("NullableOptional")
  public @Nullable Optional<V> getValueIfLocal(K key) {
    LocalCopies<K, V> local = near;
    return local != null ? local.value(key) : null;
  }

  /** The miss path of {@link #getValueIfPresent}: reads L2 and keeps a copy. */
  @SuppressWarnings("NullableOptional")
  private @Nullable Optional<V> missedValue(K key) {
    Cached<V> found = readShared(key, near);
    return found == null ? null : found.optional();
  }

  /**
   * Returns the entry of {@code key} from L1, else from L2 (keeping a copy), or null on a miss.
   *
   * @throws RedisException if L1 misses and Redis fails or times out
   */
  @Override
  public @Nullable Cached<V> getIfPresent(K key) {
    LocalCopies<K, V> local = near;
    if (local != null) {
      Cached<V> hit = local.entry(key);
      if (hit != null) {
        return hit;
      }
    }
    return readShared(key, local);
  }

  /**
   * Returns the entries found in L1, and for the other keys those L2 holds (keeping copies). A
   * Redis failure leaves the L2 keys out: they read from the database.
   */
  @Override
  public Map<K, Cached<V>> getAllPresent(Collection<? extends K> keys) {
    LocalCopies<K, V> local = near;
    Map<K, Cached<V>> found = new HashMap<>(keys.size() * 2);
    List<K> missing = new ArrayList<>();
    for (K key : keys) {
      Cached<V> hit = local != null ? local.entry(key) : null;
      if (hit != null) {
        found.put(key, hit);
      } else {
        missing.add(key);
      }
    }
    if (missing.isEmpty()) {
      return found;
    }
    Map<K, String> missingNames = new HashMap<>(missing.size() * 2);
    Map<K, Long> seen = new HashMap<>(missing.size() * 2);
    for (K key : missing) {
      String name = name(key);
      missingNames.put(key, name);
      seen.put(key, changes.get(stripe(name)));
    }
    Map<K, Cached<V>> fromShared = shared.getAllPresent(missing);
    fromShared.forEach((key, entry) -> {
      found.put(key, entry);
      if (local != null) {
        install(local, key, requireNonNull(missingNames.get(key)), requireNonNull(seen.get(key)), entry);
      }
    });
    return found;
  }

  /**
   * Takes the key's fill lease in L2.
   *
   * @throws RedisException if Redis fails or times out
   */
  @Override
  public long beginFill(K key) {
    return shared.beginFill(key);
  }

  /**
   * Fills L2 under the lease; if the lease was honoured, keeps a copy of {@code loaded} in L1
   * unless a change of the key was seen meanwhile.
   *
   * @throws RedisException if Redis fails or times out
   */
  @Override
  public boolean fill(K key, long lease, Cached<V> loaded) {
    LocalCopies<K, V> local = near;
    String name = name(key);
    long seen = changes.get(stripe(name));
    boolean honoured = shared.fill(key, lease, loaded);
    if (honoured && local != null) {
      install(local, key, name, seen, loaded);
    }
    return honoured;
  }

  /** Gives the lease back to L2. */
  @Override
  public void cancelFill(K key, long lease) {
    shared.cancelFill(key, lease);
  }

  /**
   * Fences the key in L2 before this node's database write, as {@link RedisTier#beforeWrite} does.
   * The L1 copy stays: until the write returns, the previous value is a correct answer.
   *
   * @throws RedisException if Redis fails, times out, or its circuit is open: the write is refused
   */
  @Override
  public void beforeWrite(K key) {
    shared.beforeWrite(key);
  }

  /** Lifts this node's fence of the key in L2. */
  @Override
  public void writeAbandoned(K key) {
    shared.writeAbandoned(key);
  }

  /** Checks that L2 can encode the value. */
  @Override
  public void checkValue(K key, V value) {
    shared.checkValue(key, value);
  }

  /**
   * Publishes a committed write to L2, whose script also tells the other nodes to drop their
   * copies, then drops this node's L1 copy of the key (even if L2 failed). When the call returns,
   * Redis has queued the message for every other node.
   *
   * @throws RedisException if L2 fails (the engine then fences the key)
   */
  @Override
  public void applyCommitted(K key, Cached<V> committed) {
    try {
      shared.applyCommitted(key, committed);
    } finally {
      drop(name(key));
    }
  }

  /**
   * Fences the key in L2 (whose script tells the other nodes to drop their copies) and drops the
   * L1 copy (even if L2 failed).
   *
   * @throws RedisException if L2 fails or times out
   */
  @Override
  public void fence(K key) {
    try {
      shared.fence(key);
    } finally {
      drop(name(key));
    }
  }

  /**
   * Drops the key's entry in L2 and in every node's L1 (the others by L2's message).
   *
   * @throws RedisException if L2 fails, times out, or its circuit is open
   */
  @Override
  public void invalidate(K key) {
    try {
      shared.invalidate(key);
    } finally {
      drop(name(key));
    }
  }

  /**
   * Drops every entry of L2 (see {@link RedisTier#invalidateAll}) and every node's L1.
   *
   * @throws RedisException if L2 fails, times out, or its circuit is open
   */
  @Override
  public void invalidateAll() {
    try {
      shared.invalidateAll();
    } finally {
      dropAll();
    }
  }

  /** Returns the approximate number of copies in this node's L1 (0 while it is bypassed). */
  @Override
  public long estimatedSize() {
    LocalCopies<K, V> local = near;
    return local == null ? 0 : local.size();
  }

  /** Returns how many L1 copies were evicted for size or expired since the tier was built. */
  @Override
  public long evictionCount() {
    return evictions.sum();
  }

  /** Returns the time to live of an L1 copy: the hard cap of this tier's staleness. */
  public Duration timeToLive() {
    return timeToLive;
  }

  /**
   * Closes the invalidation channel, the client if this tier created it, and the shared tier;
   * idempotent.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      synchronized (subscription) {
        near = null;
      }
      try {
        bus.close();
        if (ownedClient != null) {
          ownedClient.shutdown();
        }
      } finally {
        shared.close();
      }
    }
  }

  @Override
  public String toString() {
    LocalCopies<K, V> local = near;
    return "NearTier{" + (local == null ? "bypassed" : "size=" + local.size()) + ", timeToLive="
        + timeToLive + ", channel=" + shared.invalidationChannel() + ", shared=" + shared + "}";
  }

  // ---------------------------------------------------------------- for tests and diagnostics

  /** Returns whether L1 is bypassed now (the subscription is lost, or the tier is closed). */
  boolean isBypassed() {
    return near == null;
  }

  /** Returns the L1 copy of {@code key} without reading L2, or null. */
  @Nullable Cached<V> localCopy(K key) {
    LocalCopies<K, V> local = near;
    return local == null ? null : local.entry(key);
  }

  /** Returns how many times the channel was subscribed (1 after build, +1 per resubscription). */
  long subscriptions() {
    return subscriptions.get();
  }

  /** Returns how many times the subscription was lost. */
  long losses() {
    return losses.get();
  }

  /** Returns how many messages of other nodes this tier received. */
  long receivedMessages() {
    return received.sum();
  }

  /** Returns how many invalidation messages this tier's shared tier published. */
  long publishedMessages() {
    return shared.announced();
  }

  /** Returns how many Redis key names the tier tracks; for tests (it must not outgrow L1). */
  int trackedNames() {
    return names.size();
  }

  // ---------------------------------------------------------------- L1

  /** Reads L2 on an L1 miss and keeps a copy unless a change of the key was seen meanwhile. */
  private @Nullable Cached<V> readShared(K key, @Nullable LocalCopies<K, V> local) {
    if (local == null) {
      return shared.getIfPresent(key);
    }
    String name = name(key);
    long seen = changes.get(stripe(name));
    Cached<V> found = shared.getIfPresent(key);
    if (found != null) {
      install(local, key, name, seen, found);
    }
    return found;
  }

  /**
   * Installs {@code entry} in {@code local} if it is still the current L1, no change of the key's
   * stripe happened since {@code seen} was read (before the L2 call that produced the entry), and
   * the entry is newer than the copy there. Atomic with {@link #drop} of the same key.
   */
  private void install(LocalCopies<K, V> local, K key, String name, long seen, Cached<V> entry) {
    int stripe = stripe(name);
    names.compute(name, (n, mapped) -> {
      if (near != local || changes.get(stripe) != seen) {
        return mapped; // a change of the key (or of the subscription) came after the L2 read
      }
      local.install(key, entry);
      return key;
    });
    if (clock != null) {
      clock.advance();
    }
    if (names.size() > 2 * maximumSize + 1024) {
      sweepNames();
    }
  }

  /** Drops the L1 copy of the key named {@code name}; every install that read L2 before is refused. */
  private void drop(String name) {
    changes.incrementAndGet(stripe(name));
    names.computeIfPresent(name, (n, key) -> {
      LocalCopies<K, V> local = near;
      if (local != null) {
        local.remove(key);
      }
      return key;
    });
  }

  /** Replaces L1 with an empty cache (if it is in use): installs under way go to the old one. */
  private void dropAll() {
    synchronized (subscription) {
      if (near != null) {
        near = newCache();
      }
    }
  }

  /** Forgets the names of keys that L1 no longer holds; one sweep at a time. */
  private void sweepNames() {
    if (!sweeping.compareAndSet(false, true)) {
      return;
    }
    try {
      for (String name : names.keySet()) {
        names.computeIfPresent(name, (n, key) -> {
          LocalCopies<K, V> local = near;
          return local != null && local.contains(key) ? key : null;
        });
      }
    } finally {
      sweeping.set(false);
    }
  }

  private LocalCopies<K, V> newCache() {
    return new LocalCopies<>(maximumSize, timeToLive, ticker, executor, evictions);
  }

  private String name(K key) {
    return new String(shared.entryKey(key), StandardCharsets.UTF_8);
  }

  private static int stripe(String name) {
    int h = name.hashCode();
    return (h ^ (h >>> 16)) & (STRIPES - 1);
  }

  /** What the invalidation channel reports, applied to L1. */
  private final class Receiver implements InvalidationBus.Receiver {
    @Override
    public void changed(String entryKey) {
      received.increment();
      drop(entryKey);
    }

    @Override
    public void changedAll() {
      received.increment();
      dropAll();
    }

    @Override
    public void listening() {
      synchronized (subscription) {
        if (!closed.get()) {
          near = newCache(); // empty: whatever was published while deaf cannot have left a stale copy
          subscriptions.incrementAndGet();
        }
      }
    }

    @Override
    public void deaf() {
      synchronized (subscription) {
        near = null;
        losses.incrementAndGet();
      }
      log.warn("{}: the invalidation channel is lost; reading through to Redis until it is back", NearTier.this);
    }
  }

  /**
   * Builds a {@link NearTier}. Each setting may be made once.
   *
   * @param <K> the key type
   * @param <V> the value type
   */
  public static final class Builder<K, V> {
    private final RedisTier<K, V> shared;
    private @Nullable RedisURI uri;
    private @Nullable RedisClient client;
    private long maximumSize = -1;
    private @Nullable Duration timeToLive;
    private @Nullable Duration commandTimeout;
    private @Nullable Ticker ticker;
    private @Nullable Executor executor;

    private Builder(RedisTier<K, V> shared) {
      this.shared = shared;
    }

    /**
     * Connects the invalidation channel to the server at {@code uri}: the same server as the
     * shared tier's. The tier creates its own client and shuts it down on close.
     *
     * @throws IllegalStateException if a server was already set
     * @throws IllegalArgumentException if the URI is not a Redis URI
     */
    public Builder<K, V> uri(String uri) {
      requireNonNull(uri, "uri");
      return uri(RedisURI.create(uri));
    }

    /**
     * Connects the invalidation channel to the server that {@code uri} describes; see
     * {@link #uri(String)}.
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
     * Connects the invalidation channel through the caller's client (to the shared tier's
     * server), which the tier does not shut down.
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
     * Bounds the number of copies in this node's L1 (cached absences count too). Required.
     *
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if negative
     */
    public Builder<K, V> maximumSize(long maximumSize) {
      if (this.maximumSize >= 0) {
        throw new IllegalStateException("maximum size was already set to " + this.maximumSize);
      }
      if (maximumSize < 0) {
        throw new IllegalArgumentException("maximum size must not be negative but was " + maximumSize);
      }
      this.maximumSize = maximumSize;
      return this;
    }

    /**
     * Accepts bounded staleness and sets its hard cap: an L1 copy is no longer served {@code
     * timeToLive} after it was read from Redis, whether or not an invalidation message arrived
     * (and is removed within about half as long again). A read on
     * this node may return a value older than a write acknowledged on another node, normally for
     * as long as one invalidation message takes to arrive, at most for about {@code timeToLive}.
     * Required: there is no default, because no default is right for every application.
     *
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if shorter than a millisecond
     */
    public Builder<K, V> boundedStaleness(Duration timeToLive) {
      requireNonNull(timeToLive, "timeToLive");
      if (this.timeToLive != null) {
        throw new IllegalStateException("bounded staleness was already set to " + this.timeToLive);
      }
      if (timeToLive.compareTo(Duration.ofMillis(1)) < 0) {
        throw new IllegalArgumentException("bounded staleness must be at least 1 ms but was " + timeToLive);
      }
      this.timeToLive = timeToLive;
      return this;
    }

    /**
     * Sets how long a call on the invalidation channel may take. Default: 1 second.
     *
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if shorter than a millisecond
     */
    public Builder<K, V> commandTimeout(Duration duration) {
      requireNonNull(duration, "duration");
      if (commandTimeout != null) {
        throw new IllegalStateException("command timeout was already set to " + commandTimeout);
      }
      if (duration.compareTo(Duration.ofMillis(1)) < 0) {
        throw new IllegalArgumentException("command timeout must be at least 1 ms but was " + duration);
      }
      this.commandTimeout = duration;
      return this;
    }

    /**
     * Sets the time source of L1 expiry. Default: a clock that a daemon thread advances every
     * millisecond (reading {@code System.nanoTime()} on every hit would cost more than the hit).
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
     * Sets the executor of Caffeine's maintenance work. Default: {@code ForkJoinPool.commonPool()}.
     *
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> executor(Executor executor) {
      requireNonNull(executor, "executor");
      if (this.executor != null) {
        throw new IllegalStateException("executor was already set");
      }
      this.executor = executor;
      return this;
    }

    /**
     * Connects and subscribes the invalidation channel and returns the tier, which from then on
     * owns the shared tier (and closes it).
     *
     * @throws IllegalStateException if a required setting is missing
     * @throws RedisException if the server cannot be reached
     */
    public NearTier<K, V> build() {
      if (uri == null && client == null) {
        throw new IllegalStateException("a near tier needs the server for its invalidation channel: set uri or client");
      }
      if (maximumSize < 0) {
        throw new IllegalStateException("a near tier needs a bound: set maximum size");
      }
      if (timeToLive == null) {
        throw new IllegalStateException("a near tier may serve values older than a write acknowledged on another "
            + "node: set boundedStaleness(time to live of a local copy) to accept that and cap it");
      }
      RedisClient owned = null;
      RedisClient used = client;
      if (uri != null) {
        Duration timeout = commandTimeout != null ? commandTimeout : Duration.ofSeconds(1);
        owned = RedisClient.create(uri);
        owned.setOptions(ClientOptions.builder()
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .socketOptions(SocketOptions.builder().connectTimeout(timeout).build())
            .timeoutOptions(TimeoutOptions.enabled(timeout))
            .build());
        used = owned;
      }
      try {
        return new NearTier<>(this, owned, requireNonNull(used));
      } catch (RuntimeException e) {
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
  }
}
