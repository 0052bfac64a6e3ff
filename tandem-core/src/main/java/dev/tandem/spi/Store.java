package dev.tandem.spi;

import dev.tandem.Versioned;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The system of record behind a {@link dev.tandem.Tandem}: a database that assigns versions.
 *
 * <p><b>Version contract.</b> Every committed write of a key (put or delete) gets a version, a
 * positive {@code long}, and of two committed writes of one key the one that committed later has
 * the greater version, also across a delete and a re-create, and also when the delete found nothing
 * to delete. A delete's version is the version of its tombstone: it is never stored, but it must be
 * greater than every version of the key committed before it and less than every version committed
 * after it. (A global sequence read while the key is locked does all of this.)
 *
 * <p><b>Reads.</b> {@link #load} and {@link #loadAll} return committed data only, read in a
 * snapshot taken after the call began.
 *
 * <p>Implementations must be safe for use by many threads.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public interface Store<K, V> extends AutoCloseable {

  /** Returns the committed value of {@code key} with its version, or empty if the key is absent. */
  Optional<Versioned<V>> load(K key);

  /**
   * Returns the committed values of the given keys; absent keys are missing from the map. The
   * result is read in one snapshot where the store can do so.
   */
  Map<K, Versioned<V>> loadAll(Collection<? extends K> keys);

  /** Begins a transaction. The caller closes it, which rolls it back unless it committed. */
  StoreTransaction<K, V> begin();

  /**
   * Returns a transaction that runs on {@code connection}, inside the database transaction its
   * caller owns (for {@link dev.tandem.Tandem#join}). Its statements lock and version keys as
   * {@link #begin}'s do; it never commits, rolls back or closes the connection: {@link
   * StoreTransaction#commit} and {@link StoreTransaction#applyAndCommit} throw {@link
   * IllegalStateException}, {@link StoreTransaction#close} only lets go of the connection, and a
   * failed statement never rolls back or throws {@link RetryableException} (a retry would need the
   * caller's whole transaction again). The default throws {@link UnsupportedOperationException}.
   *
   * @throws IllegalStateException if the connection has no transaction to join (auto-commit on)
   * @throws UnsupportedOperationException if this store cannot run on a caller's connection
   */
  default StoreTransaction<K, V> join(java.sql.Connection connection) {
    throw new UnsupportedOperationException(
        getClass().getName() + " cannot join a caller's transaction");
  }

  /**
   * Returns the class every key must be an instance of. {@link dev.tandem.Tandem} checks each key
   * against it before any I/O, so that a key of another class reached through a raw or unchecked
   * call (an {@code Integer} for a {@code Long}-keyed store) is refused instead of being cached
   * under an entry the database would never match. The default, {@code Object.class}, checks
   * nothing.
   */
  default Class<?> keyType() {
    return Object.class;
  }

  /**
   * Returns the value columns a {@link Mutation.Patch} may set, or an empty set if this store's
   * transactions do not apply patches. {@link dev.tandem.Tandem#update(Object, dev.tandem.Columns)}
   * checks every name against it before any I/O, and fails with {@link
   * UnsupportedOperationException} on a store whose set is empty; a store is never handed a patch
   * it did not declare. The default is empty: a patch needs the store to know how columns make a
   * value, which the engine does not.
   */
  default Set<String> patchColumns() {
    return Set.of();
  }

  /**
   * Returns whether this store's transactions apply {@link Mutation.PutIfVersion}, in one statement
   * where they can. If they do, {@link dev.tandem.Tandem#update(Object,
   * java.util.function.UnaryOperator)} of a cached key applies its function to the cached value and
   * writes it conditionally on the cached version, and reads the key under lock only if the version
   * moved. The default is false: every update reads the key under lock first, which is correct for
   * any store.
   */
  default boolean putsIfVersion() {
    return false;
  }

  /**
   * Returns what this store holds, as a string that every node reaching the same data computes
   * alike (for a table: the database, schema and table name), or null if it has no identity. A
   * cache tier shared by several stores binds its key space to it ({@link CacheTier#bindStore}), so
   * that two stores never read each other's entries.
   */
  default @Nullable String identity() {
    return null;
  }

  /** Releases what the store owns (for example a connection pool it created); idempotent. */
  @Override
  default void close() {}
}
