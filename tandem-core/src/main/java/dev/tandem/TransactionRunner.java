package dev.tandem;

import static java.util.Objects.requireNonNull;

import dev.tandem.spi.AmbiguousCommitException;
import dev.tandem.spi.CacheTier;
import dev.tandem.spi.Cached;
import dev.tandem.spi.Mutation;
import dev.tandem.spi.RejectedValueException;
import dev.tandem.spi.RetryableException;
import dev.tandem.spi.Store;
import dev.tandem.spi.StoreTransaction;
import dev.tandem.spi.Written;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The transaction runner of a {@link WriteThroughCache}: runs {@link Tandem#transaction}'s work in
 * one database transaction, with each key it touches locked exclusively on this node in a global
 * order (a key taken out of order restarts the attempt with it locked up front), and publishes the
 * committed writes only after the commit (H5, H7); a commit with an unknown outcome keeps its keys
 * fenced and reads them back (H10).
 *
 * <p>Thread-safe: each call runs on its caller's thread with its own {@link TransactionView}.
 */
final class TransactionRunner<K, V> {

  private final WriteThroughCache<K, V> cache;
  private final Store<K, V> store;
  private final CacheTier<K, V> tier;
  private final StatsCounter stats;
  private final KeyLocks<K> locks;
  private final RetryPolicy retry;
  private final Ticker ticker;

  TransactionRunner(
      WriteThroughCache<K, V> cache,
      Store<K, V> store,
      CacheTier<K, V> tier,
      StatsCounter stats,
      KeyLocks<K> locks,
      RetryPolicy retry,
      Ticker ticker) {
    this.cache = cache;
    this.store = store;
    this.tier = tier;
    this.stats = stats;
    this.locks = locks;
    this.retry = retry;
    this.ticker = ticker;
  }

  /** Runs {@code work} in one database transaction; see {@link Tandem#transaction}. */
  <R> R run(Function<? super Transaction<K, V>, ? extends R> work) {
    requireNonNull(work, "work");
    long deadline = cache.beginWrite("transaction");
    long start = ticker.read();
    Set<K> prelocked = new LinkedHashSet<>();
    int retries = 0;
    while (true) {
      try (KeyLocks.Held held = lockForTransaction(prelocked, deadline);
          TransactionView view = new TransactionView(prelocked)) {
        StoreTransaction<K, V> tx;
        try {
          tx = store.begin();
        } catch (RetryableException e) {
          retries = retryOrThrow(retries, e, view.touched(), deadline);
          continue;
        } catch (RuntimeException e) {
          stats.writeFailures.increment();
          throw new StoreException("transaction", view.touched(), e);
        }
        try {
          view.tx = tx;
          R result =
              cache.callback(
                  () -> work.apply(view)); // the caller's exceptions pass through unchanged
          view.checkIntact(); // the work may have caught what the view threw: it still counts
          Map<K, Cached<V>> publish;
          try {
            view.prepareTier();
            publish = view.flush();
            tx.commit();
          } catch (RetryableException
              | AmbiguousCommitException
              | RejectedValueException
              | CacheTierUnavailableException e) {
            throw e;
          } catch (RuntimeException e) {
            throw new StoreException("transaction", view.touched(), e);
          } catch (
              Error e) { // before or after the commit: an unknown outcome, passed on as the error
            settleUnknown(tx, view);
            throw e;
          }
          publish.forEach(cache::publish);
          view.settle();
          cache.recordWrite(publish.size(), start);
          return result;
        } catch (Restart restart) {
          prelocked.add(restart.<K>key()); // lock it up front, in the global order, and run again
        } catch (RetryableException e) {
          retries = retryOrThrow(retries, e, view.touched(), deadline);
        } catch (AmbiguousCommitException e) {
          settleUnknown(tx, view);
          throw new CommitOutcomeUnknownException("transaction", view.touched(), e);
        } catch (RejectedValueException e) {
          stats.writeFailures.increment();
          throw new IllegalArgumentException(
              "transaction: the store rejected the value of key " + e.key() + ": " + e.getMessage(),
              e);
        } catch (RuntimeException e) {
          stats.writeFailures.increment();
          throw e;
        } finally {
          cache.closeQuietly(tx);
        }
      }
    }
  }

  /**
   * After a transaction whose commit may or may not have happened: closes it (so that the read-back
   * does not wait for its locks), keeps its keys fenced and reads them back.
   */
  private void settleUnknown(StoreTransaction<K, V> tx, TransactionView view) {
    cache.closeQuietly(tx);
    stats.writeFailures.increment();
    stats.outcomeUnknown.increment();
    view.settle();
    cache.resolveAmbiguous(view.touched());
  }

  /** Locks a transaction's known keys by its deadline; a timeout counts as a failed write. */
  private KeyLocks.Held lockForTransaction(Set<K> keys, long deadline) {
    try {
      return cache.lock("transaction", keys, true, deadline);
    } catch (WriteCancelledException e) {
      stats.writeFailures.increment();
      throw e;
    }
  }

  private int retryOrThrow(int retries, RetryableException e, List<K> keys, long deadline) {
    if (retries >= retry.maxRetries()
        || System.nanoTime() + retry.ceiling(retries + 1).toNanos() - deadline > 0) {
      stats.writeFailures.increment();
      throw new StoreException("transaction", keys, e);
    }
    stats.retries.increment();
    retry.pause(retries + 1);
    return retries + 1;
  }

  /**
   * Thrown to abandon a transaction attempt that would wait for a key out of the global lock order.
   */
  private static final class Restart extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient Object key;

    Restart(Object key) {
      super(null, null, false, false);
      this.key = key;
    }

    @SuppressWarnings("unchecked")
    <K> K key() {
      return (K) key;
    }
  }

  /**
   * The caller's view of a running transaction: reads lock the key here and in the database and see
   * the transaction's own writes; writes are staged and applied in one batch before commit.
   */
  private final class TransactionView implements Transaction<K, V>, AutoCloseable {
    private final Set<K> locked;
    private final List<KeyLocks.Held> extra = new ArrayList<>();
    private final Map<K, Optional<V>> seen = new HashMap<>();
    private final Map<K, Mutation<K, V>> staged = new LinkedHashMap<>();
    private @Nullable StoreTransaction<K, V> tx;

    /**
     * What the view threw that ends this attempt (a restart, a store failure), even if the work
     * caught it.
     */
    private @Nullable RuntimeException broken;

    TransactionView(Set<K> prelocked) {
      this.locked = new LinkedHashSet<>(prelocked);
    }

    @Override
    public Optional<V> get(K key) {
      requireNonNull(key, "key");
      checkIntact();
      cache.checkKey("transaction", key);
      touch(key);
      Optional<V> known = seen.get(key);
      if (known != null) {
        return known;
      }
      Optional<V> current;
      try {
        current = requireNonNull(tx).loadForUpdate(key).map(Versioned::value);
      } catch (RetryableException e) {
        throw broken = e;
      } catch (RuntimeException e) {
        throw broken = new StoreException("transaction read", List.of(key), e);
      }
      seen.put(key, current);
      return current;
    }

    @Override
    public void put(K key, V value) {
      requireNonNull(key, "key");
      requireNonNull(value, "value");
      checkIntact();
      cache.checkKey("transaction", key);
      cache.checkValue("transaction", key, value);
      touch(key);
      staged.remove(key);
      staged.put(key, new Mutation.Put<>(key, value));
      seen.put(key, Optional.of(value));
    }

    @Override
    public boolean remove(K key) {
      boolean existed = get(key).isPresent();
      staged.remove(key);
      staged.put(key, new Mutation.Delete<>(key));
      seen.put(key, Optional.empty());
      return existed;
    }

    /** Throws what ended this attempt, if anything did: the work must not go on, nor commit. */
    void checkIntact() {
      if (broken != null) {
        throw broken;
      }
    }

    private void touch(K key) {
      if (locked.contains(key)) {
        return;
      }
      KeyLocks.Held held = locks.tryLockExclusive(key);
      if (held == null) {
        throw broken = new Restart(key);
      }
      extra.add(held);
      locked.add(key);
    }

    List<K> touched() {
      return new ArrayList<>(locked);
    }

    /** Keys the tier prepared for writing; released if the transaction does not publish them. */
    private final List<K> prepared = new ArrayList<>();

    private boolean settled;

    /** Lets the tier prepare every key about to be written (a shared tier fences them). */
    void prepareTier() {
      for (K key : staged.keySet()) {
        prepared.add(key);
        try {
          tier.beforeWrite(key);
        } catch (RuntimeException e) {
          stats.tierFailures.increment();
          throw new CacheTierUnavailableException("transaction", List.copyOf(staged.keySet()), e);
        }
      }
    }

    /** Applies the staged writes; returns what to publish once committed. */
    Map<K, Cached<V>> flush() {
      Map<K, Cached<V>> publish = new LinkedHashMap<>();
      if (staged.isEmpty()) {
        return publish;
      }
      List<Mutation<K, V>> mutations = new ArrayList<>(staged.values());
      List<Written> written = requireNonNull(tx).apply(mutations);
      for (int i = 0; i < mutations.size(); i++) {
        publish.put(
            mutations.get(i).key(),
            requireNonNull(WriteRequest.committed(mutations.get(i), written.get(i))));
      }
      return publish;
    }

    /** Marks the prepared keys as published or as kept fenced (unknown outcome). */
    void settle() {
      settled = true;
    }

    @Override
    public void close() {
      if (!settled) {
        prepared.forEach(cache::abandon);
      }
      extra.forEach(KeyLocks.Held::close);
    }
  }
}
