package dev.tandem;

import static java.util.Objects.requireNonNull;

import dev.tandem.local.LocalTier;
import dev.tandem.spi.CacheTier;
import dev.tandem.spi.Store;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * A write-through cache in front of a database, linearizable per key.
 *
 * <p>Writes ({@link #put}, {@link #remove}, {@link #update}, ...) return only after the database
 * committed and the cache was updated. Reads ({@link #get}) are answered from the cache and loaded
 * from the database on a miss. Once a write of a key has returned, every read of that key that
 * starts later returns that write or a newer one, whatever reads, writes, evictions and expiries
 * run concurrently.
 *
 * <p>Values are cached by reference: treat them as immutable. Null keys and values are rejected
 * with a {@link NullPointerException} naming the parameter, before any I/O.
 *
 * <p>Failures are reported as unchecked exceptions: {@link StoreException} (the database failed;
 * nothing was written and the cache is unchanged), {@link CommitOutcomeUnknownException} (the
 * commit may or may not have happened; the keys are fenced until re-read), {@link
 * VersionConflictException} (a conditional write lost), {@link WriteCancelledException} (the write
 * did not reach the database within its {@linkplain Builder#writeTimeout write timeout}, or its
 * thread was interrupted while it waited; nothing was written), and {@link
 * IllegalArgumentException} for a key or value the store cannot take ({@link InvalidValueException}
 * when the {@linkplain Builder#validator validator} refused it). Keys are checked before any I/O: a
 * key of another class than the store's {@linkplain Store#keyType key type}, or a string with an
 * unpaired surrogate, is refused.
 *
 * <p><b>Callbacks.</b> An {@code update} function, a transaction's work and the validator must not
 * write through the same Tandem: such a call (a write or a transaction; reads are allowed) fails at
 * once with {@link IllegalStateException}, since it would wait for the very write that runs it.
 * Inside a transaction, use the {@link Transaction} handed to the work.
 *
 * <p>After {@link #close()}, every method but {@link #stats()} and {@code close} throws {@link
 * IllegalStateException}.
 *
 * @param <K> the key type; {@code equals} and {@code hashCode} must be consistent with the
 *     database's notion of key equality
 * @param <V> the value type
 */
public interface Tandem<K, V> extends AutoCloseable {

  /**
   * Returns a builder of a Tandem over {@code store}.
   *
   * @throws NullPointerException if store is null
   */
  static <K, V> Builder<K, V> builder(Store<K, V> store) {
    return new Builder<>(requireNonNull(store, "store"));
  }

  /**
   * Returns the value of {@code key}, from the cache or else loaded from the database (and cached).
   * Concurrent misses of one key share one database load.
   *
   * @return the value, or empty if the database has none
   * @throws StoreException if the key was not cached and the database load failed
   */
  Optional<V> get(K key);

  /**
   * Returns the value of {@code key} with its version, like {@link #get}.
   *
   * @throws StoreException if the key was not cached and the database load failed
   */
  Optional<Versioned<V>> getVersioned(K key);

  /**
   * Returns the cached value of {@code key} without ever touching the database.
   *
   * @return the cached value, or empty on a miss or a cached absence
   */
  Optional<V> getIfCached(K key);

  /**
   * Returns the values of {@code keys} that exist, loading all the misses from the database in one
   * query. Each value is as fresh as {@link #get} would return it.
   *
   * @return a map of the keys that have a value; iteration order is unspecified
   * @throws StoreException if the database load failed
   */
  Map<K, V> getAll(Collection<? extends K> keys);

  /**
   * Writes {@code value} under {@code key}: commits it to the database, then updates the cache.
   *
   * @return the version the database assigned to the write
   * @throws StoreException if the database failed; nothing was written
   * @throws CommitOutcomeUnknownException if the commit outcome is unknown
   * @throws IllegalArgumentException if the store cannot take the value
   */
  long put(K key, V value);

  /**
   * Writes all entries in one database transaction: all of them commit or none does.
   *
   * @throws StoreException if the database failed; nothing was written
   * @throws CommitOutcomeUnknownException if the commit outcome is unknown
   * @throws IllegalArgumentException if the store cannot take one of the values; it names the key
   *     and nothing was written
   */
  void putAll(Map<? extends K, ? extends V> entries);

  /**
   * Writes {@code value} only if the key's current version is {@code expectedVersion}, in one
   * database transaction that locks the key.
   *
   * @param expectedVersion the version read earlier with {@link #getVersioned}, or 0 to require the
   *     key to be absent
   * @return the new version
   * @throws VersionConflictException if the key had another version; nothing was written
   * @throws StoreException if the database failed; nothing was written
   * @throws CommitOutcomeUnknownException if the commit outcome is unknown
   */
  long putIfVersion(K key, long expectedVersion, V value);

  /**
   * Atomically replaces the value of an existing key with {@code function} applied to it, in one
   * database transaction that locks the key, so that concurrent updates are never lost. The
   * function should be quick and free of side effects; it may run on another writer's thread (the
   * one leading the group commit) and must not write through this Tandem.
   *
   * <p>With {@link Builder#updatesFromCache()}, if the key is cached with a value and the store
   * {@linkplain dev.tandem.spi.Store#putsIfVersion writes conditionally}, the function is applied
   * to the cached value on the calling thread and the result is written only if the key still has
   * the cached version, in one statement without a read; if the version moved (another node wrote,
   * or a write of this node committed first), the key is read under lock and the function applied
   * again to that value. The function may therefore run twice in one call, and its first result may
   * be discarded: it must be free of side effects.
   *
   * @return the new value, or empty if the key was absent (the function was not called)
   * @throws StoreException if the database failed; nothing was written
   * @throws CommitOutcomeUnknownException if the commit outcome is unknown
   * @throws RuntimeException whatever the function threw, unchanged (an {@link Error} too); nothing
   *     was written, and the writes that shared its database transaction are not affected
   */
  Optional<V> update(K key, UnaryOperator<V> function);

  /**
   * Sets some columns of an existing key's row, leaving the others as they are, in one database
   * statement (no read first), and caches the whole row the database returns under its new version.
   * It shares group commit with the other writes and is ordered with them like a put: of several
   * writes of one key committed in one batch, each sees the ones queued before it. The {@linkplain
   * Builder#validator validator} does not see the new value (it exists only once the database made
   * it). The Tandem {@link Builder#build} returns implements this; the default, for other
   * implementations of this interface, throws {@link UnsupportedOperationException}.
   *
   * <pre>{@code
   * Optional<Flight> delayed = flights.update(115L, Columns.set("departure", t1).and("arrival", t2));
   * }</pre>
   *
   * @return the whole new value, or empty if the key was absent (nothing was written)
   * @throws UnsupportedOperationException if the store does not {@linkplain
   *     dev.tandem.spi.Store#patchColumns apply field updates}; before any I/O
   * @throws IllegalArgumentException if a column is not one of the store's value columns (the
   *     message names it), before any I/O; or if the store cannot take a value
   * @throws StoreException if the database failed (a value of the wrong type for its column, too);
   *     nothing was written
   * @throws CommitOutcomeUnknownException if the commit outcome is unknown
   */
  default Optional<V> update(K key, Columns changes) {
    throw new UnsupportedOperationException(
        "update(key, columns): " + getClass().getName() + " does not apply field updates");
  }

  /**
   * Deletes {@code key} from the database, then records its absence in the cache.
   *
   * @return whether the key had a value
   * @throws StoreException if the database failed; nothing was deleted
   * @throws CommitOutcomeUnknownException if the commit outcome is unknown
   */
  boolean remove(K key);

  /**
   * Deletes all {@code keys} in one database transaction.
   *
   * @return how many of the keys had a value
   * @throws StoreException if the database failed; nothing was deleted
   * @throws CommitOutcomeUnknownException if the commit outcome is unknown
   */
  int removeAll(Collection<? extends K> keys);

  /**
   * Runs {@code work} as one database transaction over any number of keys: all of its writes commit
   * or none does; the cache shows none of them before the commit and all of them when this method
   * returns (race H7). Keys are locked as the work touches them; when a key is held by another
   * writer out of the global lock order, the work is abandoned and run again with the keys locked
   * up front, so two transactions never deadlock on this node; a deadlock or serialization failure
   * the database reports is retried by the {@link RetryPolicy}. The work may therefore run more
   * than once: keep it free of side effects. An attempt that the {@link Transaction} ended by
   * throwing (a restart, a database failure) never commits, even if the work caught what it threw.
   *
   * @return what the work returned
   * @throws StoreException if the database failed; nothing was written
   * @throws CommitOutcomeUnknownException if the commit outcome is unknown; the touched keys are
   *     fenced until re-read
   * @throws RuntimeException whatever the work threw; nothing was written
   */
  <R> R transaction(java.util.function.Function<? super Transaction<K, V>, ? extends R> work);

  /**
   * Joins the database transaction the caller runs on {@code connection} (auto-commit off), a
   * connection to the database of this Tandem's store: writes through the returned handle run on
   * that connection, commit or roll back with it, and reach the cache only after the caller
   * reported the commit ({@link JoinedTransaction}). Nothing is sent to the database by this call.
   * The Tandem {@link Builder#build} returns over a store that can run on a caller's connection
   * (the JDBC store) implements this; the default throws {@link UnsupportedOperationException}.
   *
   * @return a handle for the calling thread, to end with {@link JoinedTransaction#afterCommit},
   *     {@link JoinedTransaction#afterRollback} or {@link JoinedTransaction#close}
   * @throws IllegalStateException if the connection is in auto-commit mode, or this Tandem is
   *     closed
   * @throws UnsupportedOperationException if the store cannot run on a caller's connection
   */
  default JoinedTransaction<K, V> join(java.sql.Connection connection) {
    throw new UnsupportedOperationException(
        "join(connection): " + getClass().getName() + " cannot join a caller's transaction");
  }

  /**
   * Drops the cached copy of {@code key}, if any; the database is not touched.
   *
   * @throws CacheTierUnavailableException if the cache tier could not be reached (a shared tier):
   *     the copy may still be cached
   */
  void invalidate(K key);

  /**
   * Drops every cached copy; the database is not touched.
   *
   * @throws CacheTierUnavailableException if the cache tier could not be reached (a shared tier):
   *     copies may still be cached
   */
  void invalidateAll();

  /** Returns the approximate number of cached entries, cached absences included. */
  long estimatedSize();

  /** Returns a snapshot of the counters. */
  Stats stats();

  /** Closes the cache tier and the store; idempotent. */
  @Override
  void close();

  /**
   * Builds a {@link Tandem}. Each setting may be made once; a setting made twice or a bad
   * combination fails with a message naming the setting.
   *
   * @param <K> the key type
   * @param <V> the value type
   */
  final class Builder<K, V> {
    final Store<K, V> store;
    @Nullable CacheTier<K, V> tier;
    @Nullable Ticker ticker;
    @Nullable Object meterRegistry;
    @Nullable String name;
    boolean recordStats;
    @Nullable RetryPolicy retry;
    static final int DEFAULT_CONCURRENT_BATCHES = 2;
    int maxBatchSize;
    int maxConcurrentBatches;
    java.time.@Nullable Duration maxBatchWait;
    java.time.@Nullable Duration writeTimeout;
    boolean updatesFromCache;
    java.util.function.@Nullable BiConsumer<? super K, ? super V> validator;

    Builder(Store<K, V> store) {
      this.store = store;
    }

    /**
     * Sets the cache tier. Default: a {@link LocalTier} holding at most 10,000 entries with no
     * expiry.
     *
     * @throws IllegalStateException if the tier was already set
     */
    public Builder<K, V> cacheTier(CacheTier<K, V> tier) {
      requireNonNull(tier, "tier");
      if (this.tier != null) {
        throw new IllegalStateException("cache tier was already set to " + this.tier);
      }
      this.tier = tier;
      return this;
    }

    /**
     * Sets the ticker used to measure write latency. Default: {@link Ticker#system()}.
     *
     * @throws IllegalStateException if the ticker was already set
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
     * Sets the name used in metrics tags and log messages. Default: {@code "tandem"}.
     *
     * @throws IllegalStateException if the name was already set
     * @throws IllegalArgumentException if the name is blank
     */
    public Builder<K, V> name(String name) {
      requireNonNull(name, "name");
      if (this.name != null) {
        throw new IllegalStateException("name was already set to " + this.name);
      }
      if (name.isBlank()) {
        throw new IllegalArgumentException("name must not be blank");
      }
      this.name = name;
      return this;
    }

    /**
     * Counts cache hits too, for {@link Tandem#stats()} and the metrics. Off by default, as in
     * Caffeine: counting a hit costs a contended atomic increment on the read path, which is most
     * of what a hit costs. Misses, loads and writes are always counted. {@link #meterRegistry}
     * turns this on.
     *
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> recordStats() {
      if (recordStats) {
        throw new IllegalStateException("record stats was already set");
      }
      recordStats = true;
      return this;
    }

    /**
     * Publishes metrics to a Micrometer registry (micrometer-core must be on the class path):
     * {@code tandem.gets} by {@code result} (hit, miss), {@code tandem.loads}, {@code
     * tandem.load.failures}, {@code tandem.writes}, {@code tandem.write.failures}, {@code
     * tandem.write.outcome.unknown}, {@code tandem.write.retries}, {@code tandem.tier.failures},
     * {@code tandem.write.latency}, {@code tandem.evictions} and {@code tandem.size}, and the cache
     * tier's own meters ({@link dev.tandem.spi.CacheTier#registerMeters}), tagged with the name;
     * closing the Tandem removes them. {@link #build} fails if a live Tandem of the same name
     * already publishes to the registry. Implies {@link #recordStats()}. Default: no metrics.
     *
     * @param registry an {@code io.micrometer.core.instrument.MeterRegistry}
     * @throws IllegalStateException if a registry was already set
     */
    public Builder<K, V> meterRegistry(io.micrometer.core.instrument.MeterRegistry registry) {
      requireNonNull(registry, "registry");
      if (this.meterRegistry != null) {
        throw new IllegalStateException("meter registry was already set");
      }
      this.meterRegistry = registry;
      return this;
    }

    /**
     * Sets how transactions that fail for a passing reason are retried. Default: {@link
     * RetryPolicy#DEFAULT} (5 retries, backoff 2 ms to 100 ms with jitter).
     *
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> retryPolicy(RetryPolicy policy) {
      requireNonNull(policy, "policy");
      if (retry != null) {
        throw new IllegalStateException("retry policy was already set to " + retry);
      }
      retry = policy;
      return this;
    }

    /**
     * Bounds how many concurrent writes share one database transaction (group commit). Writes that
     * arrive while a transaction is committing wait for the next one and share it. Default: 256.
     *
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if less than 1
     */
    public Builder<K, V> maxBatchSize(int size) {
      if (maxBatchSize != 0) {
        throw new IllegalStateException("max batch size was already set to " + maxBatchSize);
      }
      if (size < 1) {
        throw new IllegalArgumentException("max batch size must be at least 1 but was " + size);
      }
      maxBatchSize = size;
      return this;
    }

    /**
     * Bounds how many group-commit batches commit at once, each in its own database transaction
     * (and so on its own connection). Batches in flight never share a key, so a key's writes still
     * commit and publish in order, and this node's batches never wait for each other's row locks.
     * Keep it below the store's connection pool size, which reads and transactions share. With one,
     * a single leader runs every transaction and writers wait for it even where commits are cheap
     * (an embedded database: one core does all the writing); with two, one batch runs its
     * statements while the other waits for its commit. More splits the writers into smaller
     * batches, each with its own commit, which lost on the machines measured (docs/benchmarks.md).
     * Default: 2.
     *
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if less than 1
     */
    public Builder<K, V> maxConcurrentBatches(int batches) {
      if (maxConcurrentBatches != 0) {
        throw new IllegalStateException(
            "max concurrent batches was already set to " + maxConcurrentBatches);
      }
      if (batches < 1) {
        throw new IllegalArgumentException(
            "max concurrent batches must be at least 1 but was " + batches);
      }
      maxConcurrentBatches = batches;
      return this;
    }

    /**
     * Makes a writer that finds fewer than {@code maxBatchSize} writes waiting linger this long for
     * more before it commits. Default: zero, no waiting: at low load a write commits at once, and
     * batches form by themselves while a commit is in flight.
     *
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if negative
     */
    public Builder<K, V> maxBatchWait(java.time.Duration wait) {
      requireNonNull(wait, "wait");
      if (maxBatchWait != null) {
        throw new IllegalStateException("max batch wait was already set to " + maxBatchWait);
      }
      if (wait.isNegative()) {
        throw new IllegalArgumentException("max batch wait must not be negative but was " + wait);
      }
      maxBatchWait = wait;
      return this;
    }

    /**
     * Bounds how long a write waits before its database transaction starts: for this node's locks
     * of its keys (held by a transaction or a queued write of the same keys), for its turn in group
     * commit, and for retries after passing failures (no retry starts past it). A write that has
     * not reached the database by then fails with {@link WriteCancelledException} and writes
     * nothing; so does a waiting write whose thread is interrupted. Once the database transaction
     * runs, the store's own timeouts bound it (for the JDBC store: its statement, lock and socket
     * timeouts). Must be shorter than the cache tier's {@linkplain CacheTier#writeFenceTimeout
     * write fence timeout}, so that a write never outlives its fence. Default: 10 seconds, or half
     * the tier's write fence timeout if that is shorter.
     *
     * @throws IllegalStateException if already set
     * @throws IllegalArgumentException if not positive
     */
    public Builder<K, V> writeTimeout(java.time.Duration timeout) {
      requireNonNull(timeout, "timeout");
      if (writeTimeout != null) {
        throw new IllegalStateException("write timeout was already set to " + writeTimeout);
      }
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("write timeout must be positive but was " + timeout);
      }
      writeTimeout = timeout;
      return this;
    }

    /**
     * Lets {@link Tandem#update(Object, java.util.function.UnaryOperator) update(key, function)}
     * apply the function to a cached value and write conditionally on its version, without a locked
     * read first, where the store supports it. Use it only when every write of the table goes
     * through Tandem (or bumps the version column): a row changed by other SQL keeps its version,
     * so the conditional write would match and apply the function to the cached value over the
     * newer row, losing that change (race H11). Without it, an update reads the row under the key's
     * lock, and such a change is kept. Default: off.
     *
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> updatesFromCache() {
      if (updatesFromCache) {
        throw new IllegalStateException("updates from cache was already set");
      }
      updatesFromCache = true;
      return this;
    }

    /**
     * Sets a check run on every value before it is written, before any I/O: by {@code put}, {@code
     * putAll}, {@code putIfVersion}, a transaction's {@code put}, and on the value an {@code
     * update} function returns. The validator rejects a value by throwing any {@link
     * RuntimeException}; the write then fails with {@link InvalidValueException} naming the key,
     * with that exception as its cause, and nothing is written (in {@code putAll}, none of the
     * entries). It should be quick and free of side effects; it must not call this Tandem. Default:
     * none.
     *
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> validator(java.util.function.BiConsumer<? super K, ? super V> validator) {
      requireNonNull(validator, "validator");
      if (this.validator != null) {
        throw new IllegalStateException("validator was already set to " + this.validator);
      }
      this.validator = validator;
      return this;
    }

    /**
     * Builds the Tandem. The builder may not be used again afterwards. If the store has an
     * {@linkplain Store#identity identity}, the tier is {@linkplain CacheTier#bindStore bound} to
     * it.
     *
     * @throws IllegalStateException if a {@linkplain #meterRegistry meter registry} was set and a
     *     live Tandem of the same name already publishes to it; if the write timeout is not shorter
     *     than the tier's write fence timeout; if the tier belongs to a store of another identity
     */
    public Tandem<K, V> build() {
      CacheTier<K, V> t =
          tier != null ? tier : LocalTier.<K, V>builder().maximumSize(10_000).build();
      java.time.Duration fence = t.writeFenceTimeout();
      java.time.Duration timeout = writeTimeout;
      if (timeout == null) {
        timeout = java.time.Duration.ofSeconds(10);
        if (fence != null && fence.dividedBy(2).compareTo(timeout) < 0) {
          timeout = fence.dividedBy(2);
        }
      } else if (fence != null && timeout.compareTo(fence) >= 0) {
        throw new IllegalStateException(
            "write timeout ("
                + timeout
                + ") must be shorter than the cache tier's write "
                + "fence timeout ("
                + fence
                + "), so that a write never outlives its fence");
      }
      return new WriteThroughCache<>(this, t, timeout);
    }
  }
}
