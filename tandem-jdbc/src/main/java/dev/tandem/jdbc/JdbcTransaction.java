package dev.tandem.jdbc;

import static java.util.Objects.requireNonNull;

import dev.tandem.Versioned;
import dev.tandem.spi.AmbiguousCommitException;
import dev.tandem.spi.Mutation;
import dev.tandem.spi.RejectedValueException;
import dev.tandem.spi.RetryableException;
import dev.tandem.spi.StoreTransaction;
import dev.tandem.spi.Written;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One transaction of a {@link JdbcStore} on one connection with auto-commit off.
 *
 * <p>{@link #apply} encodes every value before the first statement, so a rejected value writes
 * nothing. It then locks all the keys and draws the versions ({@link Dialect#prelude}), works out
 * each key's final state in Java, and writes it with at most one upsert batch and one delete batch
 * (plus the change log). A single put or delete without a change log takes the dialect's shorter
 * path instead ({@link Dialect#putOne}: one statement on PostgreSQL, two on H2).
 *
 * <p><b>Failures.</b> A statement that fails for a passing reason (serialization failure, deadlock;
 * see {@link SqlFailure}) rolls the transaction back and throws {@link RetryableException}, as does
 * a connection found broken by the transaction's first operation (a pooled connection whose server
 * process ended while it sat idle, not one that timed out): nothing of the transaction can have
 * committed, so it may run again from the start. A lock, statement or socket timeout is a plain
 * {@link JdbcStoreException}. A connection lost after the first operation is a plain {@link
 * JdbcStoreException}. {@link #commit} never throws {@code RetryableException}: it tells an
 * ambiguous failure (the connection broke, so the commit may have happened) from a definite one
 * (the database refused it).
 *
 * <p><b>Joined.</b> A transaction made by {@link JdbcStore#join} runs on the caller's connection,
 * inside the caller's transaction: it never commits, rolls back, changes auto-commit or closes the
 * connection, and every failure is a plain {@link JdbcStoreException}; each operation sets the
 * store's socket timeout for its own statements only.
 */
final class JdbcTransaction<K, V> implements StoreTransaction<K, V> {

  private static final Logger log = LoggerFactory.getLogger(JdbcTransaction.class);

  /**
   * A mutation with its value already encoded; values is null for a delete. A conditional step (a
   * patch or a put-if-version) has the indexes of the columns it sets, and for a put-if-version the
   * expected version (else 0).
   */
  private record Step<K>(K key, @Nullable List<?> values, int @Nullable [] columns, long expected) {
    Step(K key, @Nullable List<?> values) {
      this(key, values, null, 0);
    }

    /** Whether this is a patch or a put-if-version, which runs as its own statement. */
    boolean conditional() {
      return columns != null;
    }

    /** Whether this is a patch, whose result carries the whole new row. */
    boolean patch() {
      return columns != null && expected == 0;
    }
  }

  private final JdbcStore<K, V> store;
  private final Table table;
  private final Dialect dialect;
  private final Connection connection;
  private final boolean restoreAutoCommit;

  /** The socket timeout to give the connection back with ({@link JdbcStore#bound}), or -1. */
  private final int restoreTimeout;

  private boolean committed;
  private boolean rolledBack;
  private boolean closed;

  /** Whether {@link #applyAndCommit} switched the connection to auto-commit. */
  private boolean autoCommitSwitched;

  /** Whether an operation of this transaction completed on the connection. */
  private boolean used;

  /**
   * Whether {@link #applyAll} may send the COMMIT with its last statement (set by {@link
   * #applyAndCommit}).
   */
  private boolean commitWithLastStatement;

  /**
   * Whether the connection is known to be dead, behind the pool's back: it must not go back to the
   * pool.
   */
  private boolean discard;

  /**
   * Whether the transaction is the caller's ({@link JdbcStore#join}): never committed, rolled back
   * or closed here.
   */
  private final boolean joined;

  JdbcTransaction(
      JdbcStore<K, V> store, Connection connection, boolean restoreAutoCommit, int restoreTimeout) {
    this.store = store;
    this.table = store.table();
    this.dialect = store.dialect();
    this.connection = connection;
    this.restoreAutoCommit = restoreAutoCommit;
    this.restoreTimeout = restoreTimeout;
    this.joined = false;
  }

  /** A transaction of the caller's on {@code connection} ({@link JdbcStore#join}). */
  JdbcTransaction(JdbcStore<K, V> store, Connection connection) {
    this.store = store;
    this.table = store.table();
    this.dialect = store.dialect();
    this.connection = connection;
    this.restoreAutoCommit = false;
    this.restoreTimeout = -1;
    this.joined = true;
  }

  @Override
  public Optional<Versioned<V>> loadForUpdate(K key) {
    requireNonNull(key, "key");
    checkOpen();
    if (store.unstorable(key)) {
      return Optional.empty(); // no row can have it, and no write of it can commit
    }
    int restore = -1;
    try {
      restore = boundIfJoined();
      Optional<Versioned<V>> loaded =
          dialect.loadForUpdate(connection, key, rs -> store.readOne(rs, key));
      used = true;
      return loaded;
    } catch (SQLException e) {
      throw failure("loadForUpdate of key " + key + " from " + table.display(), e);
    } finally {
      store.unbound(connection, restore);
    }
  }

  @Override
  public List<Written> apply(List<? extends Mutation<K, V>> mutations) {
    requireNonNull(mutations, "mutations");
    checkOpen();
    return applySteps(encode(mutations));
  }

  private List<Written> applySteps(List<Step<K>> steps) {
    if (steps.isEmpty()) {
      return List.of();
    }
    int restore = -1;
    try {
      restore = boundIfJoined();
      List<Written> written;
      if (steps.size() == 1
          && (steps.get(0).conditional()
              || table.changeLog() == null && dialect.writesOneKeyAtOnce())) {
        written = List.of(applyOne(steps.get(0)));
      } else if (steps.stream().anyMatch(Step::conditional)) {
        written = applyInOrder(steps);
      } else {
        written = applyAll(steps);
      }
      used = true;
      return written;
    } catch (SQLException e) {
      throw failure(describe(steps) + " in " + table.display(), e);
    } finally {
      store.unbound(connection, restore);
    }
  }

  /**
   * In the caller's transaction, bounds this operation's socket reads (see {@link
   * JdbcStore#bound}).
   */
  private int boundIfJoined() throws SQLException {
    return joined ? store.bound(connection) : -1;
  }

  /**
   * A lone put or delete that is the whole transaction runs as one statement in auto-commit mode
   * (PostgreSQL, unless {@link JdbcStore.Builder#autoCommitSingleWrites} turned it off): the write
   * and its commit take one round trip instead of two. Anything else is {@link #apply} then {@link
   * #commit}.
   *
   * <p>Which failures are ambiguous: the commit happens when the server has the whole request, so
   * only a connection that fails after the request was written in full leaves the outcome unknown
   * ({@link AmbiguousCommitException}). A connection the server ended while it sat idle is caught
   * before anything is sent ({@link Dialect#checkAlive}), and one that breaks while the request is
   * being written ({@link Dialect#unsent}) cannot have committed: both are {@link
   * RetryableException}s, as they are when the first of two round trips meets them.
   */
  @Override
  public List<Written> applyAndCommit(List<? extends Mutation<K, V>> mutations) {
    requireNonNull(mutations, "mutations");
    checkOpen();
    checkOwn("applyAndCommit");
    List<Step<K>> steps = encode(mutations);
    // A field update reads its row back through the mapper: committed with the statement, a row the
    // mapper refuses would fail a write that did commit. It commits on its own, after the read.
    if (!store.autoCommitSingleWrites()
        || used
        || committed
        || steps.size() != 1
        || steps.get(0).patch()
        || table.changeLog() != null
        || !dialect.writesOneKeyInOneStatement()) {
      commitWithLastStatement =
          !used && !committed && steps.size() > 1 && steps.stream().noneMatch(Step::conditional);
      List<Written> written;
      try {
        written = applySteps(steps);
      } finally {
        commitWithLastStatement = false;
      }
      if (!committed) {
        commit();
      }
      return written;
    }
    String operation = describe(steps) + " in " + table.display();
    try {
      dialect.checkAlive(connection); // sends nothing
      connection.setAutoCommit(
          true); // nothing was sent in this transaction yet, so this sends nothing either
      autoCommitSwitched = true;
    } catch (SQLException e) {
      discard = SqlFailure.isConnectionFailure(e);
      throw failure(operation, e); // not used yet: a dead connection is retryable
    }
    try {
      Written written = applyOne(steps.get(0));
      used = true;
      committed = true;
      return List.of(written);
    } catch (SQLException e) {
      rolledBack = true; // auto-commit: a failed statement left nothing to roll back
      throwIfConnectionFailed(operation, e, true);
      JdbcStoreException failure = new JdbcStoreException(operation, e);
      throw SqlFailure.isPassing(e)
          ? new RetryableException(failure.getMessage(), failure)
          : failure;
    }
  }

  @Override
  public void commit() {
    checkOpen();
    checkOwn("commit");
    if (committed) {
      throw new IllegalStateException("the transaction already committed");
    }
    try {
      connection.commit();
      committed = true;
      ended();
    } catch (SQLException e) {
      if (connectionLost(e)) {
        throw new AmbiguousCommitException(
            "commit on "
                + table.display()
                + ": the connection failed, so whether the transaction committed is unknown: "
                + e.getMessage(),
            e);
      }
      throw new JdbcStoreException("commit on " + table.display(), e);
    }
  }

  /**
   * Throws what a connection failure of a request that ends with its commit means: an unknown
   * outcome ({@link AmbiguousCommitException}), except that a request that commits only at its
   * final {@code Sync} (one statement in auto-commit mode) committed nothing if it broke while it
   * was being sent ({@link RetryableException}). A request that carries an explicit {@code COMMIT}
   * commits when that statement arrives, possibly before the rest is sent: never "unsent". Returns
   * for any other failure.
   */
  private void throwIfConnectionFailed(String operation, SQLException e, boolean commitsAtSync) {
    if (commitsAtSync && dialect.unsent(e)) {
      discard = true;
      JdbcStoreException failure =
          new JdbcStoreException(
              operation
                  + ": the connection failed while the request was being sent, so nothing was committed",
              e);
      throw new RetryableException(failure.getMessage(), failure);
    }
    if (SqlFailure.isConnectionFailure(e) || connectionLost(e)) {
      throw new AmbiguousCommitException(
          operation
              + ": the connection failed after the request was sent, so whether"
              + " it committed is unknown: "
              + e.getMessage(),
          e);
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (joined) {
      return; // the caller's connection and transaction: the caller ends both
    }
    if (!discard && !committed && !rolledBack) {
      try {
        connection.rollback();
        rolledBack = true;
        ended();
      } catch (SQLException e) {
        log.debug("rollback on {} failed; the connection is discarded", table.display(), e);
        discard = true; // it may still hold locks that outlive transactions: closing it frees them
      }
    }
    if (discard) {
      store.discard(connection);
      return;
    }
    try {
      if (restoreAutoCommit) {
        connection.setAutoCommit(true);
      } else if (autoCommitSwitched) {
        connection.setAutoCommit(false); // hand the connection back as it came
      }
    } catch (SQLException e) {
      log.debug("restoring auto-commit on {} failed", table.display(), e);
    } finally {
      store.unbound(connection, restoreTimeout);
      try {
        connection.close();
      } catch (SQLException e) {
        log.debug("closing a connection of {} failed", table.display(), e);
      }
    }
  }

  /**
   * Returns the exception for a failed statement: a {@link RetryableException}, after rolling back,
   * if the failure was passing or the connection was broken before this transaction's first
   * operation completed; otherwise a {@link JdbcStoreException}.
   */
  private RuntimeException failure(String operation, SQLException e) {
    JdbcStoreException failure = new JdbcStoreException(operation, e);
    if (joined
        || !SqlFailure.isPassing(e) && (used || !SqlFailure.isRetryableConnectionFailure(e))) {
      return failure;
    }
    try {
      connection
          .rollback(); // release the locks now: the transaction that waits for them may be the
      // retry's
      rolledBack = true;
      ended();
    } catch (SQLException rollbackFailure) {
      failure.addSuppressed(rollbackFailure);
    }
    return new RetryableException(failure.getMessage(), failure);
  }

  private void checkOwn(String operation) {
    if (joined) {
      throw new IllegalStateException(
          operation + ": the transaction is the caller's; the caller commits it");
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("the transaction is closed");
    }
  }

  /** Encodes every value before any statement runs (rejected values write nothing). */
  private List<Step<K>> encode(List<? extends Mutation<K, V>> mutations) {
    List<Step<K>> steps = new ArrayList<>(mutations.size());
    for (Mutation<K, V> mutation : mutations) {
      requireNonNull(mutation, "mutations: a mutation is null");
      K key = mutation.key();
      steps.add(
          switch (mutation) {
            case Mutation.Put<K, V> put -> new Step<>(key, encodeValue(key, put.value()));
            case Mutation.Delete<K, V> delete -> {
              store.refuseNul(key, null);
              yield new Step<>(key, null);
            }
            case Mutation.PutIfVersion<K, V> put -> {
              checkConditional(key);
              yield new Step<>(
                  key, encodeValue(key, put.value()), allColumns(), put.expectedVersion());
            }
            case Mutation.Patch<K, V> patch -> encodePatch(key, patch.columns());
          });
    }
    return steps;
  }

  private List<?> encodeValue(K key, V value) {
    RowMapper<V> mapper = store.mapper();
    int columns = table.valueColumns().size();
    List<?> values;
    try {
      values = mapper.write(value);
    } catch (RuntimeException e) {
      throw new RejectedValueException(
          key, mapper + " could not write the value of key " + key + ": " + e, e);
    }
    if (values == null || values.size() != columns) {
      throw new RejectedValueException(
          key,
          mapper
              + " wrote "
              + (values == null ? "null" : values.size() + " values")
              + " for the "
              + columns
              + " columns "
              + table.valueColumns()
              + " (key "
              + key
              + ")");
    }
    store.refuseNul(key, values);
    return new ArrayList<>(values);
  }

  /**
   * Encodes a patch: its columns' indexes, ascending (one statement text per set of columns), and
   * their values.
   */
  private Step<K> encodePatch(K key, Map<String, @Nullable Object> changes) {
    checkConditional(key);
    java.util.TreeMap<Integer, @Nullable Object> byIndex = new java.util.TreeMap<>();
    changes.forEach(
        (column, value) -> {
          int index = store.columnIndex(column);
          if (index < 0) {
            throw new RejectedValueException(
                key,
                "the patch of key "
                    + key
                    + " sets column "
                    + column
                    + ", which is not a value column of "
                    + table.display()
                    + "; they are "
                    + store.patchColumns());
          }
          byIndex.put(index, value);
        });
    List<@Nullable Object> values = new ArrayList<>(byIndex.values());
    store.refuseNul(key, values);
    return new Step<>(
        key, values, byIndex.keySet().stream().mapToInt(Integer::intValue).toArray(), 0);
  }

  private void checkConditional(K key) {
    if (table.changeLog() != null) {
      throw new RejectedValueException(
          key,
          table.display()
              + " keeps a change log: patches and conditional puts "
              + "are not offered (JdbcStore.patchColumns is empty, putsIfVersion false)");
    }
  }

  private int[] allColumns() {
    int[] all = new int[table.valueColumns().size()];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    return all;
  }

  /**
   * Applies steps in order where some are conditional: each run of puts and deletes as {@link
   * #applyAll} does, each conditional step as its own statement, which sees the runs before it.
   */
  private List<Written> applyInOrder(List<Step<K>> steps) throws SQLException {
    List<Written> written = new ArrayList<>(steps.size());
    List<Step<K>> run = new ArrayList<>();
    for (Step<K> step : steps) {
      if (!step.conditional()) {
        run.add(step);
        continue;
      }
      written.addAll(applyRun(run));
      written.add(applyOne(step));
    }
    written.addAll(applyRun(run));
    return written;
  }

  /** Applies a run of puts and deletes and empties it. */
  private List<Written> applyRun(List<Step<K>> run) throws SQLException {
    if (run.isEmpty()) {
      return List.of();
    }
    List<Written> written =
        run.size() == 1 && table.changeLog() == null && dialect.writesOneKeyAtOnce()
            ? List.of(applyOne(run.get(0)))
            : applyAll(run);
    run.clear();
    return written;
  }

  private Written applyConditional(Step<K> step) throws SQLException {
    int[] columns = requireNonNull(step.columns());
    List<?> values = requireNonNull(step.values());
    if (!step.patch()) {
      Long version =
          dialect.updateOne(
              connection, step.key(), columns, values, step.expected(), false, rs -> rs.getLong(1));
      return version == null ? Written.unchanged() : new Written(version, true);
    }
    Optional<Versioned<V>> row =
        dialect.updateOne(
            connection, step.key(), columns, values, 0, true, rs -> store.readRow(rs, step.key()));
    return row == null
        ? Written.unchanged()
        : new Written(row.get().version(), true, row.get().value());
  }

  private Written applyOne(Step<K> step) throws SQLException {
    if (step.conditional()) {
      return applyConditional(step);
    }
    long[] result =
        step.values() != null
            ? dialect.putOne(connection, step.key(), step.values())
            : dialect.deleteOne(connection, step.key());
    return new Written(result[0], result[1] != 0);
  }

  private List<Written> applyAll(List<Step<K>> steps) throws SQLException {
    LinkedHashMap<K, Step<K>> last = new LinkedHashMap<>();
    steps.forEach(step -> last.put(step.key(), step));
    Dialect.Prelude prelude =
        dialect.prelude(connection, new ArrayList<>(last.keySet()), steps.size());

    // Replay the steps on the committed versions: Written per step, change-log rows, final
    // versions.
    Map<Object, Long> state = new HashMap<>(prelude.current());
    Map<K, Long> finalVersion = new HashMap<>();
    List<Written> written = new ArrayList<>(steps.size());
    List<Object[]> logRows = new ArrayList<>(table.changeLog() != null ? steps.size() : 0);
    for (int i = 0; i < steps.size(); i++) {
      Step<K> step = steps.get(i);
      long version = prelude.versions()[i];
      if (version < 1) {
        throw new SQLException(
            "the sequence of " + table.display() + " returned " + version + " as a version");
      }
      Long old = step.values() != null ? state.put(step.key(), version) : state.remove(step.key());
      written.add(new Written(version, old != null));
      finalVersion.put(step.key(), version);
      if (table.changeLog() != null) {
        logRows.add(
            new Object[] {
              table.display(),
              step.key().toString(),
              old,
              version,
              step.values() != null ? "put" : "delete"
            });
      }
    }

    List<Step<K>> puts = new ArrayList<>();
    List<K> deletes = new ArrayList<>();
    for (Step<K> step : last.values()) {
      if (step.values() != null) {
        puts.add(step);
      } else if (prelude.current().containsKey(step.key())) {
        deletes.add(step.key());
      }
    }
    if (puts.size() > 1) {
      if (commitWithLastStatement
          && deletes.isEmpty()
          && logRows.isEmpty()
          && upsertAllAndCommit(puts, finalVersion, describe(steps) + " in " + table.display())) {
        return written;
      }
      if (upsertAll(
          puts, finalVersion, false)) { // also where the dialect cannot commit with it (MariaDB)
        puts.clear();
      }
    }
    if (!puts.isEmpty()) {
      try (PreparedStatement ps = connection.prepareStatement(dialect.upsertSql())) {
        for (Step<K> put : puts) {
          ps.setObject(1, put.key());
          int next = Dialect.bindValues(ps, 2, requireNonNull(put.values()));
          ps.setLong(
              next,
              requireNonNull(finalVersion.get(put.key()))); // every step has its final version
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
    if (!deletes.isEmpty()) {
      try (PreparedStatement ps = connection.prepareStatement(dialect.deleteSql)) {
        for (K key : deletes) {
          ps.setObject(1, key);
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
    if (!logRows.isEmpty()) {
      try (PreparedStatement ps =
          connection.prepareStatement(requireNonNull(dialect.changeLogSql))) {
        for (Object[] row : logRows) {
          for (int c = 0; c < row.length; c++) {
            if (row[c] == null) {
              ps.setNull(c + 1, java.sql.Types.BIGINT);
            } else {
              ps.setObject(c + 1, row[c]);
            }
          }
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }
    return written;
  }

  /**
   * Upserts the final rows and commits in one round trip, if the dialect can; returns whether it
   * did (then the transaction committed). The prelude's round trip just proved the connection
   * alive; a connection that fails during this request leaves the outcome unknown, even while the
   * request was still being written (the server commits as soon as the COMMIT statement arrives).
   */
  private boolean upsertAllAndCommit(
      List<Step<K>> puts, Map<K, Long> finalVersion, String operation) {
    try {
      if (!upsertAll(puts, finalVersion, true)) {
        return false;
      }
      committed = true;
      ended();
      return true;
    } catch (SQLException e) {
      throwIfConnectionFailed(operation, e, false);
      JdbcStoreException failure = new JdbcStoreException(operation, e);
      if (!SqlFailure.isPassing(e)) {
        throw failure;
      }
      try {
        connection.rollback();
        rolledBack = true;
        ended();
      } catch (SQLException rollbackFailure) {
        failure.addSuppressed(rollbackFailure);
      }
      throw new RetryableException(failure.getMessage(), failure);
    }
  }

  /**
   * Releases, once the transaction committed or rolled back, the locks that outlive it (MariaDB's
   * named locks; {@link Dialect#release}). A connection that fails to release them is discarded
   * instead of going back to the pool: closing it makes the server free them.
   */
  private void ended() {
    try {
      dialect.release(connection);
    } catch (SQLException e) {
      discard = true;
      log.debug(
          "releasing the key locks of {} failed; the connection is discarded", table.display(), e);
    }
  }

  /** Upserts the final rows in one statement if the dialect can; returns whether it did. */
  private boolean upsertAll(List<Step<K>> puts, Map<K, Long> finalVersion, boolean andCommit)
      throws SQLException {
    List<Object> keys = new ArrayList<>(puts.size());
    List<List<?>> values = new ArrayList<>(puts.size());
    long[] versions = new long[puts.size()];
    for (int i = 0; i < puts.size(); i++) {
      Step<K> put = puts.get(i);
      keys.add(put.key());
      values.add(requireNonNull(put.values()));
      versions[i] = requireNonNull(finalVersion.get(put.key())); // every step has its final version
    }
    return dialect.upsertAll(connection, keys, values, versions, andCommit);
  }

  /**
   * Whether a failed commit lost its connection (then it may or may not have committed) rather than
   * being refused by the database (then it did not commit).
   */
  private boolean connectionLost(SQLException e) {
    String state = e.getSQLState();
    if (state != null && state.startsWith("08")) {
      return true;
    }
    try {
      return connection.isClosed() || !connection.isValid(5);
    } catch (SQLException probeFailure) {
      e.addSuppressed(probeFailure);
      return true;
    }
  }

  private static String describe(List<? extends Step<?>> steps) {
    if (steps.size() == 1) {
      Step<?> step = steps.get(0);
      String kind =
          step.patch()
              ? "patch"
              : step.conditional() ? "conditional put" : step.values() != null ? "put" : "delete";
      return kind + " of key " + step.key();
    }
    List<Object> keys = new ArrayList<>();
    for (int i = 0; i < Math.min(5, steps.size()); i++) {
      keys.add(steps.get(i).key());
    }
    return steps.size() + " mutations of keys " + keys + (steps.size() > 5 ? "..." : "");
  }
}
