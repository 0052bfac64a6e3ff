package dev.tandem.spi;

import dev.tandem.Versioned;
import java.util.List;
import java.util.Optional;

/**
 * One database transaction. Not thread-safe: one thread uses it from {@link Store#begin} to {@link
 * #close}.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public interface StoreTransaction<K, V> extends AutoCloseable {

  /**
   * Locks {@code key} until this transaction ends and returns its committed state. The lock waits
   * for every other transaction that may write the key, including one whose commit was cut off (see
   * {@link AmbiguousCommitException}), and keeps other writers out until this transaction ends; the
   * key need not exist to be locked.
   */
  Optional<Versioned<V>> loadForUpdate(K key);

  /**
   * Applies the mutations in order and returns one {@link Written} per mutation, in the same order.
   * Each key it writes is locked until the transaction ends, as by {@link #loadForUpdate}. A {@link
   * Mutation.Patch} or {@link Mutation.PutIfVersion} sees what the mutations before it in the list
   * wrote, takes its key's lock before it reads the row it compares or changes, and draws its
   * version after that lock, like a put; the engine hands them only to a store that declares them
   * ({@link Store#patchColumns}, {@link Store#putsIfVersion}).
   *
   * @throws RejectedValueException if a value cannot be stored (for example it fails to encode);
   *     thrown before any mutation is executed
   */
  List<Written> apply(List<? extends Mutation<K, V>> mutations);

  /**
   * Applies the mutations as {@link #apply} does and commits, as the last act of the transaction. A
   * store may do both in one round trip (for example one statement in auto-commit mode).
   *
   * @throws RejectedValueException as {@link #apply}
   * @throws AmbiguousCommitException if the outcome is unknown
   * @throws RuntimeException for any other failure, which means nothing was committed
   */
  default List<Written> applyAndCommit(List<? extends Mutation<K, V>> mutations) {
    List<Written> written = apply(mutations);
    commit();
    return written;
  }

  /**
   * Commits.
   *
   * @throws AmbiguousCommitException if the outcome is unknown: the commit was sent but its answer
   *     was lost
   * @throws RuntimeException for any other failure, which means the transaction did not commit
   */
  void commit();

  /** Ends the transaction, rolling it back unless it committed; never throws for a rollback. */
  @Override
  void close();
}
