package dev.tandem.redis;

import static java.util.Objects.requireNonNull;

import dev.tandem.Ticker;
import dev.tandem.spi.CacheTier;
import dev.tandem.spi.Cached;
import dev.tandem.spi.TierMeters;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cache tier shared by many nodes: one Redis or Valkey server, or a Redis Cluster, through
 * Lettuce. Nodes that use the same server and {@linkplain Builder#keyPrefix key prefix} share their
 * cache; this tier keeps no copy of its own, so a write acknowledged on one node is what every
 * other node reads next (race H8).
 *
 * <p><b>Design.</b> A key {@code k} has two Redis keys in one hash slot: its entry <code>
 * &lt;prefix&gt;{k}</code> (a string: version, kind, value bytes) and its metadata <code>
 * &lt;prefix&gt;{k}:m</code> (a hash: the watermark, the outstanding fill lease, the fences). Every
 * mutation is one Lua script, so each check and its update are one atomic step in Redis:
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
 *   <li>{@link #fence} after a failed publish records the unpublished version as the watermark, so
 *       a delayed publish of an older write cannot lift it.
 * </ul>
 *
 * <p><b>Time to live.</b> Entries of values expire after the {@linkplain Builder#timeToLive time to
 * live} (default: never); absences and tombstones always expire, after the {@linkplain
 * Builder#absenceTimeToLive absence time to live} (default 5 minutes), so that misses of arbitrary
 * absent keys cannot fill Redis. Every script that touches a key's metadata sets its time to live
 * to the longer of the two plus an hour (at least twice the write fence timeout). Expiry never
 * weakens the version fence: a fill installs only under a lease kept in the metadata, which every
 * later write revokes (a fill whose metadata expired is refused as stale), and a committed write or
 * fill records its version as the watermark, which stays after its entry (value or tombstone)
 * expired. So an expired tombstone of version v still refuses a publish or fill older than v for at
 * least an hour after the key was last touched; only a publish delayed longer than that could
 * install an older entry, as with any time to live.
 *
 * <p><b>A server that restarted (H9).</b> A Redis that restarts empty, from an old RDB snapshot, or
 * a replica promoted in a fail-over may hold entries older than acknowledged writes, and has lost
 * (or holds old) watermarks, leases and fences. The tier never uses a connection it has not
 * verified: Lettuce's automatic reconnection is off, and when a connection breaks the tier makes a
 * new one itself (behind the circuit breaker's probe) and verifies, on each server process it
 * reaches (every master of a cluster), that process's {@code run_id} against the epoch key of the
 * prefix on it (see {@code ServerEpoch}). A process's run id is new in every process, and the epoch
 * key holds the run id at which the prefix's keys on that server were last vouched for. If they
 * differ (or the key is missing), one node takes a flush lock in the same script that read the
 * epoch key, unlinks every key of the prefix on that server (entries and metadata) in batches that
 * each check the lock is still its own, and then, still under the lock, writes the new run id into
 * the epoch key. A node that finds the lock taken keeps the tier unavailable (reads go to the
 * database, {@code STRICT} writes are refused) until the epoch matches. Why no node ever serves old
 * data, nor loses data it relies on:
 *
 * <ol>
 *   <li>A node serves through a link only after the epoch key named the running process; that key
 *       is written only by a flusher that still held the lock, after its last unlink.
 *   <li>Once the epoch names the running process, no node can start a flush while that process
 *       lives: the check of the epoch and the taking of the lock are one script. The epoch key has
 *       no time to live, is not an entry (invalidateAll leaves it), and a restart from a snapshot
 *       brings back an epoch that names an older process.
 *   <li>A flusher whose lock lapsed (it paused, or died) unlinks nothing more: every batch checks
 *       the lock. So every unlink of a flush precedes the epoch write, which precedes every use.
 *   <li>What the old process held for writes in flight is gone. A write whose fence went to an
 *       earlier process publishes by dropping the entry and raising the watermark, not by
 *       installing (the server may have lost the watermark of a newer write published before it
 *       went). And no node installs a fill until the write fence timeout has passed since the
 *       server came back (since it started, if it came back empty and held none of the prefix's
 *       keys), so that a fill that read the database before such a write committed cannot stay
 *       cached if that write never manages to publish.
 * </ol>
 *
 * <p>Not covered: a server whose data is replaced while it keeps its process (FLUSHALL, {@code
 * DEBUG RELOAD}, a replica resynchronised under a live connection), and a proxy in front of Redis
 * that keeps the client's connection while reconnecting to a restarted server (the run id is
 * checked per connection). In a cluster, Lettuce opens node connections itself: the tier verifies
 * the connections that commands routed by slot use, and drops its link as soon as one of them
 * closes (connection events, and any failed call); a command that Lettuce routed to a new node
 * connection in the instant before that event is not covered. The keys of a prefix must all be on
 * the masters of one cluster; slot migration (resharding) while nodes run is not handled.
 *
 * <p><b>When Redis is down or slow.</b> Calls time out after the {@linkplain Builder#commandTimeout
 * command timeout}; a call that has to make a new connection first also waits at most the
 * {@linkplain Builder#connectTimeout connect timeout} for the TCP connect and again for the
 * handshake (a paused server accepts connections and never answers), and one thread at a time
 * connects (the others fail at once). Three failures in a row open a circuit breaker for the
 * {@linkplain Builder#circuitOpenTime open time}, after which one call at a time probes; while it
 * is open, every call that would reach Redis ({@link #fence} included) is refused at once. A tier
 * built while Redis cannot be reached starts with the circuit open. While the circuit is open,
 * {@link #getIfPresent} returns null and {@link #beginFill} returns {@link #NO_LEASE}: reads go to
 * the database and fill nothing. What a write does depends on the {@linkplain Builder#writePolicy
 * write policy}: under {@link WritePolicy#STRICT} (the default) {@link #beforeWrite} throws, so the
 * engine refuses the write before touching the database and no node can read a value older than an
 * acknowledged write. Under {@link WritePolicy#AVAILABLE} the key is appended to the {@linkplain
 * Builder#repairJournal repair journal} (forced to disk), the link is dropped, and the write goes
 * ahead; the next link this node makes drops the entry and revokes the leases of every journaled
 * key before it is used, and a write that committed after that repair and then failed to publish is
 * journaled again. Meanwhile another node that still reaches Redis may read the value that write
 * replaced: until this node reaches Redis again, or the entry's time to live runs out. A fence that
 * could not be lifted because its writer lost Redis after committing lapses after the {@linkplain
 * Builder#writeFenceTimeout write fence timeout}; by then the database holds the committed value,
 * which is what a fill reads.
 *
 * <p><b>Cluster.</b> With {@link Builder#clusterUri}, the tier talks to every master through
 * Lettuce's cluster client: a key's scripts run on its master (entry and metadata share a slot),
 * {@link #invalidateAll}, {@link #estimatedSize}, {@link #evictionCount} and the restart check
 * cover every master, and each master has its own epoch key (a hash tag that falls in its slots).
 *
 * <p>Give each Tandem its own tier instance (one connection each): the tier remembers which write
 * fences its engine placed, and relies on the engine writing a key from one thread at a time. All
 * nodes of a prefix should use the same write fence timeout. Run Redis with {@code noeviction} or a
 * {@code volatile-*} policy and a time-to-live, so that metadata (and the epoch key, which has no
 * time-to-live) is not evicted before entries.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class RedisTier<K, V> implements CacheTier<K, V> {

  private static final Logger log = LoggerFactory.getLogger(RedisTier.class);
  private static final byte[] NONE = new byte[0];

  /** What a message names instead of an entry key when every entry changed. */
  private static final byte[] ALL_ENTRIES = InvalidationBus.ALL.getBytes(StandardCharsets.US_ASCII);

  /** The payload of the notice published at connect, which subscribers ignore: it tests the ACL. */
  private static final byte[] CONNECTED =
      InvalidationBus.CONNECTED.getBytes(StandardCharsets.US_ASCII);

  private static final long MIN_METADATA_RETENTION_MILLIS = Duration.ofHours(1).toMillis();
  private static final Duration DEFAULT_ABSENCE_TIME_TO_LIVE = Duration.ofMinutes(5);

  /**
   * Databases smaller than this are counted exactly by {@link #estimatedSize()}; larger ones
   * sampled.
   */
  private static final long EXACT_COUNT_LIMIT = 10_000;

  private static final int SAMPLES = 200;

  /** Journaled keys repaired per pipelined batch at connect. */
  private static final int REPAIR_BATCH = 500;

  private final Connector connector;
  private final Codec<V> codec;
  private final KeySpace<K> keys;
  private final Function<String, ? extends K> keyDecoder;
  private final String server;
  private final Duration commandTimeout;
  private final long commandTimeoutNanos;
  private final long fenceMillis;
  private final byte[] entryTtl;

  /**
   * The time to live of an absence or a tombstone: never unbounded (arbitrary absent keys would
   * pile up).
   */
  private final byte[] absenceTtl;

  private final byte[] metaTtl;
  private final @Nullable Duration entryTimeToLive;
  private final byte[] writeFenceTimeout;
  private final CircuitBreaker breaker;
  private final WritePolicy writePolicy;
  private final @Nullable RepairJournal journal;

  /**
   * The identity of the store this tier caches, once bound; checked on every link before its use.
   */
  private volatile @Nullable String storeIdentity;

  /** This node's fence per key with a write in flight (one at most: the engine locks the key). */
  private final ConcurrentHashMap<K, WriteFence> writeFences = new ConcurrentHashMap<>();

  /** Keys whose write went ahead without a fence (AVAILABLE) and has not published yet. */
  private final ConcurrentHashMap<K, Long> unfenced = new ConcurrentHashMap<>();

  /** Versions whose publish failed, until the engine fences their key. */
  private final ConcurrentHashMap<K, Long> unpublished = new ConcurrentHashMap<>();

  private final LuaScript beginFillScript = LuaScript.named("begin_fill");
  private final LuaScript fillScript = LuaScript.named("fill");
  private final LuaScript cancelFillScript = LuaScript.named("cancel_fill");
  private final LuaScript applyScript = LuaScript.named("apply");
  private final LuaScript fenceScript = LuaScript.named("fence");
  private final LuaScript beforeWriteScript = LuaScript.named("before_write");
  private final LuaScript retireScript = LuaScript.named("retire");
  private final LuaScript invalidateScript = LuaScript.named("invalidate");
  private final LuaScript abandonScript = LuaScript.named("abandon");
  private final LuaScript dropUndecodableScript = LuaScript.named("drop_undecodable");

  /** Entries this node could not decode (and deleted, so that the next fill replaces them). */
  private final LongAdder undecodable = new LongAdder();

  private final RareWarning undecodableWarning = new RareWarning();
  private final RareWarning unfencedWarning = new RareWarning();

  /** The near tiers' pub/sub channel, on which every change of an entry is announced. */
  private final String channel;

  private final byte[] channelBytes;

  /**
   * A random id of this tier, in front of each of its messages, so that its own near tier skips
   * them.
   */
  private final String node = Long.toHexString(ThreadLocalRandom.current().nextLong() | 1L << 62);

  private final byte[] messageHead = (node + " ").getBytes(StandardCharsets.US_ASCII);
  private final LongAdder announced = new LongAdder();

  /**
   * A fence this node placed before a write: its token, the link (server processes) it went to, and
   * how many writes of the key it stands for that have not ended (the engine may prepare one key
   * for several requests of a batch, and abandon one while another goes on).
   */
  private record WriteFence(long token, Link link, int writes) {}

  private RedisTier(
      Builder<K, V> builder,
      @Nullable AbstractRedisClient ownedClient,
      @Nullable RedisClient client,
      @Nullable RedisClusterClient clusterClient,
      String server) {
    this.codec = builder.codec;
    this.server = server;
    this.keys =
        new KeySpace<>(
            builder.keyPrefix != null ? builder.keyPrefix : "tandem:",
            builder.keyEncoder != null ? builder.keyEncoder : String::valueOf);
    this.keyDecoder = builder.keyDecoder != null ? builder.keyDecoder : RedisTier::keyAsText;
    this.channel =
        builder.invalidationChannel != null ? builder.invalidationChannel : keys.prefix() + "near";
    this.channelBytes = channel.getBytes(StandardCharsets.UTF_8);
    this.commandTimeout =
        builder.commandTimeout != null ? builder.commandTimeout : Duration.ofSeconds(1);
    this.commandTimeoutNanos = commandTimeout.toNanos();
    long ttlMillis = builder.timeToLive != null ? builder.timeToLive.toMillis() : 0;
    this.entryTimeToLive = builder.timeToLive;
    this.fenceMillis =
        (builder.writeFenceTimeout != null ? builder.writeFenceTimeout : Duration.ofSeconds(30))
            .toMillis();
    long absenceMillis =
        (builder.absenceTimeToLive != null
                ? builder.absenceTimeToLive
                : DEFAULT_ABSENCE_TIME_TO_LIVE)
            .toMillis();
    if (ttlMillis > 0) {
      absenceMillis = Math.min(absenceMillis, ttlMillis);
    }
    this.entryTtl = ascii(ttlMillis);
    this.absenceTtl = ascii(absenceMillis);
    this.metaTtl =
        ascii(
            Math.max(ttlMillis, absenceMillis)
                + Math.max(MIN_METADATA_RETENTION_MILLIS, 2 * fenceMillis));
    this.writeFenceTimeout = ascii(fenceMillis);
    Duration openTime =
        builder.circuitOpenTime != null ? builder.circuitOpenTime : Duration.ofSeconds(1);
    this.breaker =
        new CircuitBreaker(
            builder.ticker != null ? builder.ticker : Ticker.system(),
            openTime.toNanos(),
            "RedisTier(" + server + ", " + keys.prefix() + ")");
    this.writePolicy = builder.writePolicy != null ? builder.writePolicy : WritePolicy.STRICT;
    this.journal = builder.repairJournal != null ? new RepairJournal(builder.repairJournal) : null;
    this.connector =
        new Connector(
            ownedClient,
            client,
            clusterClient,
            server,
            commandTimeout,
            keys,
            fenceMillis,
            scripts(),
            this::verify);
  }

  /**
   * Returns a builder of a Redis tier whose values {@code codec} turns into bytes. A server ({@link
   * Builder#uri(String)}, {@link Builder#client} or {@link Builder#clusterUri}) is required.
   */
  public static <K, V> Builder<K, V> builder(Codec<V> codec) {
    return new Builder<>(requireNonNull(codec, "codec"));
  }

  /**
   * Returns the cached entry of {@code key} with one GET, or null on a miss. Returns null without
   * calling Redis while the circuit is open. An entry this tier's codec cannot decode (written by
   * another codec, e.g. during a rolling deploy) is a miss: it is counted ({@code
   * tandem.redis.undecodable}), logged (a WARN with its stack at most once a minute, DEBUG
   * otherwise) and deleted, so that the fill that follows the miss replaces it.
   *
   * @throws RedisException if Redis fails or times out (the engine then reads the database)
   */
  @Override
  public @Nullable Cached<V> getIfPresent(K key) {
    byte[] entryKey = keys.entry(key);
    if (!breaker.allow()) {
      return null;
    }
    Link used = connector.current();
    byte[] payload;
    try {
      if (used == null) {
        used = connector.get();
      }
      payload = used.redis.get(entryKey);
      breaker.succeeded();
    } catch (RuntimeException e) {
      failed(used, e);
      throw e;
    }
    return payload == null ? null : decode(key, entryKey, payload);
  }

  /**
   * Decodes the entry of {@code key} read from {@code entryKey}, or returns null if it does not
   * decode: then counts, logs and deletes it (if it still holds {@code payload}), so that the next
   * fill replaces it.
   */
  private @Nullable Cached<V> decode(K key, byte[] entryKey, byte[] payload) {
    try {
      return EntryFormat.decode(key, payload, codec);
    } catch (IllegalStateException e) {
      undecodable.increment();
      if (undecodableWarning.warnNow()) {
        log.warn(
            "{}: {}; the entry is deleted and refilled from the database ({} undecodable entries so far; more"
                + " are logged at DEBUG for a minute)",
            this,
            e.getMessage(),
            undecodable.sum(),
            e);
      } else {
        log.debug(
            "{}: {}; the entry is deleted and refilled from the database", this, e.getMessage(), e);
      }
      try {
        if (breaker.allow()) {
          call(
              l ->
                  dropUndecodableScript.run(
                      l.redis, new byte[][] {entryKey}, announcing(entryKey, payload)));
        }
      } catch (RuntimeException dropFailed) {
        log.debug("{}: could not delete the undecodable entry of key {}", this, key, dropFailed);
      }
      return null;
    }
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
    Link used = connector.current();
    try {
      if (used == null) {
        used = connector.get();
      }
      for (K key : asked) {
        replies.add(used.async.get(this.keys.entry(key)));
      }
      Map<K, Cached<V>> found = new HashMap<>(asked.size() * 2);
      for (int i = 0; i < asked.size(); i++) {
        byte[] payload =
            replies.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (payload != null) {
          K key = asked.get(i);
          Cached<V> entry = decode(key, this.keys.entry(key), payload);
          if (entry != null) {
            found.put(key, entry);
          }
        }
      }
      breaker.succeeded();
      return found;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Map.of();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      RuntimeException failure =
          e instanceof RuntimeException r ? r : new RedisException("getAllPresent failed", e);
      failed(used, failure);
      log.debug(
          "{}: reading {} keys failed; they read from the database", this, asked.size(), failure);
      return Map.of();
    }
  }

  /**
   * Takes the key's fill lease (sharing one that is outstanding), or returns {@link #NO_LEASE} if
   * the key is fenced, the circuit is open, or the server came back without its fences less than
   * the write fence timeout ago.
   *
   * @throws RedisException if Redis fails or times out
   */
  @Override
  public long beginFill(K key) {
    byte[] entryKey = keys.entry(key);
    if (!breaker.allow()) {
      return NO_LEASE;
    }
    return call(
        l ->
            l.fillsAllowed()
                ? beginFillScript.run(l.redis, pair(entryKey), ascii(newToken()), metaTtl)
                : NO_LEASE);
  }

  /**
   * Installs {@code loaded} if {@code lease} is still the key's lease, the key is not fenced and no
   * newer version is known, all in one script; consumes the lease.
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
    return call(
            l ->
                fillScript.run(
                    l.redis,
                    pair(entryKey),
                    ascii(lease),
                    EntryFormat.version(loaded.version()),
                    payload,
                    ttlOf(loaded),
                    metaTtl))
        == 1;
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
      call(l -> cancelFillScript.run(l.redis, pair(entryKey), ascii(lease)));
    }
  }

  /**
   * Records a committed write in one script: revokes the key's leases, removes this node's fence of
   * the write, lifts a fence unless the write is older than the watermark, and installs the entry
   * unless a newer version is known or another node's write of the key is in flight. If this node's
   * fence of the write went to a server process that is gone (H9), the entry is dropped instead of
   * installed: the server lost the watermark of any newer write published meanwhile.
   *
   * @throws RedisException if Redis fails, times out, or the circuit is open: the engine then
   *     fences
   * @throws IllegalArgumentException if the codec cannot encode the value (the engine then fences)
   */
  @Override
  public void applyCommitted(K key, Cached<V> committed) {
    byte[] entryKey = keys.entry(key);
    WriteFence fence = writeFences.get(key);
    byte[] payload;
    try {
      payload = EntryFormat.encode(key, committed, codec);
    } catch (RuntimeException e) {
      publishFailed(key, entryKey, committed.version());
      throw e;
    }
    if (!breaker.allow()) {
      publishFailed(key, entryKey, committed.version());
      throw unavailable("publish", key);
    }
    byte[] version = EntryFormat.version(committed.version());
    try {
      call(
          l ->
              fence != null && !l.sameServers(fence.link())
                  ? retireScript.run(
                      l.redis, pair(entryKey), announcing(entryKey, version, metaTtl))
                  : applyScript.run(
                      l.redis,
                      pair(entryKey),
                      announcing(
                          entryKey,
                          version,
                          payload,
                          fence == null ? NONE : ascii(fence.token()),
                          ttlOf(committed),
                          metaTtl)));
      announced.increment();
    } catch (RuntimeException e) {
      publishFailed(key, entryKey, committed.version());
      throw e;
    }
    if (fence != null) {
      writeFences.remove(key, fence);
    }
    unfenced.remove(key);
    unpublished.remove(key);
  }

  /**
   * Fences the key before this node's database write of it: drops its entry, revokes its leases,
   * tells the near tiers to drop their copies, and refuses fills on every node until this write is
   * published, or until the write fence timeout if it never is. Under {@link
   * WritePolicy#AVAILABLE}, a fence that cannot be placed is replaced by a record in the repair
   * journal, and this node reconnects (and repairs) before its next use of Redis.
   *
   * @throws RedisException under {@link WritePolicy#STRICT} if Redis fails, times out, or the
   *     circuit is open: the write is refused
   * @throws java.io.UncheckedIOException under {@link WritePolicy#AVAILABLE} if the journal cannot
   *     be written: the write is refused
   */
  @Override
  public void beforeWrite(K key) {
    byte[] entryKey = keys.entry(key);
    if (!breaker.allow()) {
      if (writePolicy == WritePolicy.STRICT) {
        throw unavailable("fence before write", key);
      }
      writeUnfenced(key, entryKey, null);
      return;
    }
    long token = newToken();
    WriteFence previous = writeFences.remove(key); // a write of this node that never published
    unpublished.remove(key);
    try {
      call(
          l -> {
            writeFences.put(
                key, new WriteFence(token, l, previous == null ? 1 : previous.writes() + 1));
            return beforeWriteScript.run(
                l.redis,
                pair(entryKey),
                announcing(
                    entryKey,
                    ascii(token),
                    previous == null || !l.sameServers(previous.link())
                        ? NONE
                        : ascii(previous.token()),
                    writeFenceTimeout,
                    metaTtl));
          });
      announced.increment();
    } catch (RuntimeException e) {
      if (writePolicy == WritePolicy.STRICT) {
        throw e;
      }
      writeUnfenced(key, entryKey, e);
    }
  }

  private void publishFailed(K key, byte[] entryKey, long version) {
    unpublished.put(key, version);
    Long recordedAt = unfenced.remove(key);
    if (recordedAt != null && recordedAt != requireNonNull(journal).repairs()) {
      // the journal was repaired (and emptied) since, maybe before this write committed: record it
      // again
      journal.record(entryKey);
      Link current = connector.current();
      if (current != null) {
        connector.drop(current);
      }
    }
  }

  /**
   * Lifts this node's fence of the key at once when the last write it stands for ended without
   * committing (a version conflict, a failure before the commit), so that no node waits for the
   * write fence timeout to serve or fill the key. The fence stays while another write of the key
   * that this node prepared has not ended, while a publish of the key failed and was not yet
   * followed by a {@link #fence} (race H4), and while the circuit is open or Redis fails (it then
   * lapses after the write fence timeout). The journal record of an unfenced write (policy
   * AVAILABLE) is kept until a write of the key publishes: the engine also abandons a write
   * superseded by a newer write of the key in the same batch, and forgetting the record would let
   * that publish, if it failed after a repair, go unjournaled; a record kept too long costs at most
   * one extra repair.
   *
   * @throws RedisException if Redis fails or times out (the fence then lapses)
   */
  @Override
  public void writeAbandoned(K key) {
    WriteFence fence = writeFences.get(key);
    if (fence == null || unpublished.containsKey(key)) {
      return;
    }
    if (fence.writes() > 1) {
      writeFences.replace(
          key, fence, new WriteFence(fence.token(), fence.link(), fence.writes() - 1));
      return;
    }
    writeFences.remove(key, fence);
    byte[] entryKey = keys.entry(key);
    if (breaker.allow()) {
      call(
          l ->
              l.sameServers(fence.link())
                  ? abandonScript.run(l.redis, pair(entryKey), ascii(fence.token()), metaTtl)
                  : 0L);
    }
  }

  /**
   * AVAILABLE: records the key for repair and drops the link, so that the next use repairs first.
   */
  private void writeUnfenced(K key, byte[] entryKey, @Nullable RuntimeException cause) {
    unfenced.put(key, requireNonNull(journal).record(entryKey));
    writeFences.remove(key);
    Link current = connector.current();
    if (current != null) {
      connector.drop(current);
    }
    // the circuit breaker logs the outage with its stack trace when it opens: one line a minute
    // here
    if (unfencedWarning.warnNow()) {
      log.warn(
          "{}: key {} could not be fenced ({}); its write goes ahead (policy AVAILABLE) and the key is recorded"
              + " in {} for repair; keys written so are counted by tandem.redis.repair.pending and logged at DEBUG for a"
              + " minute",
          this,
          key,
          cause == null ? "the circuit is open" : cause.toString(),
          journal.path());
    } else {
      log.debug(
          "{}: key {} could not be fenced; its write goes ahead (policy AVAILABLE) and the key is recorded in {}"
              + " for repair",
          this,
          key,
          journal.path(),
          cause);
    }
  }

  /**
   * Drops the key's entry, revokes its leases and refuses fills on every node until a committed
   * write that is not older than the last one this node failed to publish. Refused at once while
   * the circuit is open: the fence this node placed before the write then holds the key until the
   * write fence timeout, and the unpublished version stays recorded here for the next fence.
   *
   * @throws RedisException if Redis fails, times out, or the circuit is open
   */
  @Override
  public void fence(K key) {
    fence(key, unpublished.get(key));
  }

  void fence(K key, @Nullable Long floor) {
    byte[] entryKey = keys.entry(key);
    if (!breaker.allow()) {
      throw unavailable("fence", key);
    }
    WriteFence fence = writeFences.get(key);
    call(
        l ->
            fenceScript.run(
                l.redis,
                pair(entryKey),
                announcing(
                    entryKey,
                    floor == null ? NONE : EntryFormat.version(floor),
                    fence == null || !l.sameServers(fence.link()) ? NONE : ascii(fence.token()),
                    metaTtl)));
    announced.increment();
    if (fence != null) {
      writeFences.remove(key, fence);
    }
    if (floor != null) {
      unpublished.remove(key, floor);
    }
  }

  /**
   * Deletes the key's entry, revokes its fill lease (whichever node holds it: a load that began
   * before may have read a row that a write bypassing Tandem replaced, race H11) and announces it
   * on the {@linkplain Builder#invalidationChannel invalidation channel}; its watermark and fences
   * stay.
   *
   * @throws RedisException if Redis fails, times out, or the circuit is open
   */
  @Override
  public void invalidate(K key) {
    byte[] entryKey = keys.entry(key);
    if (!breaker.allow()) {
      throw unavailable("invalidate", key);
    }
    call(l -> invalidateScript.run(l.redis, pair(entryKey), announcing(entryKey)));
    announced.increment();
  }

  /**
   * Deletes every entry under this tier's key prefix, on every master of a cluster (SCAN and
   * UNLINK, not atomic: entries written meanwhile may stay), then announces it on the {@linkplain
   * Builder#invalidationChannel invalidation channel}; fenced keys stay fenced.
   *
   * @throws RedisException if Redis fails, times out, or the circuit is open
   */
  @Override
  public void invalidateAll() {
    if (!breaker.allow()) {
      throw unavailable("invalidateAll", "every key");
    }
    ScanArgs args =
        ScanArgs.Builder.matches(keys.entryPattern().getBytes(StandardCharsets.UTF_8)).limit(1000);
    call(
        l -> {
          long removed = 0;
          for (RedisClusterCommands<byte[], byte[]> node : l.nodes) {
            ScanCursor cursor = ScanCursor.INITIAL;
            do {
              KeyScanCursor<byte[]> page = node.scan(cursor, args);
              if (!page.getKeys().isEmpty()) {
                removed +=
                    l.redis.unlink(
                        page.getKeys()
                            .toArray(new byte[0][])); // a cluster connection splits by slot
              }
              cursor = page;
            } while (!cursor.isFinished());
          }
          l.redis.publish(channelBytes, message(ALL_ENTRIES));
          return removed;
        });
    announced.increment();
  }

  /**
   * Returns the approximate number of entries under this tier's key prefix, summed over the
   * masters: counted exactly (SCAN) on a server with at most 10,000 keys, else estimated as DBSIZE
   * times the share of entries among 200 RANDOMKEY samples (metadata and other applications' keys
   * excluded). Returns 0 if Redis cannot be reached.
   */
  @Override
  public long estimatedSize() {
    if (!breaker.allow()) {
      return 0;
    }
    try {
      return call(
          l -> {
            long total = 0;
            for (RedisClusterCommands<byte[], byte[]> node : l.nodes) {
              total += entriesOn(node);
            }
            return total;
          });
    } catch (RuntimeException e) {
      return 0;
    }
  }

  private long entriesOn(RedisClusterCommands<byte[], byte[]> node) {
    long size = node.dbsize();
    if (size <= EXACT_COUNT_LIMIT) {
      ScanArgs args =
          ScanArgs.Builder.matches(keys.entryPattern().getBytes(StandardCharsets.UTF_8))
              .limit(1000);
      long count = 0;
      ScanCursor cursor = ScanCursor.INITIAL;
      do {
        KeyScanCursor<byte[]> page = node.scan(cursor, args);
        count += page.getKeys().size();
        cursor = page;
      } while (!cursor.isFinished());
      return count;
    }
    int hits = 0;
    for (int i = 0; i < SAMPLES; i++) {
      byte[] sampled = node.randomkey();
      if (sampled != null && keys.isEntryKey(sampled)) {
        hits++;
      }
    }
    return size * hits / SAMPLES;
  }

  /**
   * Returns the keys Redis evicted (under {@code maxmemory}) or expired since this tier was built,
   * from INFO stats {@code evicted_keys + expired_keys}, summed over the masters. Redis counts per
   * server, not per prefix: other applications' keys and this tier's expired metadata count too.
   * Returns what was counted so far if Redis cannot be reached.
   */
  @Override
  public long evictionCount() {
    Link current = connector.current();
    if (current == null || !breaker.allow()) {
      return connector.evictionsOfDroppedLinks();
    }
    try {
      return connector.evictionsOfDroppedLinks()
          + call(l -> l == current ? current.evictionsSinceVerified() : 0L);
    } catch (RuntimeException e) {
      return connector.evictionsOfDroppedLinks();
    }
  }

  /**
   * Registers the shared tier's meters: {@code tandem.redis.circuit.open} (1 while the circuit
   * breaker is open: refusing calls, or letting one probe through), {@code
   * tandem.redis.circuit.opens}, {@code tandem.redis.invalidations.published} (changes announced on
   * the invalidation channel), {@code tandem.redis.undecodable} (entries the codec could not
   * decode, each deleted and refilled) and, with a repair journal, {@code
   * tandem.redis.repair.pending} (records of keys written under {@link WritePolicy#AVAILABLE} that
   * wait for repair).
   */
  @Override
  public void registerMeters(TierMeters meters) {
    meters.gauge(
        "tandem.redis.circuit.open",
        "1 while the circuit breaker is open (refusing Redis calls or letting one probe through): reads go to the"
            + " database, fenced writes are refused",
        () -> breaker.isOpen() ? 1 : 0);
    meters.counter(
        "tandem.redis.circuit.opens",
        "times the circuit breaker opened after Redis calls failed in a row",
        breaker::opens);
    meters.counter(
        "tandem.redis.invalidations.published",
        "changes of entries announced on the invalidation channel",
        announced::sum);
    meters.counter(
        "tandem.redis.undecodable",
        "cached entries this node's codec could not decode (written by another"
            + " codec): each was read as a miss, deleted and refilled from the database",
        undecodable::sum);
    RepairJournal repairs = journal;
    if (repairs != null) {
      meters.gauge(
          "tandem.redis.repair.pending",
          "records of keys written under AVAILABLE without a fence that wait for repair (a key written twice counts"
              + " twice)",
          repairs::pending);
    }
  }

  /**
   * Binds this tier's key prefix to the store it caches: records {@code storeIdentity} in Redis
   * under the key {@code <prefix>store} (SET NX; no time to live) unless a store is recorded there
   * already, reads it back, and refuses a prefix recorded for another store, so that two caches of
   * different tables can never serve each other's entries through one prefix. Every link the tier
   * makes later is checked the same way before it is used, so an identity lost with the server's
   * data (a restart, FLUSHALL, an eviction) is recorded again. While Redis cannot be reached (the
   * tier started with its circuit open) the check waits for the first link. Called once by {@link
   * dev.tandem.Tandem.Builder#build} before any other call.
   *
   * @throws IllegalStateException if the prefix is recorded for another store, or this tier was
   *     bound to another store already
   */
  @Override
  public void bindStore(String storeIdentity) {
    requireNonNull(storeIdentity, "storeIdentity");
    synchronized (this) {
      String bound = this.storeIdentity;
      if (bound != null && !bound.equals(storeIdentity)) {
        throw new IllegalStateException(
            this + " is bound to store '" + bound + "' already, not '" + storeIdentity + "'");
      }
      this.storeIdentity = storeIdentity;
    }
    Link current = connector.current();
    if (current == null || !breaker.allow()) {
      return; // checked when the link is made
    }
    try {
      checkStore(current.redis, storeIdentity);
      breaker.succeeded();
    } catch (IllegalStateException e) {
      breaker.succeeded(); // Redis answered
      connector.drop(current);
      throw e;
    } catch (RuntimeException e) {
      failed(current, e);
      connector.drop(current); // not checked: the next link checks
    }
  }

  /**
   * Records {@code identity} under the prefix unless a store is recorded there, and refuses another
   * one.
   *
   * @throws IllegalStateException if the prefix is recorded for another store
   */
  private void checkStore(RedisClusterCommands<byte[], byte[]> redis, String identity) {
    byte[] key = keys.storeIdentity();
    byte[] mine = identity.getBytes(StandardCharsets.UTF_8);
    redis.set(key, mine, SetArgs.Builder.nx());
    byte[] recorded = redis.get(key);
    if (recorded == null) { // deleted in between: record again
      redis.set(key, mine, SetArgs.Builder.nx());
      recorded = redis.get(key);
    }
    if (recorded != null && !Arrays.equals(recorded, mine)) {
      throw new IllegalStateException(
          "the Redis key prefix '"
              + keys.prefix()
              + "' on "
              + server
              + " caches store '"
              + new String(recorded, StandardCharsets.UTF_8)
              + "', not store '"
              + identity
              + "': give each store's tier its own key prefix (Builder#keyPrefix); if the prefix's cache was given"
              + " up, delete the key "
              + keys.prefix()
              + "store");
    }
  }

  /**
   * Returns the {@linkplain Builder#writeFenceTimeout write fence timeout}: how long the fence
   * placed by {@link #beforeWrite} holds if the write neither publishes nor is abandoned. The
   * engine refuses a write timeout that is not shorter.
   */
  @Override
  public Duration writeFenceTimeout() {
    return Duration.ofMillis(fenceMillis);
  }

  /** Returns the write policy: what a write does when its key cannot be fenced. */
  public WritePolicy writePolicy() {
    return writePolicy;
  }

  /** Closes the connection, and the client if this tier created it; idempotent. */
  @Override
  public void close() {
    connector.close();
    if (journal != null) {
      journal.close();
    }
  }

  @Override
  public String toString() {
    return "RedisTier{" + server + ", prefix=" + keys.prefix() + ", circuit=" + breaker + "}";
  }

  // ---------------------------------------------------------------- connections

  /**
   * The tier's checks of a new link before its first use: the user may announce changes, the prefix
   * serves this tier's store, and the journaled keys are repaired.
   */
  private void verify(Link made) {
    checkMayAnnounce(made.redis);
    String identity = storeIdentity;
    if (identity != null) {
      checkStore(made.redis, identity);
    }
    if (journal != null) {
      journal.repair(journaled -> repairJournaled(made.async, journaled));
    }
  }

  /**
   * Retires the journaled keys (drops each entry, revokes its leases), sending each batch of
   * {@value #REPAIR_BATCH} scripts pipelined and then awaiting their replies: a round trip per
   * batch, not per key, while the connect lock is held.
   *
   * @throws RedisException if a script fails, or a batch's replies take longer than the command
   *     timeout: the journal then keeps every key
   */
  private void repairJournaled(
      RedisClusterAsyncCommands<byte[], byte[]> async, List<byte[]> journaled) {
    for (int from = 0; from < journaled.size(); from += REPAIR_BATCH) {
      List<byte[]> batch = journaled.subList(from, Math.min(journaled.size(), from + REPAIR_BATCH));
      List<RedisFuture<Long>> replies = new ArrayList<>(batch.size());
      for (byte[] entryKey : batch) {
        replies.add(retireScript.send(async, pair(entryKey), announcing(entryKey, NONE, metaTtl)));
      }
      long deadline = System.nanoTime() + commandTimeoutNanos;
      try {
        for (RedisFuture<Long> reply : replies) {
          reply.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new RedisException(
            "interrupted while repairing " + journaled.size() + " journaled keys", e);
      } catch (ExecutionException e) {
        throw new RedisException(
            "repairing " + journaled.size() + " journaled keys failed: " + e.getCause(),
            e.getCause());
      } catch (TimeoutException e) {
        throw new RedisException(
            "repairing "
                + batch.size()
                + " journaled keys took longer than the command timeout ("
                + commandTimeout
                + ")",
            e);
      }
      announced.add(batch.size());
    }
    log.info(
        "{}: repaired {} keys written without a fence (policy AVAILABLE)", this, journaled.size());
  }

  /**
   * Publishes a notice on the invalidation channel, so that a Redis user whose ACL forbids it fails
   * at connect, saying why, instead of in every write script (each change is announced there).
   *
   * @throws RedisException if the user may not publish on the channel
   */
  private void checkMayAnnounce(RedisClusterCommands<byte[], byte[]> redis) {
    try {
      redis.publish(channelBytes, message(CONNECTED));
    } catch (RedisCommandExecutionException e) {
      String error = e.getMessage();
      if (error != null && error.startsWith("NOPERM")) {
        throw new RedisException(
            this
                + ": the Redis user may not PUBLISH on the invalidation channel '"
                + channel
                + "', where the write scripts announce every change of an entry; grant it (ACL SETUSER <user> &"
                + channel
                + ") or choose a channel it may use (Builder#invalidationChannel)",
            e);
      }
      throw e;
    }
  }

  /**
   * Reports a failed call; drops the link if its connection broke, so that the next call verifies a
   * new one.
   */
  private void failed(@Nullable Link used, RuntimeException e) {
    breaker.failed(e);
    connector.dropIfBroken(used);
  }

  private List<LuaScript> scripts() {
    return List.of(
        beginFillScript,
        fillScript,
        cancelFillScript,
        applyScript,
        fenceScript,
        beforeWriteScript,
        retireScript,
        abandonScript);
  }

  // ---------------------------------------------------------------- for tests and diagnostics

  /**
   * Returns whether {@code key} is fenced now (a fence of this or another node, or a write fence).
   */
  boolean isFenced(K key) {
    RedisClusterCommands<byte[], byte[]> redis = commands();
    Map<byte[], byte[]> meta = redis.hgetall(KeySpace.meta(keys.entry(key)));
    List<byte[]> time =
        redis.time(); // a cluster connection asks the master of the default node: any clock will do
    long now =
        Long.parseLong(new String(time.get(0), StandardCharsets.US_ASCII)) * 1000
            + Long.parseLong(new String(time.get(1), StandardCharsets.US_ASCII)) / 1000;
    for (Map.Entry<byte[], byte[]> field : meta.entrySet()) {
      String name = new String(field.getKey(), StandardCharsets.UTF_8);
      if (name.equals(MetaField.FENCE)) {
        return true;
      }
      if (name.startsWith(MetaField.WRITE_PREFIX)
          && Long.parseLong(new String(field.getValue(), StandardCharsets.US_ASCII)) > now) {
        return true;
      }
    }
    return false;
  }

  /** Returns whether {@code key} has an outstanding fill lease. */
  boolean hasLease(K key) {
    return commands().hexists(KeySpace.meta(keys.entry(key)), MetaField.bytes(MetaField.LEASE));
  }

  /** Returns the key's watermark, 0 if it has none. */
  long watermark(K key) {
    byte[] mark = commands().hget(KeySpace.meta(keys.entry(key)), MetaField.bytes(MetaField.MARK));
    return mark == null ? 0 : Long.parseLong(new String(mark, StandardCharsets.US_ASCII));
  }

  /** Returns the pub/sub channel on which this tier announces every change of an entry. */
  String invalidationChannel() {
    return channel;
  }

  /**
   * Returns how long after a write or fill Redis expires an entry, or null if entries do not
   * expire.
   */
  @Nullable Duration entryTimeToLive() {
    return entryTimeToLive;
  }

  /** Returns whether this tier talks to a Redis Cluster. */
  boolean isCluster() {
    return connector.isCluster();
  }

  /** Returns the text of {@code key} in its Redis names, as the key encoder makes it. */
  String keyText(K key) {
    return keys.text(key);
  }

  /** Returns the text that {@code entryKey} (an entry key of this tier) was made from, or null. */
  @Nullable String encodedKey(String entryKey) {
    return keys.encodedKey(entryKey);
  }

  /** Returns the id in front of this tier's messages on the invalidation channel. */
  String node() {
    return node;
  }

  /** Returns how many entries this tier could not decode. */
  long undecodable() {
    return undecodable.sum();
  }

  /** Returns how many changes this tier announced (each by a script or command that succeeded). */
  long announced() {
    return announced.sum();
  }

  /**
   * Publishes {@code message} on the invalidation channel through this tier's own connection (the
   * one its scripts run on), without waiting; null if there is no connection now.
   */
  @Nullable CompletionStage<Long> publishOnChannel(String message) {
    Link current = connector.current();
    return current == null
        ? null
        : current.async.publish(channelBytes, message.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Returns {@code args} followed by the two arguments every script that changes an entry takes
   * last (see lib.lua's {@code announce}): the invalidation channel and the message naming the
   * entry.
   */
  private byte[][] announcing(byte[] entryKey, byte[]... args) {
    byte[][] all = Arrays.copyOf(args, args.length + 2);
    all[args.length] = channelBytes;
    all[args.length + 1] = message(entryKey);
    return all;
  }

  /** The message that announces a change of the entry stored under {@code entryKey}. */
  private byte[] message(byte[] entryKey) {
    byte[] message = Arrays.copyOf(messageHead, messageHead.length + entryKey.length);
    System.arraycopy(entryKey, 0, message, messageHead.length, entryKey.length);
    return message;
  }

  /** Returns the Redis key of the entry of {@code key}. */
  byte[] entryKey(K key) {
    return keys.entry(key);
  }

  CircuitBreaker breaker() {
    return breaker;
  }

  /** Returns the commands of the current link, connecting if needed. */
  RedisClusterCommands<byte[], byte[]> commands() {
    Link current = connector.current();
    return connector.get().redis;
  }

  /** Returns the current link, or null if there is none now. */
  @Nullable Link link() {
    return connector.current();
  }

  /**
   * Connects and verifies now (build() does, so that a server that refuses the tier fails loudly).
   * If another node is clearing this prefix on the server right now (nodes that start together on a
   * new prefix), the tier starts without a link, unavailable: its first use after the clearing
   * verifies a link, as after any lost connection. If the server cannot be reached (down, paused,
   * unreachable, timing out), the tier starts with its circuit open, whatever the write policy:
   * reads go to the database, writes are refused (STRICT) or journaled (AVAILABLE), and the first
   * probe after the open time connects.
   *
   * @throws RedisException if the server answered with an error (a wrong password, a missing
   *     permission, scripts refused): a configuration that waiting will not mend
   */
  void connect() {
    try {
      connector.get();
    } catch (ServerEpoch.ClearingElsewhere e) {
      log.info("{}: starts unavailable: {}", this, e.getMessage());
    } catch (RedisException e) {
      if (answeredWithAnError(e)) {
        throw e;
      }
      breaker.trip(e);
    }
  }

  private static boolean answeredWithAnError(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof RedisCommandExecutionException) {
        return true;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- helpers

  /**
   * Runs {@code command} on the link (made and verified first if there is none) and reports the
   * outcome.
   */
  private <T extends @Nullable Object> T call(Function<Link, T> command) {
    Link used = connector.current();
    try {
      if (used == null) {
        used = connector.get();
      }
      T result = command.apply(used);
      breaker.succeeded();
      return result;
    } catch (RuntimeException e) {
      failed(used, e);
      throw e;
    }
  }

  /** Returns the time to live of {@code entry} in Redis: absences and tombstones always expire. */
  private byte[] ttlOf(Cached<V> entry) {
    return entry.value() == null ? absenceTtl : entryTtl;
  }

  private RedisException unavailable(String operation, Object key) {
    return new RedisException(
        operation
            + " of key "
            + key
            + " refused: Redis at "
            + server
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
   * Returns the keys of the entries under this tier's key prefix (values, tombstones and cached
   * absences; not metadata), read with {@code SCAN MATCH <prefix>{*} COUNT pageSize} on the server
   * (on each master of a cluster) one page at a time as the pages are consumed, and decoded with
   * the {@linkplain Builder#keyDecoder key decoder}. Weakly consistent, as SCAN is: an entry
   * present for the whole walk is listed, others may or may not be, and a key may be listed twice.
   * Read-only.
   *
   * @throws IllegalArgumentException if {@code pageSize} is not positive
   * @throws RedisException from {@code hasNext} if Redis fails, times out, or the circuit is open
   * @throws IllegalStateException from {@code hasNext} if an entry's name does not decode
   */
  @Override
  public Iterator<List<K>> cachedKeys(int pageSize) {
    return cachedKeys(pageSize, keyDecoder);
  }

  /** Like {@link #cachedKeys(int)}, with the given decoder (a near tier passes its own). */
  Iterator<List<K>> cachedKeys(int pageSize, Function<String, ? extends K> decoder) {
    return new EntryScan<>(
        (node, cursor, args) -> {
          if (!breaker.allow()) {
            throw unavailable("cachedKeys", "every key");
          }
          return call(l -> EntryScan.scan(l.nodes, node, cursor, args));
        },
        keys,
        decoder,
        pageSize);
  }

  @SuppressWarnings("unchecked")
  private static <K> K keyAsText(String text) {
    return (K) text;
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
    private @Nullable List<RedisURI> clusterUris;
    private @Nullable WritePolicy writePolicy;
    private @Nullable Path repairJournal;
    private @Nullable String keyPrefix;
    private @Nullable Function<? super K, String> keyEncoder;
    private @Nullable Function<String, ? extends K> keyDecoder;
    private @Nullable Duration timeToLive;
    private @Nullable Duration absenceTimeToLive;
    private @Nullable Duration commandTimeout;
    private @Nullable Duration connectTimeout;
    private @Nullable Duration writeFenceTimeout;
    private @Nullable Duration circuitOpenTime;
    private @Nullable Ticker ticker;
    private @Nullable String invalidationChannel;

    private Builder(Codec<V> codec) {
      this.codec = codec;
    }

    /**
     * Connects to the server at {@code uri}, e.g. {@code redis://localhost:6379/0}; password, ACL
     * user, TLS ({@code rediss://}) and database number pass through Lettuce's URI syntax. The tier
     * creates its own client, rejects commands while disconnected instead of queueing them, never
     * lets Lettuce reconnect by itself (the tier reconnects and verifies the server, race H9), and
     * shuts the client down on {@link RedisTier#close()}.
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
     * Connects through the caller's client, which keeps its options and is not shut down by the
     * tier. Its options must turn automatic reconnection off ({@code
     * ClientOptions.autoReconnect(false)}): the tier reconnects itself and verifies each new
     * connection (race H9). Tandem recommends {@code DisconnectedBehavior.REJECT_COMMANDS}.
     *
     * @throws IllegalStateException if a server was already set
     * @throws IllegalArgumentException if the client reconnects by itself
     */
    public Builder<K, V> client(RedisClient client) {
      requireNonNull(client, "client");
      checkNoServer();
      if (client.getOptions().isAutoReconnect()) {
        throw new IllegalArgumentException(
            "the client reconnects by itself: a Redis tier must verify every new"
                + " connection (a restarted Redis may hold old data), so build the client with"
                + " ClientOptions.builder().autoReconnect(false)");
      }
      this.client = client;
      return this;
    }

    /**
     * Connects to a Redis Cluster through Lettuce's cluster client, starting from the nodes at
     * {@code uris} (one is enough; the others are tried if it fails), e.g. {@code
     * redis://10.0.0.1:7000}. A key's entry and metadata share a hash slot; the tier's scripts run
     * on the key's master; {@link RedisTier#invalidateAll()}, {@link RedisTier#estimatedSize()} and
     * the restart check (race H9) cover every master. The tier owns the client.
     *
     * @throws IllegalStateException if a server was already set
     * @throws IllegalArgumentException if no URI is given or one is not a Redis URI
     */
    public Builder<K, V> clusterUri(String... uris) {
      requireNonNull(uris, "uris");
      checkNoServer();
      if (uris.length == 0) {
        throw new IllegalArgumentException("a cluster needs at least one node URI");
      }
      List<RedisURI> parsed = new ArrayList<>(uris.length);
      for (String uri : uris) {
        parsed.add(RedisURI.create(requireNonNull(uri, "uri")));
      }
      this.clusterUris = List.copyOf(parsed);
      return this;
    }

    /**
     * Sets what a write does when its key cannot be fenced in Redis before the database write.
     * Default: {@link WritePolicy#STRICT} (the write is refused). {@link WritePolicy#AVAILABLE}
     * needs a {@link #repairJournal}.
     *
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> writePolicy(WritePolicy policy) {
      requireNonNull(policy, "policy");
      if (writePolicy != null) {
        throw new IllegalStateException("write policy was already set to " + writePolicy);
      }
      this.writePolicy = policy;
      return this;
    }

    /**
     * Sets the file where the {@link WritePolicy#AVAILABLE} policy records keys it wrote without a
     * fence (created if missing). Keys recorded by an earlier run of this node are repaired before
     * the tier first uses Redis. Give each node its own file on a local disk: the tier locks the
     * file while it lives, and {@link #build()} refuses a file that another tier (in this process
     * or another) holds. See docs/repair-journal.md.
     *
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> repairJournal(Path file) {
      requireNonNull(file, "file");
      if (repairJournal != null) {
        throw new IllegalStateException("repair journal was already set to " + repairJournal);
      }
      this.repairJournal = file;
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
        throw new IllegalArgumentException(
            "key prefix must be non-empty and without braces but was '" + prefix + "'");
      }
      this.keyPrefix = prefix;
      return this;
    }

    /**
     * Sets the pub/sub channel on which the tier announces each change of an entry (a committed
     * write, a fence, an invalidation), from inside the script that makes the change, for the
     * {@link NearTier near tiers} of the cache. Every node of a cache uses the same channel.
     * Default: the key prefix followed by {@code near}, e.g. {@code tandem:near}.
     *
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if empty
     */
    public Builder<K, V> invalidationChannel(String channel) {
      requireNonNull(channel, "channel");
      if (invalidationChannel != null) {
        throw new IllegalStateException(
            "invalidation channel was already set to " + invalidationChannel);
      }
      if (channel.isEmpty()) {
        throw new IllegalArgumentException("invalidation channel must not be empty");
      }
      this.invalidationChannel = channel;
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
     * Sets how the text of a key in its Redis name (what the key encoder made) becomes the key
     * again, for {@link RedisTier#cachedKeys}, which a {@link dev.tandem.verify.Verifier} walks. It
     * must be the inverse of the key encoder. Default: the text itself, right for {@code String}
     * keys with the default encoder; e.g. {@code Long::valueOf} for {@code Long} keys.
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
     * Lets Redis expire an entry this long after it was written or filled (PX, millisecond
     * precision). Default: entries of values do not expire; absences and tombstones expire after
     * the {@linkplain #absenceTimeToLive absence time to live} (or this, if shorter).
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
     * Lets Redis expire a cached absence (a key the database does not hold, or a tombstone of a
     * delete) this long after it was written or filled, so that reads of arbitrary absent keys do
     * not fill Redis for ever. A time to live set with {@link #timeToLive} that is shorter wins.
     * The version of an expired tombstone still fences older fills and publishes: it stays the
     * key's watermark in the key's metadata, which lives an hour (at least twice the write fence
     * timeout) longer than any entry. Default: 5 minutes.
     *
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if shorter than a millisecond
     */
    public Builder<K, V> absenceTimeToLive(Duration duration) {
      requireNonNull(duration, "duration");
      if (absenceTimeToLive != null) {
        throw new IllegalStateException(
            "absence time to live was already set to " + absenceTimeToLive);
      }
      this.absenceTimeToLive = atLeastOneMilli("absence time to live", duration);
      return this;
    }

    /**
     * Sets how long a Redis call may take before it fails (and counts towards opening the circuit).
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
      this.commandTimeout = atLeastOneMilli("command timeout", duration);
      return this;
    }

    /**
     * Sets how long making a connection may take: the TCP connect, and separately the handshake
     * (TLS, AUTH, HELLO, which Lettuce bounds by the URI's timeout; the tier sets that timeout on
     * its own copy of the URI). A new connection is then verified with ordinary commands, each
     * bounded by the {@linkplain #commandTimeout command timeout}. A paused or overloaded server
     * still accepts TCP connections (the kernel queues them), so this bounds how long a call that
     * has to reconnect waits. Default: the command timeout. Not applied to a caller's {@link
     * #client}, whose options and default URI timeout bound its connections.
     *
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if shorter than a millisecond
     */
    public Builder<K, V> connectTimeout(Duration duration) {
      requireNonNull(duration, "duration");
      if (connectTimeout != null) {
        throw new IllegalStateException("connect timeout was already set to " + connectTimeout);
      }
      this.connectTimeout = atLeastOneMilli("connect timeout", duration);
      return this;
    }

    /**
     * Sets how long a fence placed before a database write holds if its writer never publishes (it
     * crashed, lost Redis, or the write failed). It must exceed the longest write, retries
     * included: a write still in flight when its fence lapses is no longer protected against a
     * failed publish. Default: 30 seconds.
     *
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if shorter than a millisecond
     */
    public Builder<K, V> writeFenceTimeout(Duration duration) {
      requireNonNull(duration, "duration");
      if (writeFenceTimeout != null) {
        throw new IllegalStateException(
            "write fence timeout was already set to " + writeFenceTimeout);
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
     * Connects, verifies the server (race H9: a server that restarted is cleared of this tier's
     * keys), loads the scripts and returns the tier. A server that cannot be reached (down, paused,
     * timing out) does not fail the build, under either write policy: the tier starts with its
     * circuit open (reads go to the database; writes are refused under {@link WritePolicy#STRICT},
     * journaled under {@link WritePolicy#AVAILABLE}) and connects on the first probe after the
     * {@linkplain #circuitOpenTime open time}, so an application starts while Redis is down and its
     * cache comes up with Redis. The build then takes at most about twice the {@linkplain
     * #connectTimeout connect timeout} plus one command timeout. A server on which another node is
     * clearing this prefix right now is no failure either: the tier starts unavailable and verifies
     * its link on first use.
     *
     * @throws IllegalStateException if no server was set, or {@link WritePolicy#AVAILABLE} was set
     *     without a repair journal (or a journal without it), or the repair journal is in use by
     *     another tier
     * @throws java.io.UncheckedIOException if the repair journal cannot be created, read or locked
     * @throws RedisException if the server answered with an error: it refused the credentials, the
     *     scripts, or the publishing of the invalidation channel
     */
    public RedisTier<K, V> build() {
      if (uri == null && client == null && clusterUris == null) {
        throw new IllegalStateException(
            "a Redis tier needs a server: set uri, client or clusterUri");
      }
      if (writePolicy == WritePolicy.AVAILABLE && repairJournal == null) {
        throw new IllegalStateException("write policy AVAILABLE needs a repair journal");
      }
      if (repairJournal != null && writePolicy != WritePolicy.AVAILABLE) {
        throw new IllegalStateException("a repair journal is only used by write policy AVAILABLE");
      }
      Duration timeout = commandTimeout != null ? commandTimeout : Duration.ofSeconds(1);
      Duration connect = connectTimeout != null ? connectTimeout : timeout;
      AbstractRedisClient owned = null;
      RedisClient single = client;
      RedisClusterClient cluster = null;
      String server;
      if (uri != null) {
        single = RedisClients.single(uri, connect, timeout, false);
        owned = single;
        server = uri.getHost() + ":" + uri.getPort();
      } else if (clusterUris != null) {
        cluster = RedisClients.cluster(clusterUris, connect, timeout);
        owned = cluster;
        RedisURI first = clusterUris.get(0);
        server = "cluster " + first.getHost() + ":" + first.getPort();
      } else {
        server = "client " + requireNonNull(client);
      }
      RedisTier<K, V> tier = null;
      try {
        tier = new RedisTier<>(this, owned, single, cluster, server);
        tier.connect();
        return tier;
      } catch (RuntimeException e) {
        if (tier != null) {
          tier.close();
        } else if (owned != null) {
          owned.shutdown();
        }
        throw e;
      }
    }

    private void checkNoServer() {
      if (clusterUris != null) {
        throw new IllegalStateException("cluster URIs were already set");
      }
      if (uri != null) {
        throw new IllegalStateException(
            "uri was already set to " + uri.getHost() + ":" + uri.getPort());
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
