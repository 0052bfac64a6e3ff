package dev.tandem;

import static java.util.Objects.requireNonNull;

import dev.tandem.metrics.TandemMetrics;
import dev.tandem.spi.AmbiguousCommitException;
import dev.tandem.spi.CacheTier;
import dev.tandem.spi.Cached;
import dev.tandem.spi.Mutation;
import dev.tandem.spi.RejectedValueException;
import dev.tandem.spi.Store;
import dev.tandem.spi.StoreTransaction;
import dev.tandem.spi.Written;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write-through engine.
 *
 * <p><b>Writes</b> run under this node's lock of their keys ({@link KeyLocks}): one database
 * transaction, then, only after it committed, one {@link CacheTier#applyCommitted} per key with
 * the version the database assigned. The tier keeps the newest version, so cache updates can
 * never be applied out of order (H1); the cache is never touched before the commit (H5, H7). A
 * commit with an unknown outcome fences its keys and re-reads them under a database lock before
 * the caller hears of it, and is never retried (H10).
 *
 * <p><b>Reads</b> ask the tier; a miss takes a lease from the tier before reading the database and
 * fills under that lease, which any committed write revokes (H2, H3, H6). Concurrent misses of a
 * key share one load (a "flight"); a write drops the key's flight before returning, so a read that
 * starts after a write returned never joins a load that began before the write committed.
 *
 * <p>No database I/O runs inside a cache compute or under a lock that other keys need.
 */
final class WriteThroughCache<K, V> implements Tandem<K, V> {

  private static final Logger log = LoggerFactory.getLogger(WriteThroughCache.class);

  private final Store<K, V> store;
  private final CacheTier<K, V> tier;
  private final Ticker ticker;
  private final String name;
  private final KeyLocks<K> locks = new KeyLocks<>();
  private final ConcurrentHashMap<K, CompletableFuture<Cached<V>>> flights = new ConcurrentHashMap<>();
  private final StatsCounter stats = new StatsCounter();
  private final LongConsumer writeLatency;
  private final boolean countHits;
  private final AtomicBoolean closed = new AtomicBoolean();

  WriteThroughCache(Builder<K, V> builder, CacheTier<K, V> tier) {
    this.store = builder.store;
    this.tier = tier;
    this.ticker = builder.ticker != null ? builder.ticker : Ticker.system();
    this.name = builder.name != null ? builder.name : "tandem";
    this.countHits = builder.recordStats || builder.meterRegistry != null;
    this.writeLatency = builder.meterRegistry != null
        ? TandemMetrics.bind(this, (io.micrometer.core.instrument.MeterRegistry) builder.meterRegistry, name)
        : nanos -> {};
  }

  // ---------------------------------------------------------------- reads

  @Override
  public Optional<V> get(K key) {
    requireNonNull(key, "key");
    Cached<V> cached = tier.getIfPresent(key);
    if (cached != null) {
      if (countHits) {
        stats.hits.increment();
      }
      return Optional.ofNullable(cached.value());
    }
    stats.misses.increment();
    return load(key).optional();
  }

  @Override
  public Optional<Versioned<V>> getVersioned(K key) {
    requireNonNull(key, "key");
    Cached<V> cached = tier.getIfPresent(key);
    if (cached != null) {
      if (countHits) {
        stats.hits.increment();
      }
    } else {
      stats.misses.increment();
      cached = load(key);
    }
    long version = cached.version();
    V value = cached.value();
    return value == null ? Optional.empty() : Optional.of(new Versioned<>(value, version));
  }

  @Override
  public Optional<V> getIfCached(K key) {
    requireNonNull(key, "key");
    Cached<V> cached = tier.getIfPresent(key);
    if (cached == null) {
      stats.misses.increment();
      return Optional.empty();
    }
    if (countHits) {
      stats.hits.increment();
    }
    return cached.optional();
  }

  @Override
  public Map<K, V> getAll(Collection<? extends K> keys) {
    List<K> distinct = distinctKeys(keys);
    Map<K, Cached<V>> found = new HashMap<>(tier.getAllPresent(distinct));
    if (countHits) {
      stats.hits.add(found.size());
    }
    if (found.size() < distinct.size()) {
      List<K> missing = new ArrayList<>(distinct.size() - found.size());
      for (K key : distinct) {
        if (!found.containsKey(key)) {
          missing.add(key);
        }
      }
      stats.misses.add(missing.size());
      found.putAll(loadAll(missing));
    }
    Map<K, V> result = new HashMap<>(found.size() * 2);
    found.forEach((key, cached) -> {
      if (cached.value() != null) {
        result.put(key, cached.value());
      }
    });
    return result;
  }

  /** Loads one key on a miss, sharing the load with concurrent misses of the same key. */
  private Cached<V> load(K key) {
    CompletableFuture<Cached<V>> mine = new CompletableFuture<>();
    CompletableFuture<Cached<V>> running = flights.putIfAbsent(key, mine);
    if (running != null) {
      return await(key, running);
    }
    long lease = tier.beginFill(key);
    try {
      stats.loads.increment();
      Cached<V> loaded = cachedOf(store.load(key));
      tier.fill(key, lease, loaded);
      mine.complete(loaded);
      return loaded;
    } catch (RuntimeException | Error e) {
      tier.cancelFill(key, lease);
      stats.loadFailures.increment();
      RuntimeException failure = e instanceof Error err ? new StoreException("load", List.of(key), err)
          : new StoreException("load", List.of(key), e);
      mine.completeExceptionally(failure);
      throw failure;
    } finally {
      flights.remove(key, mine);
    }
  }

  /** Loads missing keys in one store call; keys already in flight are joined instead. */
  private Map<K, Cached<V>> loadAll(List<K> missing) {
    Map<K, CompletableFuture<Cached<V>>> owned = new LinkedHashMap<>();
    Map<K, CompletableFuture<Cached<V>>> joined = new HashMap<>();
    for (K key : missing) {
      CompletableFuture<Cached<V>> mine = new CompletableFuture<>();
      CompletableFuture<Cached<V>> running = flights.putIfAbsent(key, mine);
      if (running == null) {
        owned.put(key, mine);
      } else {
        joined.put(key, running);
      }
    }
    Map<K, Cached<V>> result = new HashMap<>(missing.size() * 2);
    if (!owned.isEmpty()) {
      Map<K, Long> leases = new HashMap<>(owned.size() * 2);
      owned.keySet().forEach(key -> leases.put(key, tier.beginFill(key)));
      try {
        stats.loads.add(owned.size());
        Map<K, Versioned<V>> loaded = store.loadAll(owned.keySet());
        owned.forEach((key, flight) -> {
          Versioned<V> v = loaded.get(key);
          Cached<V> cached = v == null ? Cached.absent() : Cached.present(v.value(), v.version());
          tier.fill(key, leases.get(key), cached);
          flight.complete(cached);
          result.put(key, cached);
        });
      } catch (RuntimeException e) {
        stats.loadFailures.add(owned.size());
        StoreException failure = new StoreException("load", List.copyOf(owned.keySet()), e);
        owned.forEach((key, flight) -> {
          tier.cancelFill(key, leases.get(key));
          flight.completeExceptionally(failure);
        });
        throw failure;
      } finally {
        owned.forEach(flights::remove);
      }
    }
    joined.forEach((key, flight) -> result.put(key, await(key, flight)));
    return result;
  }

  private Cached<V> await(K key, CompletableFuture<Cached<V>> flight) {
    try {
      return flight.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StoreException failure) {
        throw failure;
      }
      throw new StoreException("load", List.of(key), e.getCause());
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
    return writeThrough("put", List.of(key), (tx, publish) -> {
      long version = tx.apply(List.of(new Mutation.Put<>(key, value))).get(0).version();
      publish.put(key, Cached.present(value, version));
      return version;
    });
  }

  @Override
  public void putAll(Map<? extends K, ? extends V> entries) {
    requireNonNull(entries, "entries");
    List<Mutation<K, V>> mutations = new ArrayList<>(entries.size());
    entries.forEach((key, value) -> {
      requireNonNull(key, "putAll: a key is null");
      requireNonNull(value, () -> "putAll: the value of key " + key + " is null");
      mutations.add(new Mutation.Put<>(key, value));
    });
    if (mutations.isEmpty()) {
      return;
    }
    writeThrough("putAll", keysOf(mutations), (tx, publish) -> {
      List<Written> written = tx.apply(mutations);
      for (int i = 0; i < mutations.size(); i++) {
        Mutation.Put<K, V> put = (Mutation.Put<K, V>) mutations.get(i);
        publish.put(put.key(), Cached.present(put.value(), written.get(i).version()));
      }
      return null;
    });
  }

  @Override
  public long putIfVersion(K key, long expectedVersion, V value) {
    requireNonNull(key, "key");
    requireNonNull(value, "value");
    if (expectedVersion < 0) {
      throw new IllegalArgumentException("expected version must not be negative but was " + expectedVersion);
    }
    return writeThrough("putIfVersion", List.of(key), (tx, publish) -> {
      long actual = tx.loadForUpdate(key).map(Versioned::version).orElse(0L);
      if (actual != expectedVersion) {
        throw new VersionConflictException(key, expectedVersion, actual);
      }
      long version = tx.apply(List.of(new Mutation.Put<>(key, value))).get(0).version();
      publish.put(key, Cached.present(value, version));
      return version;
    });
  }

  @Override
  public Optional<V> update(K key, UnaryOperator<V> function) {
    requireNonNull(key, "key");
    requireNonNull(function, "function");
    return writeThrough("update", List.of(key), (tx, publish) -> {
      Optional<Versioned<V>> current = tx.loadForUpdate(key);
      if (current.isEmpty()) {
        return Optional.<V>empty();
      }
      V next;
      try {
        next = function.apply(current.get().value());
      } catch (RuntimeException e) {
        throw new CallerFailure(e);
      }
      requireNonNull(next, () -> "update: the function returned null for key " + key);
      long version = tx.apply(List.of(new Mutation.Put<>(key, next))).get(0).version();
      publish.put(key, Cached.present(next, version));
      return Optional.of(next);
    });
  }

  @Override
  public boolean remove(K key) {
    requireNonNull(key, "key");
    return writeThrough("remove", List.of(key), (tx, publish) -> {
      Written written = tx.apply(List.of(new Mutation.Delete<K, V>(key))).get(0);
      publish.put(key, Cached.deleted(written.version()));
      return written.existed();
    });
  }

  @Override
  public int removeAll(Collection<? extends K> keys) {
    List<K> distinct = distinctKeys(keys);
    if (distinct.isEmpty()) {
      return 0;
    }
    List<Mutation<K, V>> mutations = new ArrayList<>(distinct.size());
    distinct.forEach(key -> mutations.add(new Mutation.Delete<>(key)));
    return writeThrough("removeAll", distinct, (tx, publish) -> {
      List<Written> written = tx.apply(mutations);
      int existed = 0;
      for (int i = 0; i < distinct.size(); i++) {
        publish.put(distinct.get(i), Cached.deleted(written.get(i).version()));
        existed += written.get(i).existed() ? 1 : 0;
      }
      return existed;
    });
  }

  /** The part of a write that runs inside its database transaction. */
  @FunctionalInterface
  private interface Work<K, V, R> {
    /** Does the transaction's work and records in {@code publish} what to cache after commit. */
    R run(StoreTransaction<K, V> tx, Map<K, Cached<V>> publish);
  }

  /** A failure of the caller's own function, passed through unchanged. */
  private static final class CallerFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CallerFailure(RuntimeException cause) {
      super(cause);
    }
  }

  /**
   * Locks the keys, runs {@code work} in one transaction, commits, and only then publishes to the
   * tier what the work recorded.
   */
  private <R> R writeThrough(String operation, List<K> keys, Work<K, V, R> work) {
    long start = ticker.read();
    try (KeyLocks.Held held = keys.size() == 1 ? locks.lock(keys.get(0)) : locks.lockAll(keys)) {
      Map<K, Cached<V>> publish = new LinkedHashMap<>();
      R result = commit(operation, keys, work, publish);
      publish.forEach(this::publish);
      long nanos = ticker.read() - start;
      stats.writes.add(publish.size());
      stats.writeNanos.add(nanos);
      writeLatency.accept(nanos);
      return result;
    }
  }

  private <R> R commit(String operation, List<K> keys, Work<K, V, R> work, Map<K, Cached<V>> publish) {
    StoreTransaction<K, V> tx;
    try {
      tx = store.begin();
    } catch (RuntimeException e) {
      stats.writeFailures.increment();
      throw new StoreException(operation, keys, e);
    }
    try {
      R result = work.run(tx, publish);
      tx.commit();
      return result;
    } catch (CallerFailure e) {
      stats.writeFailures.increment();
      throw (RuntimeException) e.getCause();
    } catch (VersionConflictException | NullPointerException e) {
      stats.writeFailures.increment();
      throw e;
    } catch (RejectedValueException e) {
      stats.writeFailures.increment();
      throw new IllegalArgumentException(
          operation + ": the store rejected the value of key " + e.key() + ": " + e.getMessage(), e);
    } catch (AmbiguousCommitException e) {
      stats.writeFailures.increment();
      stats.outcomeUnknown.increment();
      resolveAmbiguous(keys);
      throw new CommitOutcomeUnknownException(operation, keys, e);
    } catch (RuntimeException e) {
      stats.writeFailures.increment();
      throw new StoreException(operation, keys, e);
    } finally {
      closeQuietly(tx);
    }
  }

  /** Publishes a committed entry; a tier failure must not turn a committed write into an error (H4). */
  private void publish(K key, Cached<V> committed) {
    try {
      tier.applyCommitted(key, committed);
    } catch (RuntimeException e) {
      log.warn("{}: cache update of key {} failed after commit; fencing the key", name, key, e);
      try {
        tier.fence(key);
      } catch (RuntimeException fenceFailure) {
        e.addSuppressed(fenceFailure);
        log.error("{}: could not fence key {} after a failed cache update", name, key, fenceFailure);
      }
    }
    flights.remove(key);
  }

  /**
   * After a commit with an unknown outcome: fence the keys so that nothing cached is served or
   * filled, then read their true state under a database lock (which waits for the cut-off
   * transaction to end) and publish it. If that read fails too, the keys stay fenced: reads go to
   * the database until the next committed write of the key.
   */
  private void resolveAmbiguous(List<K> keys) {
    for (K key : keys) {
      tier.fence(key);
      flights.remove(key);
    }
    Map<K, Cached<V>> truth = new LinkedHashMap<>();
    try (StoreTransaction<K, V> tx = store.begin()) {
      for (K key : keys) {
        truth.put(key, cachedOf(tx.loadForUpdate(key)));
      }
      tx.commit();
    } catch (RuntimeException e) {
      log.warn("{}: could not re-read {} after an ambiguous commit; they stay fenced", name, keys, e);
      return;
    }
    truth.forEach(tier::applyCommitted);
  }

  private void closeQuietly(StoreTransaction<K, V> tx) {
    try {
      tx.close();
    } catch (RuntimeException e) {
      log.debug("{}: closing a store transaction failed", name, e);
    }
  }

  // ---------------------------------------------------------------- management

  @Override
  public void invalidate(K key) {
    requireNonNull(key, "key");
    tier.invalidate(key);
  }

  @Override
  public void invalidateAll() {
    tier.invalidateAll();
  }

  @Override
  public long estimatedSize() {
    return tier.estimatedSize();
  }

  @Override
  public Stats stats() {
    return stats.snapshot(tier.evictionCount());
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      try {
        tier.close();
      } finally {
        store.close();
      }
    }
  }

  @Override
  public String toString() {
    return "Tandem{" + name + ", " + tier + "}";
  }

  /** Returns the load in flight for {@code key}, if any; for tests. */
  @org.jspecify.annotations.Nullable CompletableFuture<Cached<V>> flight(K key) {
    return flights.get(key);
  }

  /** Returns the number of keys with a held or awaited write lock; for tests. */
  int lockedKeys() {
    return locks.size();
  }

  // ---------------------------------------------------------------- helpers

  private static <V> Cached<V> cachedOf(Optional<Versioned<V>> loaded) {
    return loaded.isPresent() ? Cached.present(loaded.get().value(), loaded.get().version()) : Cached.absent();
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
