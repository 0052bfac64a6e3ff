package dev.tandem;

import java.util.Optional;

/**
 * The view of one database transaction given to the work of {@link Tandem#transaction}. Reads lock
 * their key (on this node and in the database) until the transaction ends and see the transaction's
 * own writes; writes are applied together just before the commit. The cache shows nothing of the
 * transaction before it commits, and all of it after {@code transaction} returns.
 *
 * <p>Use it only inside the work function, from the thread that runs it, and do not catch the
 * exceptions its methods throw: some of them tell Tandem to run the work again.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public interface Transaction<K, V> {

  /**
   * Returns the value of {@code key} as this transaction sees it, locking the key until the end of
   * the transaction; the database is read (not the cache), since the value is read to be changed.
   */
  Optional<V> get(K key);

  /** Writes {@code value} under {@code key} when the transaction commits. */
  void put(K key, V value);

  /**
   * Deletes {@code key} when the transaction commits.
   *
   * @return whether the key had a value, as this transaction sees it
   */
  boolean remove(K key);
}
