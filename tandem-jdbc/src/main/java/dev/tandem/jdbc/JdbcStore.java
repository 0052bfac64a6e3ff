package dev.tandem.jdbc;

import static java.util.Objects.requireNonNull;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.Versioned;
import dev.tandem.spi.RejectedValueException;
import dev.tandem.spi.RetryableException;
import dev.tandem.spi.Store;
import dev.tandem.spi.StoreTransaction;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Store} over one table of PostgreSQL, MariaDB or H2, with a version column and a version
 * sequence ({@link JdbcSchema#addVersionColumn}).
 *
 * <pre>{@code
 * JdbcStore<Long, Flight> store = JdbcStore.<Long, Flight>builder()
 *     .dataSource(dataSource)
 *     .table("flight")
 *     .keyColumn("flight_id", Long.class)
 *     .rowMapper(new FlightMapper())
 *     .build();
 * }</pre>
 *
 * <p><b>Versions.</b> Every put and every delete (also of an absent key) draws a version from the
 * table's sequence {@code <table>_tandem_seq} after it locked its key, and holds the lock until its
 * transaction ends; so versions of a key increase in commit order, across delete and re-create. A
 * delete's version is not stored: it is the version of the tombstone the cache keeps. A field
 * update ({@link #patchColumns}) and a conditional put ({@link #putsIfVersion}) lock and draw
 * alike, and draw nothing when they change nothing.
 *
 * <p><b>Locks.</b> In PostgreSQL a key is locked with a transaction-scoped advisory lock on a
 * 64-bit hash of the table name and the key's {@code toString()}, taken also for absent keys, so
 * any number of nodes may share the table. The advisory lock ids are shared with whatever else the
 * application locks with {@code pg_advisory_lock}. In MariaDB a key is locked with a named lock
 * ({@code GET_LOCK}) on the same hash, which belongs to the connection: the store releases it
 * ({@code RELEASE_ALL_LOCKS()}) after every commit and rollback, and discards a connection that
 * cannot, whose server then frees it. In H2 a key is locked by its row lock, which does not exist
 * for an absent key: use an H2 table behind one {@link dev.tandem.Tandem} only (that Tandem orders
 * its own writers of a key).
 *
 * <p><b>Limits.</b> Only writes made through the store are versioned: a row updated by other SQL
 * keeps its version, and caches keep the old value until invalidated. Connections must use READ
 * COMMITTED (the default of PostgreSQL and H2; MariaDB's pools must set it), which {@link
 * Builder#build} checks. Keys are {@code String}, {@code Long}, {@code Integer} or {@code UUID}, in
 * a column whose SQL type holds them ({@link Builder#keyColumn}). PostgreSQL cannot store the
 * character U+0000 (NUL) in text: a write whose key or string value holds one is refused before any
 * statement ({@link RejectedValueException}), and a read of such a key answers absent without a
 * query.
 *
 * <p><b>Failures.</b> A transaction that fails for a passing reason and did not commit throws
 * {@link RetryableException} (after rolling back), which Tandem retries: a serialization failure or
 * deadlock (SQLState 40001, 40P01), H2's concurrent update (90131), a connection refused (SQLState
 * class 08), or a connection found broken by the transaction's first operation. A failure that
 * waited out a timeout never is, since running again would wait as long again: the pool's
 * acquisition timeout ({@link java.sql.SQLTransientConnectionException}), a socket or connect
 * timeout, a lock timeout (55P03; H2's HYT00), a statement timeout (57014). A failure of the commit
 * never is: it is an {@link dev.tandem.spi.AmbiguousCommitException} if the connection broke, else
 * a {@link JdbcStoreException}. Where the commit travels with the last statement (a lone write in
 * auto-commit, a batch's upsert with its COMMIT; see {@link Builder#autoCommitSingleWrites}), a
 * connection found dead before or while that request was written is retryable, and one that breaks
 * after it is ambiguous. {@link #load} and {@link #loadAll} throw {@link JdbcStoreException} only.
 *
 * <p><b>Timeouts.</b> Every wait is bounded by a setting of the builder: opening a connection
 * ({@link Builder#connectTimeout}), waiting for one from the pool ({@link Builder#acquireTimeout}),
 * waiting for a lock ({@link Builder#lockTimeout}), running a statement ({@link
 * Builder#statementTimeout}) and waiting for any answer of the server ({@link
 * Builder#socketTimeout}). All apply to the pool the store makes for {@link Builder#jdbcUrl}; with
 * a {@link Builder#dataSource} of the application only the socket timeout does, and the data source
 * must bound the rest (see {@code docs/jdbc-store.md}).
 *
 * <p>The store is thread-safe; each {@link #begin() transaction} uses one connection.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class JdbcStore<K, V> implements Store<K, V> {

  private static final Logger log = LoggerFactory.getLogger(JdbcStore.class);
  private static final Set<Class<?>> KEY_TYPES =
      Set.of(String.class, Long.class, Integer.class, UUID.class);
  private static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration DEFAULT_ACQUIRE_TIMEOUT = Duration.ofSeconds(4);
  private static final Duration DEFAULT_SOCKET_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration DEFAULT_STATEMENT_TIMEOUT = Duration.ofSeconds(4);

  private final DataSource dataSource;
  private final @Nullable HikariDataSource ownedPool;
  private final Dialect.Kind kind;
  private final Table table;
  private final Dialect dialect;
  private final RowMapper<V> mapper;
  private final Class<K> keyType;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final boolean autoCommitSingleWrites;
  private final String identity;

  /** Whether strings with NUL are refused before any statement (PostgreSQL cannot store them). */
  private final boolean refusesNul;

  /**
   * The socket timeout set on each PostgreSQL or MariaDB connection while the store uses it, or 0
   * for none (H2).
   */
  private final int socketTimeoutMillis;

  /**
   * The index of each value column in the mapper's order, by its mapper name; empty with a change
   * log.
   */
  private final Map<String, Integer> columnIndex;

  private JdbcStore(
      Builder<K, V> builder,
      DataSource dataSource,
      @Nullable HikariDataSource ownedPool,
      Dialect.Kind kind,
      Table table,
      String identity) {
    this.dataSource = dataSource;
    this.ownedPool = ownedPool;
    this.kind = kind;
    this.table = table;
    this.dialect = Dialect.of(kind, table);
    this.mapper = requireNonNull(builder.rowMapper);
    this.keyType = requireNonNull(builder.keyType);
    this.autoCommitSingleWrites =
        builder.autoCommitSingleWrites == null || builder.autoCommitSingleWrites;
    this.identity = identity;
    this.refusesNul = !dialect.storesNul();
    this.socketTimeoutMillis = kind != Dialect.Kind.H2 ? builder.socketTimeoutMillis() : 0;
    Map<String, Integer> columns = new java.util.LinkedHashMap<>();
    if (table.changeLog() == null) {
      List<String> names = mapper.columns();
      for (int i = 0; i < names.size(); i++) {
        columns.put(names.get(i), i);
      }
    }
    this.columnIndex = java.util.Collections.unmodifiableMap(columns);
  }

  /** Returns a new builder. */
  public static <K, V> Builder<K, V> builder() {
    return new Builder<>();
  }

  /**
   * Returns the committed row of {@code key}, read in one statement.
   *
   * @throws NullPointerException if key is null
   * @throws JdbcStoreException if the query fails
   * @throws IllegalStateException if the row's version is not positive or the mapper read null
   */
  @Override
  public Optional<Versioned<V>> load(K key) {
    requireNonNull(key, "key");
    if (unstorable(key)) {
      return Optional.empty(); // no row can have it
    }
    try (Connection c = dataSource.getConnection()) {
      int restore = bound(c);
      try (PreparedStatement ps = c.prepareStatement(dialect.loadSql)) {
        ps.setObject(1, key);
        try (ResultSet rs = ps.executeQuery()) {
          return readOne(rs, key);
        }
      } finally {
        unbound(c, restore);
      }
    } catch (SQLException e) {
      throw new JdbcStoreException("load of key " + key + " from " + table.display(), e);
    }
  }

  /**
   * Returns the committed rows of {@code keys}, read in one statement (one snapshot) that binds the
   * keys as one array.
   *
   * @throws NullPointerException if keys or one of them is null
   * @throws JdbcStoreException if the query fails
   */
  @Override
  public Map<K, Versioned<V>> loadAll(Collection<? extends K> keys) {
    requireNonNull(keys, "keys");
    Set<K> distinct = new LinkedHashSet<>(keys.size() * 2);
    for (K key : keys) {
      if (!unstorable(requireNonNull(key, "keys: a key is null"))) { // no row can have it
        distinct.add(key);
      }
    }
    if (distinct.isEmpty()) {
      return Map.of();
    }
    int versionIndex = table.valueColumns().size() + 2;
    try (Connection c = dataSource.getConnection()) {
      int restore = bound(c);
      try (PreparedStatement ps = c.prepareStatement(dialect.loadAllSql(distinct.size()))) {
        dialect.bindKeys(c, ps, 1, distinct);
        Map<K, Versioned<V>> result = new HashMap<>(distinct.size() * 2);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            K key = keyType.cast(rs.getObject(1, keyType));
            result.put(key, versioned(rs, key, versionIndex));
          }
        }
        return result;
      } finally {
        unbound(c, restore);
      }
    } catch (SQLException e) {
      throw new JdbcStoreException(
          "loadAll of " + distinct.size() + " keys from " + table.display(), e);
    }
  }

  /**
   * Begins a transaction on a connection of its own, with auto-commit off.
   *
   * <p>Statements of the transaction that fail for a passing reason (serialization failure,
   * deadlock, lock timeout) roll it back and throw {@link RetryableException}, and so does a
   * connection found broken by its first operation; see {@link StoreTransaction}.
   *
   * @throws RetryableException if no connection could be had (refused, broken, or the pool timed
   *     out): nothing was sent, so beginning again later is safe; its cause is a {@link
   *     JdbcStoreException}
   * @throws JdbcStoreException if the connection failed for another reason
   * @throws IllegalStateException if the store was closed
   */
  @Override
  public StoreTransaction<K, V> begin() {
    if (closed.get()) {
      throw new IllegalStateException("the store of " + table.display() + " is closed");
    }
    Connection c;
    try {
      c = dataSource.getConnection();
    } catch (SQLException e) {
      throw beginFailure(e);
    }
    try {
      int restore = bound(c);
      boolean autoCommit = c.getAutoCommit();
      if (autoCommit) {
        c.setAutoCommit(false);
      }
      return new JdbcTransaction<>(this, c, autoCommit, restore);
    } catch (SQLException e) {
      try {
        c.close();
      } catch (SQLException closeFailure) {
        e.addSuppressed(closeFailure);
      }
      throw beginFailure(e);
    }
  }

  /**
   * Returns a transaction on {@code connection}, a connection of the caller to this store's
   * database with auto-commit off, for {@link dev.tandem.Tandem#join}: its statements lock and
   * version keys as {@link #begin}'s do, inside the caller's transaction, and each is bounded by
   * the {@linkplain Builder#socketTimeout socket timeout} (set for the statement and given back);
   * the connection's lock and statement timeouts are the caller's. It never commits, rolls back or
   * closes the connection, and a failed statement throws {@link JdbcStoreException} (never {@link
   * RetryableException}): the caller's transaction may be unusable and must be rolled back. The
   * connection is not checked to reach this store's database: a connection of another database
   * would write there.
   *
   * @throws IllegalStateException if auto-commit is on (no transaction to join), or the store was
   *     closed
   * @throws JdbcStoreException if the connection's auto-commit state cannot be read
   * @throws UnsupportedOperationException on MariaDB, whose key locks outlive transactions
   */
  @Override
  public StoreTransaction<K, V> join(Connection connection) {
    requireNonNull(connection, "connection");
    if (closed.get()) {
      throw new IllegalStateException("the store of " + table.display() + " is closed");
    }
    if (dialect.locksOutliveTransactions()) {
      throw new UnsupportedOperationException(
          "join on "
              + table.display()
              + ": the key locks of this database"
              + " (MariaDB's GET_LOCK) outlive transactions, and the caller's commit would leave them held");
    }
    try {
      if (connection.getAutoCommit()) {
        throw new IllegalStateException(
            "join: the connection is in auto-commit mode, so there is no transaction of "
                + "the caller to join; turn auto-commit off (or begin the transaction) first");
      }
    } catch (SQLException e) {
      throw new JdbcStoreException("join on " + table.display(), e);
    }
    return new JdbcTransaction<>(this, connection);
  }

  /**
   * No statement of the transaction was sent: a connection that could not be had may be tried
   * again.
   */
  private RuntimeException beginFailure(SQLException e) {
    JdbcStoreException failure = new JdbcStoreException("begin on " + table.display(), e);
    return SqlFailure.isRetryableConnectionFailure(e)
        ? new RetryableException(failure.getMessage(), failure)
        : failure;
  }

  /**
   * Returns the row mapper's column names, which a field update may set; empty if the store keeps a
   * {@linkplain Builder#changeLog change log} (field updates and conditional puts are then not
   * offered). A patch runs as one {@code UPDATE ... SET ... RETURNING} on PostgreSQL (after the
   * key's advisory lock, in the same request), and as a row lock and {@code SELECT ... FROM FINAL
   * TABLE (UPDATE ...)} on H2; its values are bound with {@code setObject}, as the mapper's are.
   */
  @Override
  public Set<String> patchColumns() {
    return columnIndex.keySet();
  }

  /**
   * Returns true unless the store keeps a {@linkplain Builder#changeLog change log}: a conditional
   * put runs as one {@code UPDATE ... WHERE key = ? AND version = ?} (with the key's lock, as a
   * patch).
   */
  @Override
  public boolean putsIfVersion() {
    return table.changeLog() == null;
  }

  /**
   * Returns the index of the value column the mapper names {@code column}, or -1 if none may be
   * patched.
   */
  int columnIndex(String column) {
    Integer index = columnIndex.get(column);
    return index == null ? -1 : index;
  }

  /**
   * Returns the class given to {@link Builder#keyColumn}: {@code String}, {@code Long}, {@code
   * Integer} or {@code UUID}; the key column's SQL type was checked to fit it in {@link
   * Builder#build}.
   */
  @Override
  public Class<?> keyType() {
    return keyType;
  }

  /**
   * Returns {@code database.schema.table}, the names as the database stores them (the database of
   * the connection: PostgreSQL's {@code current_database()}, H2's catalog), so that every node
   * whose connections reach the same table computes the same identity, whatever URL or host name it
   * connects with.
   */
  @Override
  public String identity() {
    return identity;
  }

  /** Whether {@code key} is a string with NUL on a database that cannot store one. */
  boolean unstorable(Object key) {
    return refusesNul && key instanceof String s && s.indexOf(0) >= 0;
  }

  /**
   * Throws if {@code key} or one of {@code values} is a string with NUL on a database that cannot
   * store one (PostgreSQL), so that such a write fails before any statement. Strings only.
   *
   * @throws RejectedValueException naming the key
   */
  void refuseNul(Object key, @Nullable List<?> values) {
    if (!refusesNul) {
      return;
    }
    if (unstorable(key)) {
      throw new RejectedValueException(
          key,
          "key "
              + escapeNul(key)
              + " contains the character U+0000 (NUL), which "
              + table.display()
              + " cannot store: PostgreSQL text cannot hold it");
    }
    if (values != null) {
      for (int i = 0; i < values.size(); i++) {
        if (values.get(i) instanceof String s && s.indexOf(0) >= 0) {
          throw new RejectedValueException(
              key,
              "the value of key "
                  + key
                  + " has the character U+0000 (NUL) in"
                  + " column "
                  + table.valueColumns().get(i)
                  + " of "
                  + table.display()
                  + ", which PostgreSQL text cannot hold");
        }
      }
    }
  }

  private static String escapeNul(Object key) {
    return key.toString().replace("\0", "\\u0000");
  }

  /**
   * Bounds every read of the connection's socket by the {@linkplain Builder#socketTimeout socket
   * timeout} (PostgreSQL only; a local call, nothing is sent); returns the timeout to restore when
   * the store is done with it, or -1 if it was left alone.
   */
  int bound(Connection c) throws SQLException {
    if (socketTimeoutMillis == 0) {
      return -1;
    }
    int previous = c.getNetworkTimeout();
    if (previous == socketTimeoutMillis) {
      return -1;
    }
    c.setNetworkTimeout(Runnable::run, socketTimeoutMillis);
    return previous;
  }

  /**
   * Gives the connection back its own socket timeout, as {@link #bound} returned it; nothing is
   * sent.
   */
  void unbound(Connection c, int restore) {
    if (restore < 0) {
      return;
    }
    try {
      if (!c.isClosed()) {
        c.setNetworkTimeout(Runnable::run, restore);
      }
    } catch (SQLException | RuntimeException e) {
      log.debug("could not restore the socket timeout of a connection of {}", table.display(), e);
    }
  }

  /** Closes the connection pool if the store created it ({@link Builder#jdbcUrl}); idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true) && ownedPool != null) {
      ownedPool.close();
    }
  }

  @Override
  public String toString() {
    return "JdbcStore{" + kind.name().toLowerCase(Locale.ROOT) + " " + table.display() + "}";
  }

  /**
   * Drops a connection found dead in a way its pool cannot have seen (pgjdbc read the server's
   * goodbye outside any pooled call): HikariCP evicts it; any other pool gets it back aborted, so
   * that its next use fails at once instead of being sent.
   */
  void discard(Connection connection) {
    try {
      if (dataSource.isWrapperFor(HikariDataSource.class)) {
        dataSource.unwrap(HikariDataSource.class).evictConnection(connection);
      } else {
        connection.abort(Runnable::run);
      }
    } catch (SQLException | RuntimeException e) {
      log.debug("could not discard a dead connection of {}", table.display(), e);
    }
    try {
      connection.close();
    } catch (SQLException | RuntimeException e) {
      log.debug("closing a dead connection of {} failed", table.display(), e);
    }
  }

  Table table() {
    return table;
  }

  Dialect.Kind kind() {
    return kind;
  }

  boolean autoCommitSingleWrites() {
    return autoCommitSingleWrites;
  }

  Dialect dialect() {
    return dialect;
  }

  RowMapper<V> mapper() {
    return mapper;
  }

  /** Reads the row of {@link Dialect#loadSql}'s columns, if there is one. */
  Optional<Versioned<V>> readOne(ResultSet rs, K key) throws SQLException {
    if (!rs.next()) {
      return Optional.empty();
    }
    return Optional.of(versioned(rs, key, table.valueColumns().size() + 1));
  }

  /** Reads the current row of {@link Table#selectList}'s columns (positioned on it). */
  Optional<Versioned<V>> readRow(ResultSet rs, K key) throws SQLException {
    return Optional.of(versioned(rs, key, table.valueColumns().size() + 1));
  }

  private Versioned<V> versioned(ResultSet rs, K key, int versionIndex) throws SQLException {
    long version = rs.getLong(versionIndex);
    if (version < 1) {
      throw new IllegalStateException(
          "key "
              + key
              + " of "
              + table.display()
              + " has version "
              + version
              + " but versions must be positive: write the row through Tandem or give it a version from the sequence");
    }
    V value = mapper.read(rs);
    if (value == null) {
      throw new IllegalStateException(
          mapper + " read null for key " + key + " of " + table.display());
    }
    return new Versioned<>(value, version);
  }

  /**
   * Builds a {@link JdbcStore}. The data source (or URL), table, key column and row mapper are
   * required; each setting may be made once.
   *
   * @param <K> the key type
   * @param <V> the value type
   */
  public static final class Builder<K, V> {
    private @Nullable DataSource dataSource;
    private @Nullable String jdbcUrl;
    private @Nullable String user;
    private @Nullable String password;
    private @Nullable QualifiedName table;
    private @Nullable String keyColumn;
    private @Nullable Class<K> keyType;
    private @Nullable RowMapper<V> rowMapper;
    private @Nullable String versionColumn;
    private @Nullable QualifiedName changeLog;
    private @Nullable Boolean autoCommitSingleWrites;
    private @Nullable Duration connectTimeout;
    private @Nullable Duration acquireTimeout;
    private @Nullable Duration socketTimeout;
    private @Nullable Duration lockTimeout;
    private @Nullable Duration statementTimeout;

    private Builder() {}

    /**
     * Uses connections of {@code dataSource}, typically a pool; the store never closes it.
     *
     * @throws IllegalStateException if a data source or URL was already set
     */
    public Builder<K, V> dataSource(DataSource dataSource) {
      requireNonNull(dataSource, "dataSource");
      checkNoConnection();
      this.dataSource = dataSource;
      return this;
    }

    /**
     * Connects to {@code jdbcUrl} through a HikariCP pool (10 connections, READ COMMITTED) that the
     * store creates in {@link #build()} and closes in {@link JdbcStore#close()}, its waits bounded
     * by the connect, acquire, lock, statement and socket timeouts.
     *
     * @param user the user, or null if the URL names it or none is needed
     * @param password the password, or null
     * @throws IllegalArgumentException if the URL does not start with {@code jdbc:}
     * @throws IllegalStateException if a data source or URL was already set
     */
    public Builder<K, V> jdbcUrl(String jdbcUrl, @Nullable String user, @Nullable String password) {
      requireNonNull(jdbcUrl, "jdbcUrl");
      checkNoConnection();
      if (!jdbcUrl.startsWith("jdbc:")) {
        throw new IllegalArgumentException("jdbcUrl must start with jdbc: but was " + jdbcUrl);
      }
      this.jdbcUrl = jdbcUrl;
      this.user = user;
      this.password = password;
      return this;
    }

    /**
     * Sets the table, {@code name} or {@code schema.name}; unqualified names are looked up in the
     * connection's current schema.
     *
     * @throws IllegalArgumentException if the name is not an identifier
     * @throws IllegalStateException if the table was already set
     */
    public Builder<K, V> table(String table) {
      QualifiedName name = QualifiedName.parse(table, "table", true);
      if (this.table != null) {
        throw new IllegalStateException("table was already set to " + this.table.name());
      }
      this.table = name;
      return this;
    }

    /**
     * Sets the key column, which must be the table's primary key or alone in a unique index, and
     * the Java type of keys: {@code String}, {@code Long}, {@code Integer} or {@code UUID}. {@link
     * #build} checks that the column's SQL type holds them: bigint for {@code Long}, integer for
     * {@code Integer}, text or varchar for {@code String}, uuid for {@code UUID}.
     *
     * @throws IllegalArgumentException if the column is not an identifier or the type unsupported
     * @throws IllegalStateException if the key column was already set
     */
    public Builder<K, V> keyColumn(String column, Class<K> type) {
      String name = QualifiedName.identifier(column, "keyColumn");
      requireNonNull(type, "type");
      if (!KEY_TYPES.contains(type)) {
        throw new IllegalArgumentException(
            "keyColumn: key type must be String, Long, Integer or UUID but was " + type.getName());
      }
      if (this.keyColumn != null) {
        throw new IllegalStateException("key column was already set to " + this.keyColumn);
      }
      this.keyColumn = name;
      this.keyType = type;
      return this;
    }

    /**
     * Sets the mapper of values to the value columns.
     *
     * @throws IllegalStateException if the mapper was already set
     */
    public Builder<K, V> rowMapper(RowMapper<V> rowMapper) {
      requireNonNull(rowMapper, "rowMapper");
      if (this.rowMapper != null) {
        throw new IllegalStateException("row mapper was already set to " + this.rowMapper);
      }
      this.rowMapper = rowMapper;
      return this;
    }

    /**
     * Sets the version column, a {@code bigint}. Default: {@code tandem_version}.
     *
     * @throws IllegalArgumentException if the column is not an identifier
     * @throws IllegalStateException if the version column was already set
     */
    public Builder<K, V> versionColumn(String column) {
      String name = QualifiedName.identifier(column, "versionColumn");
      if (this.versionColumn != null) {
        throw new IllegalStateException("version column was already set to " + this.versionColumn);
      }
      this.versionColumn = name;
      return this;
    }

    /**
     * Records every mutation in {@code table} ({@link JdbcSchema#createChangeLogTable}), in the
     * mutation's own transaction. Default: no change log.
     *
     * @throws IllegalArgumentException if the name is not an identifier
     * @throws IllegalStateException if the change log was already set
     */
    public Builder<K, V> changeLog(String table) {
      QualifiedName name = QualifiedName.parse(table, "changeLog", true);
      if (this.changeLog != null) {
        throw new IllegalStateException("change log was already set to " + this.changeLog.name());
      }
      this.changeLog = name;
      return this;
    }

    /**
     * Whether a transaction that is one lone put or delete (the common case of an uncontended
     * write) runs as one statement in auto-commit mode, so that the write and its commit take one
     * round trip instead of two. Default: true. Ignored on H2 (its put is two statements) and with
     * a change log.
     *
     * <p>What it changes on failure: a connection that breaks after the statement was sent leaves
     * the outcome unknown ({@link dev.tandem.CommitOutcomeUnknownException}), where two round trips
     * would have failed the write plainly if it broke before the commit was sent. A connection that
     * the server ended while it sat in the pool (PostgreSQL says goodbye with a message that pgjdbc
     * reads before sending), or that breaks while the statement is being written, is still retried,
     * as with two round trips; HikariCP also checks a connection that was idle for half a second
     * before handing it out. The outcome stays correct either way: after an unknown outcome Tandem
     * fences the key and reads it back.
     *
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> autoCommitSingleWrites(boolean enabled) {
      if (autoCommitSingleWrites != null) {
        throw new IllegalStateException(
            "auto-commit of single writes was already set to " + autoCommitSingleWrites);
      }
      this.autoCommitSingleWrites = enabled;
      return this;
    }

    /**
     * Bounds how long the pool made for {@link #jdbcUrl} waits to open a connection to PostgreSQL:
     * the TCP connect and the login that follows (pgjdbc's {@code connectTimeout} and {@code
     * loginTimeout}), so a server that is down or frozen fails a new connection within it; it also
     * bounds HikariCP's check of an idle connection before handing it out. Default: 2 seconds. With
     * {@link #dataSource}, configure the data source instead (see {@code docs/jdbc-store.md}).
     *
     * @param timeout whole seconds, at least one (pgjdbc counts these timeouts in seconds)
     * @throws IllegalArgumentException if the timeout is not a positive whole number of seconds
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> connectTimeout(Duration timeout) {
      checkUnset(connectTimeout, "connect timeout");
      if (positive(timeout, "connectTimeout").toMillis() % 1000 != 0) {
        throw new IllegalArgumentException(
            "connectTimeout must be whole seconds (pgjdbc counts in seconds) but was " + timeout);
      }
      this.connectTimeout = timeout;
      return this;
    }

    /**
     * Bounds how long a call waits for a connection of the pool made for {@link #jdbcUrl}
     * (HikariCP's {@code connectionTimeout}), including the opening of new connections when the
     * pool has none; a call that waited this long fails at once, without a retry. Default: 4
     * seconds. With {@link #dataSource}, configure your pool's own timeout instead.
     *
     * @param timeout at least 250 ms (HikariCP's least)
     * @throws IllegalArgumentException if the timeout is shorter than 250 ms
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> acquireTimeout(Duration timeout) {
      checkUnset(acquireTimeout, "acquire timeout");
      if (positive(timeout, "acquireTimeout").toMillis() < 250) {
        throw new IllegalArgumentException(
            "acquireTimeout must be at least 250 ms (HikariCP's least) but was " + timeout);
      }
      this.acquireTimeout = timeout;
      return this;
    }

    /**
     * Bounds how long the store waits for an answer from PostgreSQL or MariaDB on a connection it
     * uses: each read of the socket, so a server that stopped answering (paused, or cut off without
     * a reset) fails the call within it instead of never. Set on every connection while the store
     * uses it, with {@link #jdbcUrl} or {@link #dataSource} alike, and restored when the store is
     * done with it (a local call: nothing is sent). When it expires after a write was sent, the
     * write's outcome is unknown ({@link dev.tandem.CommitOutcomeUnknownException}); so it must be
     * longer than the statement timeout, after which a live server cancels the statement cleanly.
     * Ignored on H2. Default: 5 seconds.
     *
     * @throws IllegalArgumentException if the timeout is not positive
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> socketTimeout(Duration timeout) {
      checkUnset(socketTimeout, "socket timeout");
      this.socketTimeout = positive(timeout, "socketTimeout");
      return this;
    }

    /**
     * Bounds how long a statement of the pool made for {@link #jdbcUrl} waits for a lock another
     * session holds: the key's advisory lock (PostgreSQL's {@code lock_timeout}), the key's named
     * lock or a row lock (MariaDB's {@code innodb_lock_wait_timeout}, whole seconds) or row lock
     * (H2's {@code LOCK_TIMEOUT}). A write that waited this long fails with a {@link
     * JdbcStoreException} of SQLState 55P03 (MariaDB: HY000, error 1205; H2: HYT00), which is not
     * retried. Set when a connection is opened (PostgreSQL: in its start-up message), so it costs
     * no round trip. Default: 2 seconds. With {@link #dataSource}, configure the data source
     * instead.
     *
     * @param timeout at least one millisecond
     * @throws IllegalArgumentException if the timeout is shorter than a millisecond
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> lockTimeout(Duration timeout) {
      checkUnset(lockTimeout, "lock timeout");
      this.lockTimeout = milliseconds(timeout, "lockTimeout");
      return this;
    }

    /**
     * Bounds how long the server runs one statement of the pool made for {@link #jdbcUrl}, lock
     * waits included (PostgreSQL's {@code statement_timeout}, H2's {@code QUERY_TIMEOUT}); the
     * server then cancels it (SQLState 57014) and nothing of it commits. Must be longer than the
     * lock timeout and shorter than the socket timeout (MariaDB's {@code max_statement_time}, which
     * fails a statement with SQLState 70100). Set when a connection is opened, so it costs no round
     * trip. Default: 4 seconds. With {@link #dataSource}, configure the data source instead.
     *
     * @param timeout at least one millisecond
     * @throws IllegalArgumentException if the timeout is shorter than a millisecond
     * @throws IllegalStateException if already set
     */
    public Builder<K, V> statementTimeout(Duration timeout) {
      checkUnset(statementTimeout, "statement timeout");
      this.statementTimeout = milliseconds(timeout, "statementTimeout");
      return this;
    }

    /**
     * Connects, detects the database (PostgreSQL, MariaDB or H2) and checks the schema: the table,
     * its key column (unique, of an SQL type that fits the key class), the value columns, the
     * version column and sequence, the change log.
     *
     * @throws IllegalStateException if a required setting is missing, or a setting of the pool made
     *     for {@link #jdbcUrl} (connect, acquire, lock or statement timeout) was made with a {@link
     *     #dataSource}, or the timeouts are not ordered lock &lt; statement &lt; socket
     * @throws IllegalArgumentException if the schema does not fit, naming the setting, or the lock
     *     timeout is not whole seconds for a {@code jdbc:mariadb:} URL
     * @throws JdbcStoreException if the catalog cannot be read
     * @throws RuntimeException from HikariCP if the pool made for {@link #jdbcUrl} cannot connect
     */
    public JdbcStore<K, V> build() {
      if (dataSource == null && jdbcUrl == null) {
        throw new IllegalStateException("dataSource or jdbcUrl must be set");
      }
      QualifiedName tableName = required(table, "table");
      String key = required(keyColumn, "keyColumn");
      RowMapper<V> mapper = required(rowMapper, "rowMapper");
      String version = versionColumn != null ? versionColumn : "tandem_version";
      List<String> columns = mapperColumns(mapper);
      checkTimeouts();

      HikariDataSource pool =
          dataSource == null ? createPool(requireNonNull(jdbcUrl), tableName.name()) : null;
      DataSource ds = pool != null ? pool : requireNonNull(dataSource);
      try (Connection c = ds.getConnection()) {
        Catalog catalog = new Catalog(c);
        int previous = c.getNetworkTimeout();
        boolean server = catalog.kind() != Dialect.Kind.H2;
        if (server) {
          c.setNetworkTimeout(Runnable::run, socketTimeoutMillis());
        }
        try {
          if (pool == null && catalog.kind() == Dialect.Kind.POSTGRESQL) {
            warnIfLockWaitsUnbounded(c, tableName.name());
          } else if (pool == null && catalog.kind() == Dialect.Kind.MARIADB) {
            warnIfMariaDbWaitsLong(c, tableName.name());
          }
          Table resolved = resolve(c, catalog, tableName, key, columns, version);
          String identity = catalog.database() + "." + resolved.display();
          return new JdbcStore<>(this, ds, pool, catalog.kind(), resolved, identity);
        } finally {
          if (server && !c.isClosed()) {
            c.setNetworkTimeout(Runnable::run, previous);
          }
        }
      } catch (SQLException e) {
        closeQuietly(pool, e);
        throw new JdbcStoreException("checking table " + tableName.name(), e);
      } catch (RuntimeException e) {
        closeQuietly(pool, e);
        throw e;
      }
    }

    private Table resolve(
        Connection c,
        Catalog catalog,
        QualifiedName tableName,
        String key,
        List<String> columns,
        String version)
        throws SQLException {
      if (c.getTransactionIsolation() != Connection.TRANSACTION_READ_COMMITTED) {
        throw new IllegalArgumentException(
            "dataSource: connections use transaction isolation level "
                + c.getTransactionIsolation()
                + " but JdbcStore needs READ COMMITTED ("
                + Connection.TRANSACTION_READ_COMMITTED
                + ")");
      }
      Catalog.TableName t = catalog.table(tableName, "table");
      Map<String, Catalog.Column> all = catalog.columns(t);
      Catalog.Column keyCol = catalog.column(t, all, key, "keyColumn");
      if (!catalog.isUniqueKey(t, keyCol.name())) {
        throw new IllegalArgumentException(
            "keyColumn: column "
                + keyCol.name()
                + " of "
                + t
                + " is neither the primary key nor alone in a unique index");
      }
      if (!keyCol.holdsKeysOf(requireNonNull(keyType))) {
        throw new IllegalArgumentException(
            "keyColumn: column "
                + keyCol.name()
                + " of "
                + t
                + " is of SQL type "
                + keyCol.typeName()
                + ", which does not hold keys of "
                + keyType.getName()
                + " (Long needs bigint,"
                + " Integer integer, String text or varchar, UUID uuid)");
      }
      Catalog.Column versionCol = catalog.findColumn(all, version);
      if (versionCol == null) {
        throw new IllegalArgumentException(
            "versionColumn: table "
                + t
                + " has no column "
                + version
                + "; add it with JdbcSchema.addVersionColumn");
      }
      if (!versionCol.isInteger()) {
        throw new IllegalArgumentException(
            "versionColumn: column "
                + versionCol.name()
                + " of "
                + t
                + " must be a bigint but is "
                + versionCol.typeName());
      }
      if (requireNonNull(rowMapper) instanceof ComponentMapper<?> components) {
        components.check(catalog, t, all); // names the component, and checks types
      }
      List<String> quoted = new ArrayList<>();
      List<String> parameters = new ArrayList<>();
      List<String> types = new ArrayList<>();
      Set<String> seen = new HashSet<>();
      for (String column : columns) {
        Catalog.Column col = catalog.column(t, all, column, "rowMapper");
        if (col.name().equals(keyCol.name())
            || col.name().equals(versionCol.name())
            || !seen.add(col.name())) {
          throw new IllegalArgumentException(
              "rowMapper: column "
                  + column
                  + " is the key column, the version column or listed twice");
        }
        quoted.add(catalog.quote(col.name()));
        parameters.add(parameter(catalog.kind(), col));
        types.add(col.typeName());
      }
      String sequence = catalog.sequenceOf(t);
      if (!catalog.sequenceExists(t.schema(), sequence)) {
        throw new IllegalArgumentException(
            "table: "
                + t
                + " has no version sequence "
                + sequence
                + "; create it with JdbcSchema.addVersionColumn");
      }
      long cache = catalog.sequenceCache(t.schema(), sequence);
      if (cache != 1) {
        throw new IllegalArgumentException(
            "table: sequence "
                + t.schema()
                + "."
                + sequence
                + " caches "
                + cache
                + " values per session, so versions would not follow commit order; run ALTER SEQUENCE ... "
                + (catalog.kind() == Dialect.Kind.MARIADB ? "NOCACHE" : "CACHE 1"));
      }
      String log = null;
      if (changeLog != null) {
        Catalog.TableName logTable = catalog.table(changeLog, "changeLog");
        Map<String, Catalog.Column> logColumns = catalog.columns(logTable);
        for (String column : JdbcSchema.CHANGE_LOG_COLUMNS) {
          if (catalog.findColumn(logColumns, column) == null) {
            throw new IllegalArgumentException(
                "changeLog: table "
                    + logTable
                    + " has no column "
                    + column
                    + "; create it with JdbcSchema.createChangeLogTable");
          }
        }
        log = logTable.quoted();
      }
      return new Table(
          t.toString(),
          t.quoted(),
          catalog.quote(keyCol.name()),
          requireNonNull(keyType),
          List.copyOf(quoted),
          List.copyOf(parameters),
          List.copyOf(types),
          catalog.quote(versionCol.name()),
          catalog.quote(t.schema()) + "." + catalog.quote(sequence),
          log);
    }

    /**
     * JSON columns need their parameter typed: pgjdbc binds a String as varchar, H2 as a JSON
     * string.
     */
    private static String parameter(Dialect.Kind kind, Catalog.Column column) {
      String type = column.typeName();
      if (kind == Dialect.Kind.POSTGRESQL && (type.equals("json") || type.equals("jsonb"))) {
        return "CAST(? AS " + type + ")";
      }
      if (kind == Dialect.Kind.H2 && type.equals("json")) {
        return "? FORMAT JSON";
      }
      return "?";
    }

    private static List<String> mapperColumns(RowMapper<?> mapper) {
      List<String> columns = mapper.columns();
      if (columns == null || columns.isEmpty()) {
        throw new IllegalArgumentException("rowMapper: columns() must name at least one column");
      }
      for (String column : columns) {
        QualifiedName.identifier(column, "rowMapper column");
      }
      return List.copyOf(columns);
    }

    /**
     * Warns once, at build, if an application's data source leaves lock waits or statements
     * unbounded: the store cannot set those on a pool it does not own without a round trip.
     */
    private static void warnIfLockWaitsUnbounded(Connection c, String table) throws SQLException {
      try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT current_setting('lock_timeout'), current_setting('statement_timeout')");
          ResultSet rs = ps.executeQuery()) {
        rs.next();
        String lock = rs.getString(1);
        String statement = rs.getString(2);
        if ("0".equals(lock) || "0".equals(statement)) {
          log.warn(
              "the data source of table {} leaves lock_timeout ({}) or statement_timeout ({}) unbounded: a write"
                  + " blocked on a lock held elsewhere waits without end; set them on the data source, for example"
                  + " pgjdbc's options=-c lock_timeout=2000 -c statement_timeout=4000 (see docs/jdbc-store.md)",
              table,
              lock,
              statement);
        }
      }
    }

    /**
     * Warns once, at build, if an application's MariaDB data source leaves statements unbounded
     * ({@code max_statement_time} 0) or lets a key lock wait longer than 10 seconds ({@code
     * innodb_lock_wait_timeout}, 50 by default), which also bounds the wait for a key's named lock.
     */
    private static void warnIfMariaDbWaitsLong(Connection c, String table) throws SQLException {
      try (PreparedStatement ps =
              c.prepareStatement("SELECT @@innodb_lock_wait_timeout, @@max_statement_time");
          ResultSet rs = ps.executeQuery()) {
        rs.next();
        long lock = rs.getLong(1);
        double statement = rs.getDouble(2);
        if (lock > 10 || statement == 0) {
          log.warn(
              "the data source of table {} lets a write wait {} s for a key lock (innodb_lock_wait_timeout) and"
                  + " leaves statements {} (max_statement_time); set them on the data source, for example MariaDB"
                  + " Connector/J's sessionVariables=innodb_lock_wait_timeout=2,max_statement_time=4 (see"
                  + " docs/jdbc-store.md)",
              table,
              lock,
              statement == 0 ? "unbounded" : "bounded by " + statement + " s");
        }
      }
    }

    private void checkTimeouts() {
      if (dataSource != null) {
        onlyWithJdbcUrl(connectTimeout, "connectTimeout");
        onlyWithJdbcUrl(acquireTimeout, "acquireTimeout");
        onlyWithJdbcUrl(lockTimeout, "lockTimeout");
        onlyWithJdbcUrl(statementTimeout, "statementTimeout");
        return;
      }
      Duration lock = orDefault(lockTimeout, DEFAULT_LOCK_TIMEOUT);
      Duration statement = orDefault(statementTimeout, DEFAULT_STATEMENT_TIMEOUT);
      Duration socket = orDefault(socketTimeout, DEFAULT_SOCKET_TIMEOUT);
      if (lock.compareTo(statement) >= 0) {
        throw new IllegalStateException(
            "lockTimeout ("
                + lock
                + ") must be shorter than statementTimeout ("
                + statement
                + "), which bounds lock waits too");
      }
      if (statement.compareTo(socket) >= 0) {
        throw new IllegalStateException(
            "statementTimeout ("
                + statement
                + ") must be shorter than socketTimeout ("
                + socket
                + "), so that a live server cancels a statement before the client gives up on it");
      }
    }

    private static void onlyWithJdbcUrl(@Nullable Duration value, String setting) {
      if (value != null) {
        throw new IllegalStateException(
            setting
                + " applies to the pool made for jdbcUrl; with a dataSource,"
                + " configure it on the data source (see docs/jdbc-store.md)");
      }
    }

    int socketTimeoutMillis() {
      return (int)
          Math.min(Integer.MAX_VALUE, orDefault(socketTimeout, DEFAULT_SOCKET_TIMEOUT).toMillis());
    }

    private HikariDataSource createPool(String url, String table) {
      Duration acquire = orDefault(acquireTimeout, DEFAULT_ACQUIRE_TIMEOUT);
      Duration connect = orDefault(connectTimeout, DEFAULT_CONNECT_TIMEOUT);
      long lock = orDefault(lockTimeout, DEFAULT_LOCK_TIMEOUT).toMillis();
      long statement = orDefault(statementTimeout, DEFAULT_STATEMENT_TIMEOUT).toMillis();
      HikariConfig config = new HikariConfig();
      config.setJdbcUrl(url);
      config.setConnectionTimeout(acquire.toMillis());
      config.setValidationTimeout(Math.min(acquire.toMillis(), connect.toMillis()));
      if (url.startsWith("jdbc:postgresql:")) {
        config.addDataSourceProperty("connectTimeout", Long.toString(connect.toSeconds()));
        config.addDataSourceProperty("loginTimeout", Long.toString(connect.toSeconds()));
        config.addDataSourceProperty(
            "options", "-c lock_timeout=" + lock + " -c statement_timeout=" + statement);
        if (socketTimeoutMillis() % 1000
            == 0) { // pgjdbc counts in seconds; then the store need not set it per use
          config.addDataSourceProperty(
              "socketTimeout", Integer.toString(socketTimeoutMillis() / 1000));
        }
      } else if (url.startsWith("jdbc:mariadb:")) {
        if (lock % 1000 != 0) {
          throw new IllegalArgumentException(
              "lockTimeout must be whole seconds on MariaDB (innodb_lock_wait_timeout,"
                  + " which bounds key and row locks, counts in seconds) but was "
                  + Duration.ofMillis(lock));
        }
        config.addDataSourceProperty("connectTimeout", Long.toString(connect.toMillis()));
        config.addDataSourceProperty("socketTimeout", Integer.toString(socketTimeoutMillis()));
        config.addDataSourceProperty(
            "sessionVariables",
            "innodb_lock_wait_timeout="
                + lock / 1000
                + ",max_statement_time="
                + statement / 1000.0);
      } else if (url.startsWith("jdbc:h2:")) {
        config.setConnectionInitSql(
            "SET LOCK_TIMEOUT " + lock + "; SET QUERY_TIMEOUT " + statement);
      }
      if (user != null) {
        config.setUsername(user);
      }
      if (password != null) {
        config.setPassword(password);
      }
      config.setPoolName("tandem-" + table);
      config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
      config.setMaximumPoolSize(10);
      return new HikariDataSource(config);
    }

    private static void checkUnset(@Nullable Object value, String setting) {
      if (value != null) {
        throw new IllegalStateException(setting + " was already set to " + value);
      }
    }

    private static Duration positive(Duration timeout, String setting) {
      requireNonNull(timeout, setting);
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException(setting + " must be positive but was " + timeout);
      }
      return timeout;
    }

    private static Duration milliseconds(Duration timeout, String setting) {
      if (positive(timeout, setting).toMillis() < 1) {
        throw new IllegalArgumentException(setting + " must be at least 1 ms but was " + timeout);
      }
      return timeout;
    }

    private static Duration orDefault(@Nullable Duration value, Duration fallback) {
      return value != null ? value : fallback;
    }

    private void checkNoConnection() {
      if (dataSource != null || jdbcUrl != null) {
        throw new IllegalStateException(
            "connection was already set to "
                + (dataSource != null ? "data source " + dataSource : "URL " + jdbcUrl));
      }
    }

    private static <T> T required(@Nullable T value, String setting) {
      if (value == null) {
        throw new IllegalStateException(setting + " must be set");
      }
      return value;
    }

    private static void closeQuietly(@Nullable HikariDataSource pool, Exception failure) {
      if (pool != null) {
        try {
          pool.close();
        } catch (RuntimeException e) {
          failure.addSuppressed(e);
        }
      }
    }
  }
}
