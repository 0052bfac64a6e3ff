package dev.tandem.spring;

import static java.util.Objects.requireNonNull;

import dev.tandem.Columns;
import dev.tandem.JoinedTransaction;
import dev.tandem.Stats;
import dev.tandem.Tandem;
import dev.tandem.Transaction;
import dev.tandem.Versioned;
import java.sql.Connection;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.datasource.ConnectionHolder;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * A Tandem whose writes join the Spring-managed transaction of its data source on the calling
 * thread ({@link SpringTransactions#joining}). The transaction's {@link JoinedTransaction} is a
 * resource of the thread under this wrapper as key, bound at the first write and unbound when the
 * transaction completes ({@link JoinedSynchronization}); reads use it if it is bound.
 */
final class TransactionJoiningTandem<K, V> implements Tandem<K, V> {

  private final Tandem<K, V> tandem;
  private final DataSource dataSource;

  TransactionJoiningTandem(Tandem<K, V> tandem, DataSource dataSource) {
    this.tandem = tandem;
    this.dataSource = dataSource;
  }

  /** Returns the handle of the current transaction's writes, if it wrote already. */
  @SuppressWarnings("unchecked") // bound by this wrapper only, with its own types
  private @Nullable JoinedTransaction<K, V> bound() {
    return (JoinedTransaction<K, V>) TransactionSynchronizationManager.getResource(this);
  }

  /**
   * Returns the handle to write through: the bound one, a new one if a transaction of the data
   * source runs, or null.
   */
  private @Nullable JoinedTransaction<K, V> joined(String operation) {
    JoinedTransaction<K, V> bound = bound();
    if (bound != null) {
      return bound;
    }
    if (!TransactionSynchronizationManager.isActualTransactionActive()
        || !(TransactionSynchronizationManager.getResource(dataSource)
            instanceof ConnectionHolder)) {
      return null;
    }
    if (!TransactionSynchronizationManager.isSynchronizationActive()) {
      throw new IllegalStateException(
          operation
              + ": a transaction of the data source is active without "
              + "transaction synchronization, so a Tandem write can neither join it nor safely write alone (it could "
              + "wait for the transaction's own locks); turn synchronization on in the transaction manager");
    }
    Connection connection = DataSourceUtils.getConnection(dataSource);
    JoinedTransaction<K, V> handle;
    try {
      handle = tandem.join(connection);
    } catch (RuntimeException | Error e) {
      DataSourceUtils.releaseConnection(connection, dataSource);
      throw e;
    }
    TransactionSynchronizationManager.bindResource(this, handle);
    TransactionSynchronizationManager.registerSynchronization(
        new JoinedSynchronization(this, handle, connection, dataSource));
    return handle;
  }

  @Override
  public Optional<V> get(K key) {
    JoinedTransaction<K, V> handle = bound();
    return handle != null ? handle.get(key) : tandem.get(key);
  }

  @Override
  public Optional<Versioned<V>> getVersioned(K key) {
    JoinedTransaction<K, V> handle = bound();
    return handle != null ? handle.getVersioned(key) : tandem.getVersioned(key);
  }

  @Override
  public Optional<V> getIfCached(K key) {
    return tandem.getIfCached(key);
  }

  @Override
  public Map<K, V> getAll(Collection<? extends K> keys) {
    JoinedTransaction<K, V> handle = bound();
    return handle != null ? handle.getAll(keys) : tandem.getAll(keys);
  }

  @Override
  public long put(K key, V value) {
    JoinedTransaction<K, V> handle = joined("put");
    return handle != null ? handle.put(key, value) : tandem.put(key, value);
  }

  @Override
  public void putAll(Map<? extends K, ? extends V> entries) {
    requireNonNull(entries, "entries");
    JoinedTransaction<K, V> handle = joined("putAll");
    if (handle == null) {
      tandem.putAll(entries);
      return;
    }
    entries.forEach(
        (key, value) -> {
          requireNonNull(key, "putAll: a key is null");
          requireNonNull(value, () -> "putAll: the value of key " + key + " is null");
        });
    entries.forEach(handle::put); // one transaction: a failure rolls back all of them
  }

  @Override
  public long putIfVersion(K key, long expectedVersion, V value) {
    JoinedTransaction<K, V> handle = joined("putIfVersion");
    return handle != null
        ? handle.putIfVersion(key, expectedVersion, value)
        : tandem.putIfVersion(key, expectedVersion, value);
  }

  @Override
  public Optional<V> update(K key, UnaryOperator<V> function) {
    JoinedTransaction<K, V> handle = joined("update");
    return handle != null ? handle.update(key, function) : tandem.update(key, function);
  }

  @Override
  public Optional<V> update(K key, Columns changes) {
    JoinedTransaction<K, V> handle = joined("update");
    return handle != null ? handle.update(key, changes) : tandem.update(key, changes);
  }

  @Override
  public boolean remove(K key) {
    JoinedTransaction<K, V> handle = joined("remove");
    return handle != null ? handle.remove(key) : tandem.remove(key);
  }

  @Override
  public int removeAll(Collection<? extends K> keys) {
    requireNonNull(keys, "keys");
    JoinedTransaction<K, V> handle = joined("removeAll");
    if (handle == null) {
      return tandem.removeAll(keys);
    }
    int removed = 0;
    for (K key : new LinkedHashSet<>(keys)) {
      if (handle.remove(requireNonNull(key, "keys: a key is null"))) {
        removed++;
      }
    }
    return removed;
  }

  /**
   * Inside a Spring-managed transaction of the data source, runs {@code work} once, in that
   * transaction: its reads lock their keys, its writes run at once; it commits or rolls back with
   * the transaction. Otherwise as {@link Tandem#transaction}.
   */
  @Override
  public <R> R transaction(Function<? super Transaction<K, V>, ? extends R> work) {
    requireNonNull(work, "work");
    JoinedTransaction<K, V> handle = joined("transaction");
    if (handle == null) {
      return tandem.transaction(work);
    }
    return work.apply(
        new Transaction<>() {
          @Override
          public Optional<V> get(K key) {
            return handle.getForUpdate(key);
          }

          @Override
          public void put(K key, V value) {
            handle.put(key, value);
          }

          @Override
          public boolean remove(K key) {
            return handle.remove(key);
          }
        });
  }

  @Override
  public JoinedTransaction<K, V> join(Connection connection) {
    return tandem.join(connection);
  }

  @Override
  public void invalidate(K key) {
    tandem.invalidate(key);
  }

  @Override
  public void invalidateAll() {
    tandem.invalidateAll();
  }

  @Override
  public long estimatedSize() {
    return tandem.estimatedSize();
  }

  @Override
  public Stats stats() {
    return tandem.stats();
  }

  @Override
  public void close() {
    tandem.close();
  }

  @Override
  public String toString() {
    return tandem + " joining Spring transactions of " + dataSource;
  }
}
