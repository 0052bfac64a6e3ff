package dev.tandem;

import static java.util.Objects.requireNonNull;

import dev.tandem.spi.CacheTier;
import dev.tandem.spi.Cached;
import dev.tandem.spi.Mutation;
import dev.tandem.spi.Store;
import dev.tandem.spi.StoreTransaction;
import dev.tandem.spi.Written;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write-through engine.
 *
 * <p><b>Writes</b> are queued for group commit ({@link GroupCommitter}) under this node's shared
 * lock of their keys ({@link KeyLocks}; a transaction takes its keys exclusively): one database
 * transaction per batch, applied in queue order, then, only after it committed, one {@link
 * CacheTier#applyCommitted} per key with the version the database assigned. The tier keeps the
 * newest version, so cache updates can never be applied out of order (H1); the cache is never
 * touched before the commit (H5, H7). A commit with an unknown outcome fences its keys and re-reads
 * them under a database lock before the caller hears of it, and is never retried (H10).
 *
 * <p><b>Reads</b> ask the tier; a miss takes a lease from the tier before reading the database and
 * fills under that lease, which any committed write revokes (H2, H3, H6). Concurrent misses of a
 * key share one load (a "flight"); a write drops the key's flight before returning, so a read that
 * starts after a write returned never joins a load that began before the write committed.
 *
 * <p>No database I/O runs inside a cache compute or under a lock that other keys need.
 *
 * <p><b>Bounded waits.</b> A write waits for this node's key locks and for its turn in group commit
 * only until its deadline (the write timeout, shorter than the tier's write fence timeout), and is
 * interruptible while it waits; no retry starts past it. A thread running one of this cache's
 * callbacks (an update function, possibly another caller's on the group commit's leader; a
 * transaction's work; the validator) is marked, and a write or transaction it starts on this cache
 * fails at once: it would wait for the lead or the key locks its own caller holds.
 *
 * <p><b>Callers' failures stay theirs.</b> Whatever an update function throws, an {@link Error}
 * included, fails its caller alone, and the rest of its batch commits. A transaction's view records
 * what it threw to end an attempt (a restart, a store failure) and throws it again when the work
 * returns, so work that swallows it cannot commit part of its writes.
 */
final class WriteThroughCache<K, V> implements Tandem<K, V> {

  private static final Logger log = LoggerFactory.getLogger(WriteThroughCache.class);

  private final Store<K, V> store;
  private final CacheTier<K, V> tier;

  /**
   * The class every key must have (see {@link Store#keyType}); {@code Object.class} checks nothing.
   */
  private final Class<?> keyType;

  private final @Nullable BiConsumer<? super K, ? super V> validator;
  private final Duration writeTimeout;

  /**
   * Marks a thread that runs this cache's callbacks (update functions, transaction work,
   * validator).
   */
  private final ThreadLocal<Boolean> inCallback = new ThreadLocal<>();

  private final Ticker ticker;
  private final String name;
  private final KeyLocks<K> locks = new KeyLocks<>();

  /** The calls into {@link #tier} that keep its failures from the callers. */
  private final GuardedTier<K, V> guarded;

  private final ConcurrentHashMap<K, CompletableFuture<Loaded<V>>> flights =
      new ConcurrentHashMap<>();
  final StatsCounter stats = new StatsCounter();

  /** This cache's meters, or null without a registry. */
  private final @Nullable TandemMetrics metrics;

  private final boolean countHits;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final BatchCommit<K, V> batches;
  private final GroupCommitter<K, V> committer;
  private final TransactionRunner<K, V> transactions;
  private final RetryPolicy retry;

  /** What {@link Store#patchColumns} answered at build. */
  private final Set<String> patchColumns;

  /**
   * Whether update(k, fn) may write from the cached value: opted in, and the store can (see {@link
   * Store#putsIfVersion}).
   */
  private final boolean putsIfVersion;

  /** Updates whose conditional write found the version moved and read the key under lock. */
  private final java.util.concurrent.atomic.LongAdder conditionalMisses =
      new java.util.concurrent.atomic.LongAdder();

  WriteThroughCache(Builder<K, V> builder, CacheTier<K, V> tier, Duration writeTimeout) {
    this.store = builder.store;
    this.tier = tier;
    this.keyType = store.keyType();
    this.patchColumns = Set.copyOf(store.patchColumns());
    this.putsIfVersion = builder.updatesFromCache && store.putsIfVersion();
    this.validator = builder.validator;
    this.writeTimeout = writeTimeout;
    this.ticker = builder.ticker != null ? builder.ticker : Ticker.system();
    this.name = builder.name != null ? builder.name : "tandem";
    this.guarded = new GuardedTier<>(tier, stats, name);
    this.retry = builder.retry != null ? builder.retry : RetryPolicy.DEFAULT;
    this.batches = new BatchCommit<>(this, store, tier, stats, retry, writeTimeout, name);
    this.committer =
        new GroupCommitter<>(
            builder.maxBatchSize > 0 ? builder.maxBatchSize : 256,
            builder.maxConcurrentBatches > 0
                ? builder.maxConcurrentBatches
                : Builder.DEFAULT_CONCURRENT_BATCHES,
            builder.maxBatchWait != null ? builder.maxBatchWait.toNanos() : 0,
            writeTimeout,
            batches::commitBatch);
    this.transactions = new TransactionRunner<>(this, store, tier, stats, locks, retry, ticker);
    this.countHits = builder.recordStats || builder.meterRegistry != null;
    String identity = store.identity();
    if (identity != null) {
      tier.bindStore(identity);
    }
    this.metrics =
        builder.meterRegistry == null
            ? null
            : TandemMetrics.bind(
                this,
                tier,
                (io.micrometer.core.instrument.MeterRegistry) builder.meterRegistry,
                name);
  }

  // ---------------------------------------------------------------- reads

  @Override
  public Optional<V> get(K key) {
    requireNonNull(key, "key");
    Optional<V> hit = guarded.lookupValue(key);
    if (hit != null) {
      if (countHits) {
        stats.hits.increment();
      }
      return hit;
    }
    stats.misses.increment();
    ensureOpen("get");
    checkKey("get", key);
    return load(key).optional();
  }

  @Override
  public Optional<Versioned<V>> getVersioned(K key) {
    requireNonNull(key, "key");
    Cached<V> cached = guarded.lookup(key);
    if (cached != null) {
      if (countHits) {
        stats.hits.increment();
      }
    } else {
      stats.misses.increment();
      ensureOpen("getVersioned");
      checkKey("getVersioned", key);
      cached = load(key);
    }
    long version = cached.version();
    V value = cached.value();
    return value == null ? Optional.empty() : Optional.of(new Versioned<>(value, version));
  }

  @Override
  public Optional<V> getIfCached(K key) {
    requireNonNull(key, "key");
    Optional<V> hit = guarded.lookupValue(key);
    if (hit == null) {
      ensureOpen("getIfCached");
      stats.misses.increment();
      return Optional.empty();
    }
    if (countHits) {
      stats.hits.increment();
    }
    return hit;
  }

  @Override
  public Map<K, V> getAll(Collection<? extends K> keys) {
    List<K> distinct = distinctKeys(keys);
    ensureOpen("getAll");
    Map<K, Cached<V>> found = new HashMap<>(guarded.lookups().getAllPresent(distinct));
    if (countHits) {
      stats.hits.add(found.size());
    }
    if (found.size() < distinct.size()) {
      List<K> missing = new ArrayList<>(distinct.size() - found.size());
      for (K key : distinct) {
        if (!found.containsKey(key)) {
          checkKey("getAll", key);
          missing.add(key);
        }
      }
      stats.misses.add(missing.size());
      found.putAll(loadAll(missing));
    }
    Map<K, V> result = new HashMap<>(found.size() * 2);
    found.forEach(
        (key, cached) -> {
          if (cached.value() != null) {
            result.put(key, cached.value());
          }
        });
    return result;
  }

  /**
   * The outcome of a load in flight. {@code shareable} says whether the tier accepted its fill
   * under a still-valid lease: only then is the result as new as every write published since the
   * load began, and may be handed to readers that joined the load after it began. A write on
   * another node does not know this node's loads, so without this check a read that began after
   * such a write returned could receive the older value of a load it joined (race H8).
   */
  private record Loaded<V>(Cached<V> entry, boolean shareable) {}

  /** Loads one key on a miss, sharing the load with concurrent misses of the same key. */
  private Cached<V> load(K key) {
    CompletableFuture<Loaded<V>> mine = new CompletableFuture<>();
    CompletableFuture<Loaded<V>> running = flights.putIfAbsent(key, mine);
    if (running == null) {
      try {
        return loadAndFill(key, mine);
      } finally {
        flights.remove(key, mine);
      }
    }
    Loaded<V> joined = await(key, running);
    if (joined.shareable()) {
      return joined.entry();
    }
    return loadAndFill(
        key, new CompletableFuture<>()); // the joined load may be older: read again, alone
  }

  /** Takes a lease, reads the database, fills under the lease, and completes {@code flight}. */
  private Cached<V> loadAndFill(K key, CompletableFuture<Loaded<V>> flight) {
    long lease = guarded.lease(key);
    try {
      stats.loads.increment();
      return answer(key, lease, cachedOf(store.load(key)), flight);
    } catch (RuntimeException | Error e) {
      guarded.cancelFill(key, lease);
      stats.loadFailures.increment();
      RuntimeException failure =
          e instanceof Error err
              ? new StoreException("load", List.of(key), err)
              : new StoreException("load", List.of(key), e);
      flight.completeExceptionally(failure);
      throw failure;
    }
  }

  /**
   * Fills under the lease and completes the flight with what the read answers. The flight leaves
   * the map before the fill is sent: an accepted fill proves the load as new as every write
   * published before the fill ran in the tier, so only reads that began before that moment may
   * share it. A read that arrives later, even while the fill's reply is still on its way, loads
   * again (found by the multi-process torture test; see {@code LoadJoinedAfterItsFillTest}).
   */
  private Cached<V> answer(
      K key, long lease, Cached<V> loaded, CompletableFuture<Loaded<V>> flight) {
    flights.remove(key, flight);
    if (guarded.fill(key, lease, loaded)) {
      flight.complete(new Loaded<>(loaded, true));
      return loaded;
    }
    Cached<V> answer = guarded.afterRefusedFill(key, loaded);
    flight.complete(new Loaded<>(answer, false));
    return answer;
  }

  /** Loads missing keys in one store call; keys already in flight are joined instead. */
  private Map<K, Cached<V>> loadAll(List<K> missing) {
    Map<K, CompletableFuture<Loaded<V>>> owned = new LinkedHashMap<>();
    Map<K, CompletableFuture<Loaded<V>>> joined = new HashMap<>();
    for (K key : missing) {
      CompletableFuture<Loaded<V>> mine = new CompletableFuture<>();
      CompletableFuture<Loaded<V>> running = flights.putIfAbsent(key, mine);
      if (running == null) {
        owned.put(key, mine);
      } else {
        joined.put(key, running);
      }
    }
    Map<K, Cached<V>> result = new HashMap<>(missing.size() * 2);
    if (!owned.isEmpty()) {
      Map<K, Long> leases = new HashMap<>(owned.size() * 2);
      owned.keySet().forEach(key -> leases.put(key, guarded.lease(key)));
      try {
        stats.loads.add(owned.size());
        Map<K, Versioned<V>> loaded = store.loadAll(owned.keySet());
        owned.forEach(
            (key, flight) -> {
              long lease = requireNonNull(leases.get(key)); // leases holds every owned key
              result.put(
                  key, answer(key, lease, cachedOf(Optional.ofNullable(loaded.get(key))), flight));
            });
      } catch (RuntimeException e) {
        stats.loadFailures.add(owned.size());
        StoreException failure = new StoreException("load", List.copyOf(owned.keySet()), e);
        owned.forEach(
            (key, flight) -> {
              guarded.cancelFill(
                  key, requireNonNull(leases.get(key))); // leases holds every owned key
              flight.completeExceptionally(failure);
            });
        throw failure;
      } finally {
        owned.forEach(flights::remove);
      }
    }
    joined.forEach(
        (key, flight) -> {
          Loaded<V> l = await(key, flight);
          result.put(key, l.shareable() ? l.entry() : loadAndFill(key, new CompletableFuture<>()));
        });
    return result;
  }

  private Loaded<V> await(K key, CompletableFuture<Loaded<V>> flight) {
    try {
      return flight.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StoreException failure) {
        throw failure;
      }
      throw new StoreException(
          "load", List.of(key), requireNonNull(e.getCause())); // a future's failure has one
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("load", List.of(key), e);
    }
  }

  // ---------------------------------------------------------------- writes

  @Override
  public long put(K key, V value) {
    requireNonNull(key, "key");
    requireNonNull(value, "value");
    long deadline = beginWrite("put");
    checkKey("put", key);
    checkValue("put", key, value);
    return writeThrough(
        WriteRequest.mutations(
            "put",
            List.of(key),
            List.of(new Mutation.Put<>(key, value)),
            written -> written.get(0).version(),
            deadline));
  }

  @Override
  public void putAll(Map<? extends K, ? extends V> entries) {
    requireNonNull(entries, "entries");
    long deadline = beginWrite("putAll");
    List<Mutation<K, V>> mutations = new ArrayList<>(entries.size());
    entries.forEach(
        (key, value) -> {
          requireNonNull(key, "putAll: a key is null");
          requireNonNull(value, () -> "putAll: the value of key " + key + " is null");
          checkKey("putAll", key);
          checkValue("putAll", key, value);
          mutations.add(new Mutation.Put<>(key, value));
        });
    if (!mutations.isEmpty()) {
      writeThrough(
          WriteRequest.mutations(
              "putAll", keysOf(mutations), mutations, written -> Boolean.TRUE, deadline));
    }
  }

  /** Refuses a conditional put's bad arguments before any I/O. */
  static void checkPutIfVersion(Object key, long expectedVersion, Object value) {
    requireNonNull(key, "key");
    requireNonNull(value, "value");
    if (expectedVersion < 0) {
      throw new IllegalArgumentException(
          "expected version must not be negative but was " + expectedVersion);
    }
  }

  @Override
  public long putIfVersion(K key, long expectedVersion, V value) {
    checkPutIfVersion(key, expectedVersion, value);
    long deadline = beginWrite("putIfVersion");
    checkKey("putIfVersion", key);
    checkValue("putIfVersion", key, value);
    return writeThrough(
        WriteRequest.work(
            "putIfVersion",
            List.of(key),
            (tx, publish) -> {
              long actual = tx.loadForUpdate(key).map(Versioned::version).orElse(0L);
              if (actual != expectedVersion) {
                throw new VersionConflictException(key, expectedVersion, actual);
              }
              long version = tx.apply(List.of(new Mutation.Put<>(key, value))).get(0).version();
              publish.put(key, Cached.present(value, version));
              return version;
            },
            deadline));
  }

  @Override
  public Optional<V> update(K key, Columns changes) {
    requireNonNull(key, "key");
    requireNonNull(changes, "changes");
    long deadline = beginWrite("update");
    checkKey("update", key);
    checkColumns(changes);
    Mutation<K, V> patch = new Mutation.Patch<>(key, changes.asMap());
    return writeThrough(
        WriteRequest.mutations(
            "update",
            List.of(key),
            List.of(patch),
            written -> {
              Cached<V> entry = WriteRequest.committed(patch, written.get(0));
              return entry == null
                  ? Optional.<V>empty()
                  : Optional.of(requireNonNull(entry.value()));
            },
            deadline));
  }

  /**
   * Refuses, before any I/O, a field update the store cannot apply.
   *
   * @throws UnsupportedOperationException if the store applies no field updates
   * @throws IllegalArgumentException if a column is not one of the store's value columns
   */
  void checkColumns(Columns changes) {
    if (patchColumns.isEmpty()) {
      throw new UnsupportedOperationException(
          "update: the store "
              + store
              + " does not apply field updates "
              + "(Store.patchColumns is empty); use update(key, function)");
    }
    for (String column : changes.asMap().keySet()) {
      if (!patchColumns.contains(column)) {
        throw new IllegalArgumentException(
            "update: column "
                + column
                + " is not a value column of the store "
                + store
                + "; its value columns are "
                + patchColumns);
      }
    }
  }

  @Override
  public Optional<V> update(K key, UnaryOperator<V> function) {
    requireNonNull(key, "key");
    requireNonNull(function, "function");
    long deadline = beginWrite("update");
    checkKey("update", key);
    if (putsIfVersion) {
      Cached<V> cached = guarded.lookup(key);
      V current = cached != null ? cached.value() : null;
      if (current != null) { // H13: written only if the database still has the cached version
        V next =
            requireNonNull(
                callback(() -> function.apply(current)),
                () -> "update: the function returned null for key " + key);
        checkValue("update", key, next);
        if (writeThrough(
            WriteRequest.mutations(
                "update",
                List.of(key),
                List.of(new Mutation.PutIfVersion<>(key, next, requireNonNull(cached).version())),
                written -> written.get(0).wrote(),
                deadline))) {
          return Optional.of(next);
        }
        conditionalMisses.increment(); // the version moved: read it under lock, as below
      }
    }
    return writeThrough(
        WriteRequest.work(
            "update",
            List.of(key),
            (tx, publish) -> {
              Optional<Versioned<V>> current = tx.loadForUpdate(key);
              if (current.isEmpty()) {
                return Optional.<V>empty();
              }
              V next;
              try {
                next = callback(() -> function.apply(current.get().value()));
              } catch (RuntimeException
                  | Error e) { // the caller's own failure: it alone fails, with it
                throw new CallerFailure(e);
              }
              requireNonNull(next, () -> "update: the function returned null for key " + key);
              try {
                checkValue("update", key, next);
              } catch (RuntimeException
                  | Error e) { // the validator's or the tier's refusal: this caller's alone
                throw new CallerFailure(e);
              }
              long version = tx.apply(List.of(new Mutation.Put<>(key, next))).get(0).version();
              publish.put(key, Cached.present(next, version));
              return Optional.of(next);
            },
            deadline));
  }

  @Override
  public boolean remove(K key) {
    requireNonNull(key, "key");
    long deadline = beginWrite("remove");
    checkKey("remove", key);
    return writeThrough(
        WriteRequest.mutations(
            "remove",
            List.of(key),
            List.of(new Mutation.Delete<>(key)),
            written -> written.get(0).existed(),
            deadline));
  }

  @Override
  public int removeAll(Collection<? extends K> keys) {
    List<K> distinct = distinctKeys(keys);
    long deadline = beginWrite("removeAll");
    if (distinct.isEmpty()) {
      return 0;
    }
    List<Mutation<K, V>> mutations = new ArrayList<>(distinct.size());
    distinct.forEach(
        key -> {
          checkKey("removeAll", key);
          mutations.add(new Mutation.Delete<>(key));
        });
    return writeThrough(
        WriteRequest.mutations(
            "removeAll",
            distinct,
            mutations,
            written -> (int) written.stream().filter(Written::existed).count(),
            deadline));
  }

  /**
   * A failure of the caller's own function (a {@link RuntimeException} or an {@link Error}), passed
   * to that caller unchanged; the batch it ran in goes on without it.
   */
  static final class CallerFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CallerFailure(Throwable cause) {
      super(cause);
    }
  }

  /**
   * Locks the request's keys on this node, has it committed (with other writers' requests, see
   * {@link GroupCommitter}) and published, and returns its result. Waits for the locks and for the
   * commit's turn until the request's deadline; interruptible while it waits.
   */
  private <R> R writeThrough(WriteRequest<K, V, R> request) {
    long start = ticker.read();
    try (KeyLocks.Held held = lock(request.operation, request.keys, false, request.deadline)) {
      R result = committer.submit(request);
      recordWrite(request.publish.size(), start);
      return result;
    } catch (WriteCancelledException e) {
      stats.writeFailures.increment();
      throw e;
    }
  }

  /** Locks keys on this node by the deadline, or throws {@link WriteCancelledException}. */
  KeyLocks.Held lock(String operation, Collection<K> keys, boolean exclusive, long deadline) {
    KeyLocks.Held held;
    try {
      held = exclusive ? locks.lockExclusive(keys, deadline) : locks.lockShared(keys, deadline);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw WriteCancelledException.interrupted(operation, List.copyOf(keys));
    }
    if (held == null) {
      throw WriteCancelledException.timedOut(operation, List.copyOf(keys), writeTimeout);
    }
    return held;
  }

  /**
   * Checks that a write may start, and returns its deadline: the cache is open, and the calling
   * thread is not running one of this cache's callbacks, where the write would wait for itself (the
   * callback holds the group commit's lead, or the transaction's key locks).
   */
  long beginWrite(String operation) {
    ensureOpen(operation);
    if (inCallback.get() != null) {
      throw new IllegalStateException(
          operation
              + " was called from inside an update function, a transaction's "
              + "work or a validator of the same Tandem, where it would wait for itself: inside transaction(work) use "
              + "the Transaction handed to the work (tx.get, tx.put, tx.remove); inside update return the new value");
    }
    return System.nanoTime() + writeTimeout.toNanos();
  }

  /** Runs a user callback with this thread marked as inside it (see {@link #beginWrite}). */
  <T> T callback(java.util.function.Supplier<T> callback) {
    if (inCallback.get() != null) {
      return callback.get();
    }
    inCallback.set(Boolean.TRUE);
    try {
      return callback.get();
    } finally {
      inCallback.remove();
    }
  }

  private void ensureOpen(String operation) {
    if (closed.get()) {
      throw new IllegalStateException(operation + ": this Tandem is closed");
    }
  }

  /**
   * Refuses, before any I/O, a key no store would keep as it is: of another class than the store's
   * keys (reached through a raw or unchecked call), or a string with an unpaired surrogate, which
   * encodes as '?' and so would share its cache entry and row with other keys.
   */
  void checkKey(String operation, K key) {
    if (keyType != Object.class && !keyType.isInstance(key)) {
      throw new IllegalArgumentException(
          operation
              + ": key "
              + key
              + " is a "
              + key.getClass().getName()
              + ", but the store's keys are "
              + keyType.getName());
    }
    if (key instanceof CharSequence text) {
      int bad = unpairedSurrogate(text);
      if (bad >= 0) {
        throw new IllegalArgumentException(
            operation
                + ": key "
                + text.toString().replace(text.charAt(bad), '\uFFFD')
                + " has an unpaired surrogate at index "
                + bad
                + "; it cannot be stored faithfully");
      }
    }
  }

  /** Returns the index of the first unpaired surrogate in {@code text}, or -1. */
  static int unpairedSurrogate(CharSequence text) {
    for (int i = 0, n = text.length(); i < n; i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < n
          && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Lets the validator, then the tier, refuse a value before the database is touched (contract 6).
   *
   * @throws InvalidValueException if the validator refused it
   * @throws IllegalArgumentException if the tier cannot hold it
   */
  void checkValue(String operation, K key, V value) {
    BiConsumer<? super K, ? super V> v = validator;
    if (v != null) {
      try {
        callback(
            () -> {
              v.accept(key, value);
              return null;
            });
      } catch (RuntimeException e) {
        throw new InvalidValueException(operation, key, e);
      }
    }
    try {
      tier.checkValue(key, value);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          operation
              + ": the cache tier cannot store the value of key "
              + key
              + ": "
              + e.getMessage(),
          e);
    }
  }

  // ---------------------------------------------------------------- transactions

  @Override
  public <R> R transaction(Function<? super Transaction<K, V>, ? extends R> work) {
    return transactions.run(work);
  }

  /**
   * Counts a committed write call of {@code keys} keys that began at {@code start} (ticker time).
   */
  void recordWrite(int keys, long start) {
    long nanos = ticker.read() - start;
    stats.writes.add(keys);
    stats.writeNanos.add(nanos);
    if (metrics != null) {
      metrics.recordWrite(nanos);
    }
  }

  // ---------------------------------------------------------------- joined transactions

  @Override
  public JoinedTransaction<K, V> join(java.sql.Connection connection) {
    requireNonNull(connection, "connection");
    ensureOpen("join");
    StoreTransaction<K, V> tx = store.join(connection);
    return new JoinedWrites<>(this, tx, tier.writeFenceTimeout(), ticker.read());
  }

  /** Returns the cache tier (not the lookup view, which a closed cache swaps out). */
  CacheTier<K, V> tier() {
    return tier;
  }

  // ---------------------------------------------------------------- shared by writes

  /**
   * Publishes a committed entry (see {@link GuardedTier#publish}) and drops the key's load in
   * flight.
   */
  void publish(K key, Cached<V> committed) {
    guarded.publish(key, committed);
    flights.remove(key);
  }

  /**
   * After a commit with an unknown outcome: fence the keys so that nothing cached is served or
   * filled, then read their true state under a database lock (which waits for the cut-off
   * transaction to end) and publish it. If that read fails too, the keys stay fenced: reads go to
   * the database until the next committed write of the key.
   */
  void resolveAmbiguous(List<K> keys) {
    for (K key : keys) {
      guarded.fenceAfterAmbiguous(key);
      flights.remove(key);
    }
    Map<K, Cached<V>> truth = new LinkedHashMap<>();
    try (StoreTransaction<K, V> tx = store.begin()) {
      for (K key : new LinkedHashSet<>(keys)) {
        truth.put(key, cachedOf(tx.loadForUpdate(key)));
      }
      tx.commit();
    } catch (RuntimeException e) {
      log.warn(
          "{}: could not re-read {} after an ambiguous commit; they stay fenced", name, keys, e);
      return;
    }
    truth.forEach(this::publish);
  }

  /** Tells the tier a prepared key will not be published (see {@link GuardedTier#abandon}). */
  void abandon(K key) {
    guarded.abandon(key);
  }

  void closeQuietly(StoreTransaction<K, V> tx) {
    try {
      tx.close();
    } catch (RuntimeException e) {
      log.debug("{}: closing a store transaction failed", name, e);
    } catch (Error e) { // not passed on: it would replace the outcome of the write that ran in tx
      log.error("{}: closing a store transaction threw an error", name, e);
    }
  }

  // ---------------------------------------------------------------- management

  @Override
  public void invalidate(K key) {
    requireNonNull(key, "key");
    ensureOpen("invalidate");
    try {
      tier.invalidate(key);
    } catch (RuntimeException e) {
      stats.tierFailures.increment();
      throw new CacheTierUnavailableException("invalidate", List.of(key), e);
    }
  }

  @Override
  public void invalidateAll() {
    ensureOpen("invalidateAll");
    try {
      tier.invalidateAll();
    } catch (RuntimeException e) {
      stats.tierFailures.increment();
      throw new CacheTierUnavailableException("invalidateAll", List.of(), e);
    }
  }

  @Override
  public long estimatedSize() {
    ensureOpen("estimatedSize");
    return tier.estimatedSize();
  }

  @Override
  public Stats stats() {
    return stats.snapshot(tier.evictionCount());
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      guarded.closeLookups(); // hits end here: every call after close throws
      try {
        if (metrics != null) {
          metrics.close();
        }
      } finally {
        try {
          tier.close();
        } finally {
          store.close();
        }
      }
    }
  }

  @Override
  public String toString() {
    return "Tandem{" + name + ", " + tier + "}";
  }

  /** Returns the load in flight for {@code key}, if any; for tests. */
  @Nullable CompletableFuture<?> flight(K key) {
    return flights.get(key);
  }

  /**
   * Returns how many updates found the cached version moved and read the key under lock; for tests.
   */
  long conditionalMisses() {
    return conditionalMisses.sum();
  }

  /** Returns how many writes wait for a group commit; for tests. */
  int queuedWrites() {
    return committer.queued();
  }

  /** Returns the number of keys with a held or awaited write lock; for tests. */
  int lockedKeys() {
    return locks.size();
  }

  // ---------------------------------------------------------------- helpers

  private static <V> Cached<V> cachedOf(Optional<Versioned<V>> loaded) {
    return loaded.isPresent()
        ? Cached.present(loaded.get().value(), loaded.get().version())
        : Cached.absent();
  }

  private static <K> List<K> distinctKeys(Collection<? extends K> keys) {
    requireNonNull(keys, "keys");
    LinkedHashSet<K> distinct = new LinkedHashSet<>(keys.size() * 2);
    for (K key : keys) {
      distinct.add(requireNonNull(key, "keys: a key is null"));
    }
    return new ArrayList<>(distinct);
  }

  private static <K, V> List<K> keysOf(List<Mutation<K, V>> mutations) {
    List<K> keys = new ArrayList<>(mutations.size());
    mutations.forEach(m -> keys.add(m.key()));
    return keys;
  }
}
