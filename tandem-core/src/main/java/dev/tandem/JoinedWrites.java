package dev.tandem;

import static java.util.Objects.requireNonNull;

import dev.tandem.spi.Cached;
import dev.tandem.spi.Mutation;
import dev.tandem.spi.RejectedValueException;
import dev.tandem.spi.StoreTransaction;
import dev.tandem.spi.Written;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * The writes of one caller-owned database transaction ({@link JoinedTransaction}).
 *
 * <p><b>Design.</b> Each key is taken, on its first use, exclusively in this node's {@link
 * KeyLocks} (so this node's other writers of it wait, and the tier sees one writer of the key at a
 * time), then prepared in the tier ({@link dev.tandem.spi.CacheTier#beforeWrite}: a shared tier
 * fences it), and only then written on the caller's connection; the lock and the fence are held
 * until the caller reports the outcome. The cache is touched only after the reported commit, with
 * each key's newest entry through the engine's publish, which revokes the leases of loads that read
 * the row before the commit (H2, H12); a rollback only abandons the prepares (H5, H7); an unknown
 * outcome is resolved as an ambiguous commit is (H10). A prepare whose fence may have lapsed is
 * repeated just before the commit, so the fence covers the commit and the publish (H4).
 */
final class JoinedWrites<K, V> implements JoinedTransaction<K, V> {

  /** A key this transaction locked: how many times the tier prepared it, and when last. */
  private static final class Touched {
    final KeyLocks.Held lock;
    int prepares;
    long preparedAt;

    Touched(KeyLocks.Held lock) {
      this.lock = lock;
    }
  }

  private final WriteThroughCache<K, V> cache;
  private final StoreTransaction<K, V> tx;
  private final Thread owner = Thread.currentThread();
  private final long start;

  /** Half the tier's write fence timeout in nanoseconds, or 0 if its fences do not lapse. */
  private final long refenceAfter;

  private final Map<K, Touched> touched = new LinkedHashMap<>();

  /** The newest entry of each written key, as this transaction sees it. */
  private final Map<K, Cached<V>> written = new LinkedHashMap<>();

  /** What failed in the database, if anything did: the transaction must not commit. */
  private @Nullable RuntimeException broken;

  private boolean ended;
  private boolean closed;

  JoinedWrites(
      WriteThroughCache<K, V> cache,
      StoreTransaction<K, V> tx,
      @Nullable Duration fenceTimeout,
      long start) {
    this.cache = cache;
    this.tx = tx;
    this.start = start;
    this.refenceAfter = fenceTimeout == null ? 0 : fenceTimeout.dividedBy(2).toNanos();
  }

  @Override
  public Optional<V> get(K key) {
    requireNonNull(key, "key");
    checkOpen("get");
    Cached<V> own = written.get(key);
    return own != null ? own.optional() : cache.get(key);
  }

  @Override
  public Optional<Versioned<V>> getVersioned(K key) {
    requireNonNull(key, "key");
    checkOpen("getVersioned");
    Cached<V> own = written.get(key);
    if (own == null) {
      return cache.getVersioned(key);
    }
    V value = own.value();
    return value == null ? Optional.empty() : Optional.of(new Versioned<>(value, own.version()));
  }

  @Override
  public Map<K, V> getAll(Collection<? extends K> keys) {
    requireNonNull(keys, "keys");
    checkOpen("getAll");
    List<K> others = new ArrayList<>(keys.size());
    for (K key : keys) {
      if (!written.containsKey(requireNonNull(key, "keys: a key is null"))) {
        others.add(key);
      }
    }
    Map<K, V> result = new HashMap<>(cache.getAll(others));
    for (K key : keys) {
      Cached<V> own = written.get(key);
      if (own != null && own.value() != null) {
        result.put(key, own.value());
      }
    }
    return result;
  }

  @Override
  public Optional<V> getForUpdate(K key) {
    requireNonNull(key, "key");
    checkWritable("getForUpdate", key);
    lock(
        "getForUpdate",
        key); // read even a key written here: the caller's own SQL may have changed it since
    return readLocked("getForUpdate", key).map(Versioned::value);
  }

  @Override
  public long put(K key, V value) {
    requireNonNull(key, "key");
    requireNonNull(value, "value");
    checkWritable("put", key);
    cache.checkValue("put", key, value);
    return write("put", new Mutation.Put<>(key, value)).version();
  }

  @Override
  public boolean remove(K key) {
    requireNonNull(key, "key");
    checkWritable("remove", key);
    return write("remove", new Mutation.Delete<>(key)).existed();
  }

  @Override
  public Optional<V> update(K key, UnaryOperator<V> function) {
    requireNonNull(key, "key");
    requireNonNull(function, "function");
    Optional<V> current = getForUpdate(key);
    if (current.isEmpty()) {
      return current;
    }
    V next =
        requireNonNull(
            cache.callback(() -> function.apply(current.get())),
            () -> "update: the function returned null for key " + key);
    put(key, next);
    return Optional.of(next);
  }

  @Override
  public Optional<V> update(K key, Columns changes) {
    requireNonNull(key, "key");
    requireNonNull(changes, "changes");
    checkWritable("update", key);
    cache.checkColumns(changes);
    Mutation.Patch<K, V> patch = new Mutation.Patch<>(key, changes.asMap());
    Written w = write("update", patch);
    return w.wrote()
        ? Optional.ofNullable(requireNonNull(written.get(key)).value())
        : Optional.empty();
  }

  @Override
  public long putIfVersion(K key, long expectedVersion, V value) {
    WriteThroughCache.checkPutIfVersion(key, expectedVersion, value);
    checkWritable("putIfVersion", key);
    cache.checkValue("putIfVersion", key, value);
    lock("putIfVersion", key);
    long actual = readLocked("putIfVersion", key).map(Versioned::version).orElse(0L);
    if (actual != expectedVersion) {
      throw new VersionConflictException(key, expectedVersion, actual);
    }
    return write("putIfVersion", new Mutation.Put<>(key, value)).version();
  }

  /**
   * Locks and prepares the key, applies the mutation on the caller's connection, records its entry.
   */
  private Written write(String operation, Mutation<K, V> mutation) {
    K key = mutation.key();
    Touched t = lock(operation, key);
    if (t.prepares == 0) {
      prepare(operation, key, t);
    }
    Written w;
    try {
      w = tx.apply(List.of(mutation)).get(0);
    } catch (RejectedValueException e) {
      throw new IllegalArgumentException(
          operation + ": the store rejected the value of key " + key + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      cache.stats.writeFailures.increment();
      throw broken = new StoreException(operation, List.of(key), e);
    }
    Cached<V> entry = WriteRequest.committed(mutation, w);
    if (entry != null) {
      written.put(key, entry);
    }
    return w;
  }

  private Optional<Versioned<V>> readLocked(String operation, K key) {
    try {
      return tx.loadForUpdate(key);
    } catch (RuntimeException e) {
      throw broken = new StoreException(operation, List.of(key), e);
    }
  }

  /** Takes the key in this node's locks, once per transaction, by the write timeout. */
  private Touched lock(String operation, K key) {
    Touched t = touched.get(key);
    if (t == null) {
      t = new Touched(cache.lock(operation, List.of(key), true, cache.beginWrite(operation)));
      touched.put(key, t);
    }
    return t;
  }

  private void prepare(String operation, K key, Touched t) {
    try {
      cache.tier().beforeWrite(key);
    } catch (RuntimeException e) {
      cache.stats.tierFailures.increment();
      throw new CacheTierUnavailableException(operation, List.of(key), e);
    }
    t.prepares++;
    t.preparedAt = System.nanoTime();
  }

  @Override
  public void beforeCommit() {
    checkOpen("beforeCommit");
    RuntimeException failure = broken;
    if (failure != null) {
      throw new IllegalStateException(
          "a Tandem write in this transaction failed ("
              + failure.getMessage()
              + "); the transaction must be rolled back",
          failure);
    }
    if (refenceAfter == 0) {
      return;
    }
    long now = System.nanoTime();
    touched.forEach(
        (key, t) -> {
          if (t.prepares > 0 && now - t.preparedAt >= refenceAfter) {
            try {
              prepare(
                  "commit", key,
                  t); // the first fence may lapse before the commit publishes: place a new one
            } catch (CacheTierUnavailableException e) {
              throw broken = e;
            }
          }
        });
  }

  @Override
  public void afterCommit() {
    checkOpen("afterCommit");
    if (broken != null) {
      close(); // committed after a failure: what the database kept is unknown here, so read it back
      return;
    }
    ended = true;
    try {
      touched.forEach(
          (key, t) -> {
            Cached<V> entry = written.get(key);
            for (int i = entry != null ? 1 : 0; i < t.prepares; i++) {
              cache.abandon(key); // the superseded prepares of the key: its last one publishes
            }
            if (entry != null) {
              cache.publish(key, entry);
            }
          });
      cache.recordWrite(written.size(), start);
    } finally {
      release();
    }
  }

  @Override
  public void afterRollback() {
    checkOpen("afterRollback");
    ended = true;
    try {
      touched.forEach(
          (key, t) -> {
            for (int i = 0; i < t.prepares; i++) {
              cache.abandon(key);
            }
          });
    } finally {
      release();
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    checkOwner("close");
    if (ended) {
      closed = true;
      return;
    }
    ended = true;
    try {
      List<K> prepared = new ArrayList<>();
      touched.forEach(
          (key, t) -> {
            if (t.prepares > 0) {
              prepared.add(key);
            }
          });
      if (!prepared.isEmpty()) {
        cache.stats.outcomeUnknown.increment();
        cache.resolveAmbiguous(prepared);
      }
    } finally {
      release();
    }
  }

  private void release() {
    closed = true;
    tx.close();
    touched.values().forEach(t -> t.lock.close());
  }

  private void checkWritable(String operation, K key) {
    checkOpen(operation);
    cache.checkKey(operation, key);
  }

  private void checkOpen(String operation) {
    checkOwner(operation);
    if (ended || closed) {
      throw new IllegalStateException(operation + ": this joined transaction has ended");
    }
  }

  private void checkOwner(String operation) {
    if (Thread.currentThread() != owner) {
      throw new IllegalStateException(
          operation
              + ": a joined transaction is used by the thread that joined ("
              + owner.getName()
              + "), not "
              + Thread.currentThread().getName());
    }
  }
}
