package dev.tandem;

import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Tandem writes inside a database transaction that the caller owns, returned by {@link
 * Tandem#join}: each write runs at once on the caller's connection, so the caller's rollback undoes
 * it, the caller's own later SQL sees it, and it never waits for a lock the caller's transaction
 * holds. The caller ends its transaction itself, then tells the handle how it ended.
 *
 * <pre>{@code
 * connection.setAutoCommit(false);
 * JoinedTransaction<Long, Flight> tx = flights.join(connection);
 * try {
 *   try {
 *     tx.put(115L, delayed);
 *     // ... the application's own SQL on the same connection ...
 *     tx.beforeCommit();           // if it throws, roll back
 *   } catch (SQLException | RuntimeException e) {
 *     connection.rollback();
 *     tx.afterRollback();          // nothing is cached, the fences are lifted
 *     throw e;
 *   }
 *   connection.commit();
 *   tx.afterCommit();              // the new versions reach the cache; now every node reads them
 * } finally {
 *   tx.close();                    // if the commit threw: outcome unknown, the keys are read back
 * }
 * }</pre>
 *
 * <p><b>Cache.</b> From a key's first write until the outcome is reported, the key is fenced in a
 * shared tier (no node serves or fills it) and locked against this node's other writers; nothing of
 * the transaction is cached before {@link #afterCommit}, which installs each key's newest version
 * (a read-miss load that read the row before the commit is refused by its lease), so a read that
 * starts after {@code afterCommit} returned sees the transaction's writes on every node (race H12).
 * {@link #afterRollback} lifts the fences and caches nothing. {@link #close} without either reports
 * an unknown outcome: the keys stay fenced and are read back from the database under its lock, as
 * after a commit whose connection was cut.
 *
 * <p><b>Fence timeout.</b> A shared tier's fence lapses after its {@linkplain
 * dev.tandem.spi.CacheTier#writeFenceTimeout write fence timeout} (30 seconds for Redis by
 * default); a transaction may last longer. While it runs, a lapsed fence only lets other nodes
 * cache the committed row, which is still the current one. {@link #beforeCommit} fences again every
 * key whose fence is older than half the timeout (dropping what was cached meanwhile), so the
 * commit and {@code afterCommit} have at least half the timeout before the fence can lapse; if the
 * tier cannot be reached it throws, and the caller must roll back. Keep the caller's commit bounded
 * well below that (the connection's socket timeout).
 *
 * <p><b>Reads.</b> {@link #get} sees the transaction's own writes through this handle; other keys
 * are read as {@link Tandem#get} reads them (committed data). {@link #getForUpdate}, {@link
 * #update} and {@link #putIfVersion} read the row on the caller's connection, so they also see the
 * caller's own SQL. Writes made with other SQL are not seen by the cache: they bypass it as any
 * other SQL does.
 *
 * <p><b>Failures.</b> A write that fails in the database throws {@link StoreException}; the
 * caller's transaction may be unusable (PostgreSQL aborts it) and {@link #beforeCommit} then
 * refuses to commit: roll back. Nothing is retried (the transaction is the caller's). A key locked
 * by another writer of this node is waited for until the {@linkplain Tandem.Builder#writeTimeout
 * write timeout} ({@link WriteCancelledException}); a database lock, until the connection's lock
 * timeout.
 *
 * <p><b>Threads.</b> Not thread-safe: use the handle from the thread that joined, as the
 * connection's transaction is (every method throws {@link IllegalStateException} on another
 * thread), and end it with exactly one of {@link #afterCommit}, {@link #afterRollback}, {@link
 * #close} (which may follow either). Until then its keys stay locked against this node's other
 * writers.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public interface JoinedTransaction<K, V> extends AutoCloseable {

  /**
   * Returns the value of {@code key} as this transaction sees it: its own last write of the key
   * through this handle, else what {@link Tandem#get} returns. Takes no lock.
   *
   * @throws StoreException if the key was neither written here nor cached and the load failed
   */
  Optional<V> get(K key);

  /**
   * Returns the value of {@code key} with its version as this transaction sees it, like {@link
   * #get}: for the transaction's own write, the version the database assigned to it (not yet
   * committed).
   *
   * @throws StoreException if the key was neither written here nor cached and the load failed
   */
  Optional<Versioned<V>> getVersioned(K key);

  /**
   * Returns the values of {@code keys} that exist as this transaction sees them: its own writes,
   * and for the other keys what {@link Tandem#getAll} returns.
   *
   * @throws StoreException if the database load failed
   */
  java.util.Map<K, V> getAll(java.util.Collection<? extends K> keys);

  /**
   * Returns the value of {@code key} as this transaction sees it, read on the caller's connection
   * after locking the key (on this node and in the database) until the transaction ends: for a read
   * that decides a write. It reads the database even for a key written through this handle, so it
   * also sees what the caller's own SQL changed since.
   *
   * @throws StoreException if the database failed
   * @throws WriteCancelledException if another writer of this node held the key past the write
   *     timeout
   */
  Optional<V> getForUpdate(K key);

  /**
   * Writes {@code value} under {@code key} on the caller's connection, now.
   *
   * @return the version the database assigned, which becomes visible when the caller commits
   * @throws StoreException if the database failed; roll back
   * @throws CacheTierUnavailableException if the key could not be fenced; nothing was sent
   * @throws WriteCancelledException if another writer of this node held the key past the write
   *     timeout
   * @throws IllegalArgumentException if the store cannot take the value
   */
  long put(K key, V value);

  /**
   * Deletes {@code key} on the caller's connection, now.
   *
   * @return whether the key had a value, as this transaction sees it
   * @throws StoreException if the database failed; roll back
   * @throws CacheTierUnavailableException if the key could not be fenced; nothing was sent
   * @throws WriteCancelledException if another writer of this node held the key past the write
   *     timeout
   */
  boolean remove(K key);

  /**
   * Replaces the value of an existing key with {@code function} applied to it: reads the key as
   * {@link #getForUpdate} does, then writes as {@link #put} does.
   *
   * @return the new value, or empty if the key was absent (the function was not called)
   * @throws StoreException if the database failed; roll back
   * @throws RuntimeException whatever the function threw; nothing was written
   */
  Optional<V> update(K key, UnaryOperator<V> function);

  /**
   * Sets some columns of an existing key's row, as {@link Tandem#update(Object, Columns)} does, on
   * the caller's connection.
   *
   * @return the whole new value, or empty if the key was absent
   * @throws UnsupportedOperationException if the store does not apply field updates
   * @throws IllegalArgumentException if a column is not one of the store's value columns
   * @throws StoreException if the database failed; roll back
   */
  Optional<V> update(K key, Columns changes);

  /**
   * Writes {@code value} only if the key's version, read under lock as {@link #getForUpdate} does,
   * is {@code expectedVersion} (0: the key must be absent).
   *
   * @return the new version
   * @throws VersionConflictException if the key had another version; nothing was written
   * @throws StoreException if the database failed; roll back
   */
  long putIfVersion(K key, long expectedVersion, V value);

  /**
   * Call just before committing the caller's transaction: fences again the keys whose fence is
   * older than half the tier's write fence timeout. If it throws, the transaction must be rolled
   * back (and {@link #afterRollback} called).
   *
   * @throws IllegalStateException if a write of this transaction failed (the database may have
   *     aborted the transaction, and the cache could not tell what it committed)
   * @throws CacheTierUnavailableException if a key could not be fenced again
   */
  void beforeCommit();

  /**
   * Call after the caller's transaction committed: installs each written key's newest version in
   * the cache, lifts the fences and the locks. Never throws for a cache tier failure: a key the
   * tier could not update is fenced, as after any write whose cache update failed (race H4). If
   * {@link #beforeCommit} threw, or a write failed, the keys are read back instead, as by {@link
   * #close}.
   */
  void afterCommit();

  /**
   * Call after the caller's transaction rolled back: caches nothing, lifts the fences and the
   * locks. Not after a commit that threw (it may have committed): call {@link #close} alone then.
   */
  void afterRollback();

  /**
   * Ends the handle. If neither {@link #afterCommit} nor {@link #afterRollback} was called, the
   * outcome is unknown (the commit threw, or the caller gave up): the written keys stay fenced and
   * are read back from the database under its lock (which waits for the caller's transaction to
   * end, up to the store's lock timeout; if that read fails they stay fenced, and reads go to the
   * database until the key's next write), then the locks are released. Call it after the caller's
   * transaction ended; idempotent.
   */
  @Override
  void close();
}
