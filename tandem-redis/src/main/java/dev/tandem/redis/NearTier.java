package dev.tandem.redis;

import static java.util.Objects.requireNonNull;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.tandem.spi.CacheTier;
import dev.tandem.spi.Cached;
import dev.tandem.spi.TierMeters;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A near cache: a per-node Caffeine copy (L1) in front of a shared {@link RedisTier} (L2), kept
 * fresh by the invalidation messages that the shared tiers of all nodes publish on a Redis pub/sub
 * channel ({@link RedisTier.Builder#invalidationChannel}), each from inside the script that changes
 * the entry. A hit in L1 is a Caffeine hit: it never touches the network.
 *
 * <p><b>Consistency: {@code BOUNDED_STALENESS}, not linearizable.</b> A write acknowledged on
 * another node reaches this node's L1 as a message after the write returned there, so for a short
 * time this node may still serve the older value (race H8, accepted and bounded). The bound:
 *
 * <ul>
 *   <li>normally, the delivery of one invalidation message (Redis queues it for every subscriber
 *       inside the writer's script, which the write awaits before it returns, so only the last hop
 *       into this node is late; the README has the measured figures);
 *   <li>always, as a hard cap, the {@linkplain Builder#boundedStaleness bound} plus the wake-up
 *       delay of the tier's heartbeat thread (which turns L1 off; like any timer thread it can be
 *       late without limit on a starved machine). The tier publishes a heartbeat on the channel
 *       four times per bound, through the shared tier's own connection (so on the server where the
 *       scripts publish the invalidations), and serves from L1 only while a heartbeat sent less
 *       than one bound ago has come back. Redis delivers a subscriber's messages in the order it
 *       ran their PUBLISH commands, so a heartbeat that came back proves that every invalidation
 *       published before it was sent has been applied. This covers what single messages cannot: a
 *       silent network partition, a stalled connection, a slow event loop. While no heartbeat comes
 *       back, every read goes to L2. A channel subscribed on another server hears no heartbeat: L1
 *       is then served for at most one bound after each subscription.
 * </ul>
 *
 * <p>No write can reach Redis without its message: the shared tier's scripts publish it, and the
 * fence placed before each database write publishes one too, so the other nodes drop their copies
 * before the write and cannot take them again while it is in flight (L2 is fenced), even if the
 * writer dies before it reports. A node that writes through a plain {@code RedisTier} (no near
 * tier) invalidates the copies in the same way, as long as its tier announces on the same channel
 * (the default channel follows the key prefix). A node whose tier announces elsewhere is not heard
 * at all: configure every node alike. Under the shared tier's {@code AVAILABLE} write policy, a
 * write that could not reach Redis announces nothing until its key is repaired; if it never is (the
 * writer and its journal gone), L1 copies elsewhere keep the old value until they are evicted or
 * expire, or the key is written again. L1 copies expire with the shared tier's {@linkplain
 * RedisTier.Builder#timeToLive entries} (within twice its time to live of the write they missed),
 * which also bounds rows changed outside Tandem.
 *
 * <p>What holds as for the shared tier alone: this node never serves a value older than a write
 * this node acknowledged (its own writes drop its L1 copy before they return, and a copy read from
 * L2 before such a write is not installed after it); every L1 copy was, when it was read, what L2
 * held; fills go through L2's lease; {@link #beforeWrite} fences the key in L2 first, so the {@code
 * STRICT} write policy of the shared tier holds. While the subscription is lost (Redis down,
 * connection killed, resubscribing) L1 is dropped and bypassed: every read goes to L2 until the
 * channel is subscribed again, and the L1 then starts empty, so no message lost meanwhile can leave
 * a stale copy behind.
 *
 * <p><b>Design.</b> L1 is a size-bounded Caffeine cache of the values themselves (a shared marker
 * for a known absence), so that a hit is one volatile read and a Caffeine lookup, and allocates
 * nothing once inlined. L1 keeps no versions: reads that need one ({@link #getIfPresent}, {@link
 * #getAllPresent}) read L2 (and keep copies). Beside L1, per stripe of the key space, a counter of
 * changes: every own write and every message bumps the key's stripe before it drops the L1 copy,
 * and a copy read from L2 is installed only if its stripe did not move since before the L2 read.
 * The install and the drop of a key are each one {@code compute} of the key in Caffeine's map, so
 * one of them sees the other: a drop that comes first moved the counter, an install that comes
 * first is dropped. A message names the entry's Redis key; the tier turns it back into the key with
 * the {@linkplain Builder#keyDecoder key decoder}, and keeps a copy only of a key whose name reads
 * back to it.
 *
 * <p>Standalone Redis only: in a Redis Cluster, messages published on different masters reach a
 * subscriber in no common order, which the heartbeat's proof needs.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class NearTier<K, V> implements CacheTier<K, V> {

  private static final Logger log = LoggerFactory.getLogger(NearTier.class);
  private static final int STRIPES = 1 << 12;

  /** What L1 holds for a key known to be absent. */
  private static final Object ABSENT = new Object();

  /** The shortest time between two heartbeats. */
  private static final long MIN_HEARTBEAT_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  /** One L1: filled and emptied while it is current, served from while the channel is healthy. */
  private static final class Generation<K> {
    /**
     * The Caffeine cache, held as its map view: for a bounded cache that is the cache itself, one
     * reference fewer to follow on a hit than through the {@code Cache} facade.
     */
    final ConcurrentMap<K, Object> map;

    /**
     * Until when (nanoTime) the heartbeats that came back vouch for this L1; guarded by the tier's
     * lock.
     */
    long healthyUntil;

    Generation(ConcurrentMap<K, Object> map, long healthyUntil) {
      this.map = map;
      this.healthyUntil = healthyUntil;
    }
  }

  private final RedisTier<K, V> shared;
  private final Duration bound;
  private final long boundNanos;
  private final long heartbeatNanos;
  private final long maximumSize;
  private final @Nullable Executor executor;
  private final Function<String, ? extends K> keyDecoder;
  private final @Nullable RedisClient ownedClient;
  private final InvalidationBus bus;
  private final Object lock = new Object();

  /**
   * The L1 that installs and drops go to; null while the subscription is lost. Written under lock.
   */
  private volatile @Nullable Generation<K> current;

  /**
   * The map of {@link #current} while its heartbeats vouch for it, else null: the hit path. Written
   * under lock.
   */
  private volatile @Nullable ConcurrentMap<K, Object> serving;

  private final AtomicLongArray changes = new AtomicLongArray(STRIPES);
  private final LongAdder evictions = new LongAdder();
  private final LongAdder received = new LongAdder();
  private final LongAdder undecodable = new LongAdder();
  private final AtomicBoolean warnedUndecodable = new AtomicBoolean();
  private final AtomicLong subscriptions = new AtomicLong();
  private final AtomicLong losses = new AtomicLong();
  private final AtomicLong lapses = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread heartbeat;

  /**
   * Whether the heartbeat thread runs its loop; L1 is served only while it does. Cleared under
   * lock.
   */
  private volatile boolean beating = true;

  private volatile boolean heartbeatPaused;

  @SuppressWarnings("unchecked")
  private NearTier(Builder<K, V> builder, @Nullable RedisClient ownedClient, RedisClient client) {
    this.shared = builder.shared;
    this.bound = requireNonNull(builder.bound);
    this.boundNanos = bound.toNanos();
    this.heartbeatNanos = Math.max(MIN_HEARTBEAT_NANOS, boundNanos / 4);
    this.maximumSize = builder.maximumSize;
    this.executor = builder.executor;
    this.keyDecoder = builder.keyDecoder != null ? builder.keyDecoder : text -> (K) text;
    this.ownedClient = ownedClient;
    Duration timeout =
        builder.commandTimeout != null ? builder.commandTimeout : Duration.ofSeconds(1);
    this.heartbeat = new Thread(this::beat, "tandem-near-heartbeat");
    heartbeat.setDaemon(true);
    this.bus =
        new InvalidationBus(
            client,
            shared.invalidationChannel(),
            shared.node(),
            timeout,
            new Receiver()); // subscribed: L1 in use
    try {
      heartbeat.start();
    } catch (RuntimeException | Error e) {
      bus.close();
      throw e;
    }
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
   * Reads the value of {@code key} from L2 (one GET) and keeps a copy in L1 unless a change of the
   * key was seen meanwhile (or its name does not decode back to it). Null on a miss, an empty
   * {@code Optional} for a cached absence. It does not look in L1: {@link dev.tandem.Tandem#get}
   * calls it only after {@link #getValueIfLocal} found no copy there, and a second lookup would
   * only repeat the miss, and add a miss to the history with which the JIT compiles Caffeine's
   * lookup (see the README's benchmark notes).
   *
   * @throws RedisException if Redis fails or times out
   */
  @Override
  @SuppressWarnings("NullableOptional")
  public @Nullable Optional<V> getValueIfPresent(K key) {
    Cached<V> found = readShared(key);
    return found == null ? null : found.optional();
  }

  /**
   * Returns the value of {@code key} from L1 (an empty {@code Optional} for a cached absence), or
   * null if L1 holds no copy or is not in use; never reads Redis. The hit path of {@link
   * dev.tandem.Tandem#get}.
   */
  @Override
  @SuppressWarnings({"NullableOptional", "unchecked"})
  public @Nullable Optional<V> getValueIfLocal(K key) {
    ConcurrentMap<K, Object> l1 = serving;
    if (l1 == null) {
      return null;
    }
    Object value = l1.get(key); // records the read for eviction, as getIfPresent does
    return value == null ? null : value == ABSENT ? Optional.empty() : Optional.of((V) value);
  }

  /**
   * Returns the entry of {@code key} from L2, keeping a copy in L1, or null on a miss. L1 keeps no
   * versions, so a versioned read always reads L2.
   *
   * @throws RedisException if Redis fails or times out
   */
  @Override
  public @Nullable Cached<V> getIfPresent(K key) {
    return readShared(key);
  }

  /**
   * Returns the entries L2 holds (one round trip), keeping copies in L1. A Redis failure leaves the
   * keys out: they read from the database.
   */
  @Override
  public Map<K, Cached<V>> getAllPresent(Collection<? extends K> keys) {
    Generation<K> l1 = current;
    long[] seen = new long[keys.size()];
    int i = 0;
    for (K key : keys) {
      seen[i++] = changes.get(stripe(key));
    }
    Map<K, Cached<V>> found = shared.getAllPresent(keys);
    if (l1 != null) {
      i = 0;
      for (K key : keys) {
        Cached<V> entry = found.get(key);
        if (entry != null) {
          install(l1, key, seen[i], entry);
        }
        i++;
      }
    }
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
    Generation<K> l1 = current;
    long seen = changes.get(stripe(key));
    boolean honoured = shared.fill(key, lease, loaded);
    if (honoured && l1 != null) {
      install(l1, key, seen, loaded);
    }
    return honoured;
  }

  /** Gives the lease back to L2. */
  @Override
  public void cancelFill(K key, long lease) {
    shared.cancelFill(key, lease);
  }

  /**
   * Fences the key in L2 before this node's database write, as {@link RedisTier#beforeWrite} does;
   * the fence's script tells the other nodes to drop their copies. This node's L1 copy stays: until
   * the write returns, the previous value is a correct answer here.
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

  /**
   * Binds the shared tier to the store, as {@link RedisTier#bindStore} does.
   *
   * @throws IllegalStateException if the shared tier's prefix is recorded for another store
   */
  @Override
  public void bindStore(String storeIdentity) {
    shared.bindStore(storeIdentity);
  }

  /** Returns the shared tier's {@linkplain RedisTier#writeFenceTimeout write fence timeout}. */
  @Override
  public Duration writeFenceTimeout() {
    return shared.writeFenceTimeout();
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
      drop(key);
    }
  }

  /**
   * Fences the key in L2 (whose script tells the other nodes to drop their copies) and drops the L1
   * copy (even if L2 failed).
   *
   * @throws RedisException if L2 fails or times out
   */
  @Override
  public void fence(K key) {
    try {
      shared.fence(key);
    } finally {
      drop(key);
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
      drop(key);
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

  /**
   * Returns the approximate number of copies in this node's L1 (0 while the subscription is lost).
   */
  @Override
  public long estimatedSize() {
    Generation<K> l1 = current;
    return l1 == null ? 0 : l1.map.size();
  }

  /** Returns how many L1 copies were evicted for size or expired since the tier was built. */
  @Override
  public long evictionCount() {
    return evictions.sum();
  }

  /**
   * Returns the keys of the shared tier's entries ({@link RedisTier#cachedKeys}), decoded with this
   * tier's {@linkplain Builder#keyDecoder key decoder}: every L1 copy is a copy of one of them, so
   * they are the keys whose copies can be stale.
   *
   * @throws IllegalArgumentException if {@code pageSize} is not positive
   * @throws io.lettuce.core.RedisException from {@code hasNext} if Redis fails, times out, or the
   *     circuit is open
   */
  @Override
  public Iterator<List<K>> cachedKeys(int pageSize) {
    return shared.cachedKeys(pageSize, keyDecoder);
  }

  /**
   * Registers the near tier's meters, then the shared tier's ({@link RedisTier#registerMeters}):
   * {@code tandem.near.serving} (1 while L1 is served, 0 while every read goes to Redis), {@code
   * tandem.near.lapses} (times no heartbeat came back within the bound), {@code
   * tandem.near.subscription.losses}, {@code tandem.near.invalidations.received} (messages of other
   * nodes' changes, invalidations of every entry included) and {@code
   * tandem.near.undecodable.keys}.
   */
  @Override
  public void registerMeters(TierMeters meters) {
    meters.gauge(
        "tandem.near.serving",
        "1 while L1 copies are served, 0 while every read goes to Redis",
        () -> serving == null ? 0 : 1);
    meters.counter(
        "tandem.near.lapses",
        "times L1 stopped being served because no heartbeat came back within the staleness bound",
        lapses::get);
    meters.counter(
        "tandem.near.subscription.losses",
        "times the invalidation channel's subscription was lost",
        losses::get);
    meters.counter(
        "tandem.near.invalidations.received",
        "messages of other nodes' changes received on the invalidation channel",
        received::sum);
    meters.counter(
        "tandem.near.undecodable.keys",
        "reads that kept no L1 copy because the key's Redis name does not decode back to it",
        undecodable::sum);
    shared.registerMeters(meters);
  }

  /** Returns the staleness bound: the longest time L1 is served without a heartbeat coming back. */
  public Duration boundedStaleness() {
    return bound;
  }

  /**
   * Stops the heartbeat, closes the invalidation channel, the client if this tier created it, and
   * the shared tier; idempotent.
   */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      synchronized (lock) {
        current = null;
        serving = null;
      }
      heartbeat.interrupt();
      try {
        try {
          bus.close();
        } finally {
          if (ownedClient != null) {
            ownedClient.shutdown();
          }
        }
      } finally {
        shared.close();
      }
    }
  }

  @Override
  public String toString() {
    Generation<K> l1 = current;
    return "NearTier{"
        + (l1 == null ? "no L1" : "size=" + l1.map.size())
        + (serving == null ? ", bypassed" : "")
        + ", bound="
        + bound
        + ", channel="
        + shared.invalidationChannel()
        + ", shared="
        + shared
        + "}";
  }

  // ---------------------------------------------------------------- for tests and diagnostics

  /** Returns whether L1 is bypassed now (no subscription, no recent heartbeat, or closed). */
  boolean isBypassed() {
    return serving == null;
  }

  /**
   * Returns what L1 holds for {@code key}, served or not, without reading L2: the value, empty for
   * an absence, or null.
   */
  @SuppressWarnings({"NullableOptional", "unchecked"})
  @Nullable Optional<V> localCopy(K key) {
    Generation<K> l1 = current;
    Object value = l1 == null ? null : l1.map.get(key);
    return value == null ? null : value == ABSENT ? Optional.empty() : Optional.of((V) value);
  }

  /** Returns how many times the channel was subscribed (1 after build, +1 per resubscription). */
  long subscriptions() {
    return subscriptions.get();
  }

  /** Returns how many times the subscription was lost. */
  long losses() {
    return losses.get();
  }

  /** Returns how many times L1 stopped being served because no heartbeat came back in time. */
  long lapses() {
    return lapses.get();
  }

  /** Returns how many messages of other nodes this tier received. */
  long receivedMessages() {
    return received.sum();
  }

  /** Returns how many invalidation messages this tier's shared tier published. */
  long publishedMessages() {
    return shared.announced();
  }

  /**
   * Returns how many keys L1 refused to keep because their Redis names do not decode back to them.
   */
  long undecodableKeys() {
    return undecodable.sum();
  }

  /** Stops or resumes publishing heartbeats, to let the bound lapse in a test. */
  void pauseHeartbeat(boolean paused) {
    heartbeatPaused = paused;
    LockSupport.unpark(heartbeat);
  }

  // ---------------------------------------------------------------- L1

  /** Reads L2 and keeps a copy unless a change of the key was seen meanwhile. */
  private @Nullable Cached<V> readShared(K key) {
    Generation<K> l1 = current;
    if (l1 == null) {
      return shared.getIfPresent(key);
    }
    long seen = changes.get(stripe(key));
    Cached<V> found = shared.getIfPresent(key);
    if (found != null) {
      install(l1, key, seen, found);
    }
    return found;
  }

  /**
   * Installs {@code entry} in {@code l1} if it is still the current L1, no change of the key's
   * stripe happened since {@code seen} was read (before the L2 call that produced the entry), and
   * the key can be found again from its name in a message. Atomic with {@link #drop} of the key.
   */
  private void install(Generation<K> l1, K key, long seen, Cached<V> entry) {
    if (!decodesBack(key)) {
      return;
    }
    int stripe = stripe(key);
    Object value = entry.value() != null ? entry.value() : ABSENT;
    l1.map.compute(key, (k, held) -> current == l1 && changes.get(stripe) == seen ? value : held);
  }

  /**
   * Whether a message naming the key's entry would find the key: L1 keeps no copy it could not
   * drop. (A message's entry name reads back to the key's text: {@code KeySpaceTest}.)
   */
  private boolean decodesBack(K key) {
    String text = shared.keyText(key);
    K decoded = decodeText(text);
    if (key.equals(decoded)) {
      return true;
    }
    undecodable.increment();
    if (warnedUndecodable.compareAndSet(false, true)) {
      log.warn(
          "{}: keeps no L1 copy of key {} ({}): its text '{}' in Redis names does not decode back to it "
              + "(decoded: {}); set NearTier.Builder.keyDecoder to the inverse of the shared tier's key encoder. Logged "
              + "once.",
          this,
          key,
          key.getClass().getName(),
          text,
          decoded);
    }
    return false;
  }

  /**
   * Returns the key whose entry {@code entryKey} names, or null if none of this tier's keys can be.
   */
  private @Nullable K decode(String entryKey) {
    String text = shared.encodedKey(entryKey);
    return text == null ? null : decodeText(text);
  }

  private @Nullable K decodeText(String text) {
    try {
      return keyDecoder.apply(text);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** Drops the L1 copy of {@code key}; every install that read L2 before is refused. */
  private void drop(K key) {
    changes.incrementAndGet(stripe(key));
    Generation<K> l1 = current;
    if (l1 != null) {
      l1.map.compute(key, (k, held) -> null); // a compute, not a remove: it locks even if absent
    }
  }

  /** Replaces L1 with an empty cache (if there is one): installs under way go to the old one. */
  private void dropAll() {
    synchronized (lock) {
      Generation<K> l1 = current;
      if (l1 != null) {
        Generation<K> fresh = new Generation<>(newCache(), l1.healthyUntil);
        current = fresh;
        if (serving != null) { // served only while the heartbeat loop runs
          serving = fresh.map;
        }
      }
    }
  }

  private ConcurrentMap<K, Object> newCache() {
    Caffeine<Object, Object> caffeine = Caffeine.newBuilder().maximumSize(maximumSize);
    Duration entryTimeToLive = shared.entryTimeToLive();
    if (entryTimeToLive != null) {
      caffeine.expireAfterWrite(
          entryTimeToLive); // what Redis forgets, L1 forgets too (rows changed outside Tandem)
    }
    if (executor != null) {
      caffeine.executor(executor);
    }
    // Caffeine's listener may be passed a null key and value (references it lost); neither is used.
    return caffeine
        .<K, Object>evictionListener(
            (@Nullable K key, @Nullable Object value, RemovalCause cause) -> {
              if (cause.wasEvicted()) {
                evictions.increment();
              }
            })
        .build()
        .asMap();
  }

  private static int stripe(Object key) {
    int h = key.hashCode();
    return (h ^ (h >>> 16)) & (STRIPES - 1);
  }

  // ---------------------------------------------------------------- heartbeat

  /**
   * The heartbeat thread: publishes a heartbeat every quarter of the bound through the shared
   * tier's connection (so on the server whose scripts publish the invalidations, in order with
   * them), and stops serving L1 once the last heartbeat that came back was sent a bound ago. If the
   * thread ends for any reason but close, L1 is no longer served.
   */
  private void beat() {
    try {
      long next = System.nanoTime();
      CompletionStage<Long> pending = null;
      while (!closed.get()) {
        long now = System.nanoTime();
        if (now - next >= 0) {
          if (!heartbeatPaused && (pending == null || pending.toCompletableFuture().isDone())) {
            pending = publishHeartbeat(now);
          }
          next = now + heartbeatNanos;
          now = System.nanoTime(); // the publish may have taken a while
        }
        long wake = next;
        boolean lapsed = false;
        synchronized (lock) {
          Generation<K> l1 = current;
          if (l1 != null && serving != null) {
            if (now - l1.healthyUntil >= 0) {
              serving = null;
              lapsed = true;
            } else if (l1.healthyUntil - wake < 0) {
              wake = l1.healthyUntil;
            }
          }
        }
        if (lapsed) {
          lapses.incrementAndGet();
          log.warn(
              "{}: no heartbeat came back within {}; reading through to Redis until one does",
              this,
              bound);
        }
        LockSupport.parkNanos(this, wake - now);
        Thread.interrupted(); // close() interrupts; the loop condition decides
      }
    } finally {
      synchronized (lock) {
        beating = false;
        serving = null;
      }
      if (!closed.get()) {
        log.error("{}: the heartbeat thread ended; L1 is no longer served", this);
      }
    }
  }

  /** Publishes one heartbeat; null if it could not be sent (then none comes back). */
  private @Nullable CompletionStage<Long> publishHeartbeat(long sentAt) {
    try {
      return shared.publishOnChannel(bus.heartbeatMessage(sentAt));
    } catch (RuntimeException e) {
      log.debug("{}: heartbeat not sent", this, e);
      return null;
    }
  }

  /** What the invalidation channel reports, applied to L1. */
  private final class Receiver implements InvalidationBus.Receiver {
    @Override
    public void changed(String entryKey) {
      received.increment();
      try {
        K key = decode(entryKey);
        if (key != null) {
          drop(key);
        } // else no copy can be of this entry: L1 keeps only keys whose names decode back to them
      } catch (RuntimeException | Error e) {
        dropAll(); // an invalidation must not be lost while heartbeats go on vouching for L1
        log.error(
            "{}: could not apply the invalidation of {}; dropped every L1 copy",
            NearTier.this,
            entryKey,
            e);
        if (e instanceof Error error) {
          throw error;
        }
      }
    }

    @Override
    public void changedAll() {
      received.increment();
      dropAll();
    }

    @Override
    public void heartbeat(long sentAt) {
      boolean resumed = false;
      synchronized (lock) {
        Generation<K> l1 = current;
        if (l1 == null) {
          return;
        }
        long until = sentAt + boundNanos;
        if (until - l1.healthyUntil > 0) {
          l1.healthyUntil = until;
        }
        if (serving == null
            && beating
            && System.nanoTime() - l1.healthyUntil < 0) { // closed: current is null
          serving = l1.map;
          resumed = true;
        }
      }
      if (resumed) {
        LockSupport.unpark(heartbeat); // it sleeps until the next heartbeat, not until this lapse
        log.info("{}: heartbeats come back again; serving from L1", NearTier.this);
      }
    }

    @Override
    public void listening() {
      synchronized (lock) {
        if (!closed.get()) {
          // empty: whatever was published while deaf cannot have left a stale copy
          Generation<K> fresh = new Generation<>(newCache(), System.nanoTime() + boundNanos);
          current = fresh;
          serving = beating ? fresh.map : null;
          subscriptions.incrementAndGet();
        }
      }
      LockSupport.unpark(heartbeat);
    }

    @Override
    public void deaf() {
      synchronized (lock) {
        current = null;
        serving = null;
        losses.incrementAndGet();
      }
      log.warn(
          "{}: the invalidation channel is lost; reading through to Redis until it is back",
          NearTier.this);
    }
  }

  public static final class Builder<K, V> {
    private final RedisTier<K, V> shared;
    private @Nullable RedisURI uri;
    private @Nullable RedisClient client;
    private long maximumSize = -1;
    private @Nullable Duration bound;
    private @Nullable Duration commandTimeout;
    private @Nullable Executor executor;
    private @Nullable Function<String, ? extends K> keyDecoder;

    private Builder(RedisTier<K, V> shared) {
      this.shared = shared;
    }

    /**
     * Connects the invalidation channel to the server at {@code uri}: the same server as the shared
     * tier's. The tier creates its own client and shuts it down on close.
     *
     * @throws IllegalStateException if a server was already set
     * @throws IllegalArgumentException if the URI is not a Redis URI
     */
    public Builder<K, V> uri(String uri) {
      requireNonNull(uri, "uri");
      return uri(RedisURI.create(uri));
    }

    /**
     * Connects the invalidation channel to the server that {@code uri} describes; see {@link
     * #uri(String)}.
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
     * Connects the invalidation channel through the caller's client (to the shared tier's server),
     * which the tier does not shut down.
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
        throw new IllegalArgumentException(
            "maximum size must not be negative but was " + maximumSize);
      }
      this.maximumSize = maximumSize;
      return this;
    }

    /**
     * Accepts bounded staleness and sets its hard cap: this node serves from L1 only while a
     * heartbeat it published on the invalidation channel less than {@code bound} ago has come back
     * (heartbeats go out four times per bound, at most one per millisecond). A read on this node
     * may return a value older than a write acknowledged on another node, normally for as long as
     * one invalidation message takes to arrive, at most for about {@code bound}. Required: there is
     * no default, because no default is right for every application.
     *
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if shorter than a millisecond
     */
    public Builder<K, V> boundedStaleness(Duration bound) {
      requireNonNull(bound, "bound");
      if (this.bound != null) {
        throw new IllegalStateException("bounded staleness was already set to " + this.bound);
      }
      if (bound.compareTo(Duration.ofMillis(1)) < 0) {
        throw new IllegalArgumentException(
            "bounded staleness must be at least 1 ms but was " + bound);
      }
      this.bound = bound;
      return this;
    }

    /**
     * Sets how the text of a key in its Redis name (what the shared tier's {@code keyEncoder} made)
     * becomes the key again, so that a message naming an entry finds the key in L1. L1 keeps a copy
     * only of a key whose name decodes back to an equal key (others are read from Redis each time,
     * counted, and logged once). It must be a function: the same text, the same key. Default: the
     * text itself, right for {@code String} keys with the default encoder; e.g. {@code
     * Long::valueOf} for {@code Long} keys.
     *
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> keyDecoder(Function<String, ? extends K> decoder) {
      requireNonNull(decoder, "decoder");
      if (keyDecoder != null) {
        throw new IllegalStateException("key decoder was already set");
      }
      this.keyDecoder = decoder;
      return this;
    }

    /**
     * Sets how long the subscription to the invalidation channel may take to be confirmed, and,
     * with {@link #uri(String)}, how long each connection of the channel may take to be made (the
     * TCP connect, and the handshake, which Lettuce bounds by the URI's timeout: the tier sets it
     * on its own copy of the URI). A caller's {@link #client} keeps its own connect timeouts.
     * Default: 1 second.
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
        throw new IllegalArgumentException(
            "command timeout must be at least 1 ms but was " + duration);
      }
      this.commandTimeout = duration;
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
     * @throws IllegalArgumentException if the shared tier talks to a Redis Cluster
     * @throws RedisException if the server cannot be reached
     */
    public NearTier<K, V> build() {
      if (shared.isCluster()) {
        throw new IllegalArgumentException(
            "a near tier needs a standalone Redis: in a cluster, messages published on "
                + "different masters reach a subscriber in no common order, which its staleness bound relies on");
      }
      if (uri == null && client == null) {
        throw new IllegalStateException(
            "a near tier needs the server for its invalidation channel: set uri or client");
      }
      if (maximumSize < 0) {
        throw new IllegalStateException("a near tier needs a bound: set maximum size");
      }
      if (bound == null) {
        throw new IllegalStateException(
            "a near tier may serve values older than a write acknowledged on another "
                + "node: set boundedStaleness(bound) to accept that and cap it");
      }
      RedisClient owned = null;
      RedisClient used = client;
      if (uri != null) {
        Duration timeout = commandTimeout != null ? commandTimeout : Duration.ofSeconds(1);
        owned = RedisClients.single(uri, timeout, timeout, true);
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
        throw new IllegalStateException(
            "uri was already set to " + uri.getHost() + ":" + uri.getPort());
      }
      if (client != null) {
        throw new IllegalStateException("client was already set");
      }
    }
  }
}
