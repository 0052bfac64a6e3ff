package dev.tandem.jdbc;

import static java.util.Objects.requireNonNull;

import dev.tandem.spi.CacheTier;
import dev.tandem.spi.TierMeters;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps cached copies in step with writes that bypass Tandem (SQL, migrations, other services), by
 * reading PostgreSQL's change stream: logical replication with the built-in {@code pgoutput}
 * plugin, a publication of the cached tables and one replication slot, both named by {@link
 * Builder#slot}. Every insert, update, delete and truncate of a watched table drops the changed
 * keys from the tier that {@link #watch} wrapped; Tandem's own writes are recognised by their
 * version and skipped.
 *
 * <pre>{@code
 * ChangeListener changes = ChangeListener.builder()
 *     .jdbcUrl("jdbc:postgresql://db/app", "app", secret)
 *     .slot("tandem_app")
 *     .build();
 * CacheTier<Long, Flight> tier = changes.watch(store, LocalTier.<Long, Flight>builder().maximumSize(100_000).build());
 * Tandem<Long, Flight> flights = Tandem.builder(store).cacheTier(tier).build();
 * changes.start();
 * }</pre>
 *
 * <p><b>The bound.</b> Every {@code bound / 4} the listener writes a heartbeat into the change
 * stream ({@code pg_logical_emit_message}) stamped with the time it was sent. Changes reach the
 * stream in commit order, so when a heartbeat comes back, every change committed before it was sent
 * has been applied. The watched tiers serve cached copies only while the newest heartbeat that came
 * back was sent less than {@link Builder#bound} ago ({@link #serving()}); otherwise (not started
 * yet, disconnected, behind) reads go to the database and nothing is cached. So a write that
 * bypasses Tandem is seen by every read that starts {@code bound} after its commit, whatever the
 * listener, its connection or the database do.
 *
 * <p><b>Faults.</b> The listener reconnects by itself (backing off up to a second). After a
 * reconnect it resumes from the slot's acknowledged position, so no change is lost; if the slot is
 * gone or lost ({@code wal_status = 'lost'}, see {@code max_slot_wal_keep_size}), or the listener
 * was behind for longer than {@link Builder#resyncAfter}, it starts over: creates the slot anew,
 * drops every entry of the watched tiers, and serves again from the first heartbeat.
 *
 * <p>Thread safety: all methods may be called from any thread. The listener runs on two daemon
 * threads of its own (the stream and the heartbeat).
 */
public final class ChangeListener implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ChangeListener.class);
  private static final Pattern SLOT_NAME = Pattern.compile("[a-z0-9_]{1,63}");
  private static final Duration DEFAULT_BOUND = Duration.ofSeconds(2);
  private static final Duration DEFAULT_RESYNC_AFTER = Duration.ofMinutes(1);
  private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** The longest pause between two polls of an idle stream: the most it adds to the lag. */
  private static final long MAX_IDLE_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  private final String url;
  private final Properties properties;
  private final String slot;
  private final String publication;
  private final long boundNanos;
  private final long resyncAfterNanos;

  /** How long the stream may bring nothing (not even a heartbeat) before it counts as broken. */
  private final long silenceNanos;

  private final String heartbeatPrefix;
  private final Map<String, WatchedTier<?, ?>> watched = new ConcurrentHashMap<>();
  private final Object lock = new Object();
  private final AtomicLong reconnects = new AtomicLong();
  private final AtomicLong resyncs = new AtomicLong();
  private final CommitLags commitLags = new CommitLags();

  /**
   * The send time ({@link System#nanoTime}) of the newest heartbeat that came back; 0 before any.
   */
  private volatile long freshAsOf;

  private volatile long lagBytes = -1;
  private volatile boolean started;
  private volatile boolean closed;
  private volatile @Nullable Connection streamConnection;
  private @Nullable Thread streamThread;
  private @Nullable Thread heartbeatThread;

  /** Whether every watched tier must be dropped before serving again (the slot was made anew). */
  private boolean resyncPending;

  private ChangeListener(Builder builder) {
    this.url = requireNonNull(builder.url);
    this.properties = builder.properties;
    this.slot = requireNonNull(builder.slot);
    this.publication = builder.publication != null ? builder.publication : slot;
    this.boundNanos = (builder.bound != null ? builder.bound : DEFAULT_BOUND).toNanos();
    this.resyncAfterNanos =
        (builder.resyncAfter != null ? builder.resyncAfter : DEFAULT_RESYNC_AFTER).toNanos();
    this.silenceNanos = Math.max(TimeUnit.SECONDS.toNanos(10), boundNanos * 4);
    this.heartbeatPrefix =
        "tandem:" + slot + ":" + Long.toHexString(ThreadLocalRandom.current().nextLong());
  }

  /** Returns a new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns {@code tier} wrapped so that this listener keeps it in step with the rows of {@code
   * store}'s table; build the {@link dev.tandem.Tandem} over the returned tier. Call before {@link
   * #start()}, once per table.
   *
   * @throws IllegalArgumentException if the store is not on PostgreSQL, or its table is watched
   *     already
   * @throws IllegalStateException if the listener was started
   */
  public <K, V> CacheTier<K, V> watch(JdbcStore<K, ?> store, CacheTier<K, V> tier) {
    requireNonNull(store, "store");
    requireNonNull(tier, "tier");
    if (store.kind() != Dialect.Kind.POSTGRESQL) {
      throw new IllegalArgumentException(
          "store: " + store + " is not on PostgreSQL; only PostgreSQL has a change stream");
    }
    synchronized (lock) {
      if (started) {
        throw new IllegalStateException("watch: the listener was started already");
      }
      WatchedTier<K, V> wrapped = new WatchedTier<>(tier, this, store);
      if (watched.putIfAbsent(store.table().display(), wrapped) != null) {
        throw new IllegalArgumentException(
            "store: table " + store.table().display() + " is watched already");
      }
      return wrapped;
    }
  }

  /**
   * Starts the listener's threads and returns at once: they create the publication and the slot if
   * they are missing, then stream. Until the first heartbeat comes back, the watched tiers serve
   * nothing from the cache ({@link #awaitServing} waits for it).
   *
   * @throws IllegalStateException if no table is watched, or the listener was started or closed
   */
  public void start() {
    synchronized (lock) {
      if (watched.isEmpty()) {
        throw new IllegalStateException("start: no table is watched (call watch first)");
      }
      if (started || closed) {
        throw new IllegalStateException(
            "start: the listener was " + (closed ? "closed" : "started already"));
      }
      started = true;
      streamThread =
          Thread.ofPlatform().daemon().name("tandem-changes-" + slot).start(this::stream);
      Heartbeat heartbeat =
          new Heartbeat(
              () -> connect(false),
              heartbeatPrefix,
              slot,
              Math.max(TimeUnit.MILLISECONDS.toNanos(5), boundNanos / 4),
              () -> closed,
              bytes -> lagBytes = bytes);
      heartbeatThread =
          Thread.ofPlatform().daemon().name("tandem-heartbeat-" + slot).start(heartbeat);
    }
  }

  /**
   * Returns whether the watched tiers serve cached copies now: whether every change committed more
   * than {@link Builder#bound} ago has been applied. Cheap: one clock read.
   */
  public boolean serving() {
    long fresh = freshAsOf;
    return fresh != 0 && System.nanoTime() - fresh < boundNanos;
  }

  /**
   * Waits until the listener {@linkplain #serving() serves}, at most {@code timeout}.
   *
   * @return whether it serves
   * @throws IllegalStateException if the thread was interrupted (its flag is set again)
   */
  public boolean awaitServing(Duration timeout) {
    return await(this::serving, timeout);
  }

  /**
   * Waits until every change committed before this call has been applied to the watched tiers
   * (until a heartbeat sent after the call came back), at most {@code timeout}.
   *
   * @return whether they were applied in time
   * @throws IllegalStateException if the thread was interrupted (its flag is set again)
   */
  public boolean awaitApplied(Duration timeout) {
    long since = System.nanoTime();
    return await(() -> freshAsOf - since >= 0, timeout);
  }

  /**
   * Waits for {@code done}, which a heartbeat that comes back may make true, at most {@code
   * timeout}.
   */
  private boolean await(java.util.function.BooleanSupplier done, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (!done.getAsBoolean()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(lock, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for the change listener", e);
        }
      }
      return true;
    }
  }

  /**
   * Returns how far behind the listener is in time: how long ago the newest heartbeat that came
   * back was sent (a bound on the age of the oldest change not yet applied), or null before the
   * first.
   */
  public @Nullable Duration lag() {
    long fresh = freshAsOf;
    return fresh == 0 ? null : Duration.ofNanos(System.nanoTime() - fresh);
  }

  /**
   * Returns how many bytes of WAL the slot holds back (the server's position minus the slot's
   * acknowledged one), as the last heartbeat read it; -1 if unknown.
   */
  public long lagBytes() {
    return lagBytes;
  }

  /** Returns how many times the stream was re-established after it broke. */
  public long reconnects() {
    return reconnects.get();
  }

  /**
   * Returns how many times the listener started over (slot lost or dropped, or behind for longer
   * than {@link Builder#resyncAfter}), dropping every entry of the watched tiers.
   */
  public long resyncs() {
    return resyncs.get();
  }

  /**
   * Commit to invalidation, measured for each transaction that changed a watched table: from its
   * commit time (the server's clock) to when its changes had been applied (this machine's clock, so
   * the figures hold as far as the clocks agree; on one machine, exactly).
   *
   * @param count transactions measured since the listener was built
   * @param p50 the median over the last 65,536 of them
   * @param p99 the 99th percentile over the same
   * @param max the largest since the listener was built
   */
  public record CommitLag(long count, Duration p50, Duration p99, Duration max) {}

  /** Returns the commit-to-invalidation figures so far. */
  public CommitLag commitLag() {
    return commitLags.snapshot();
  }

  /**
   * Drops the replication slot and the publication, so that the server no longer keeps WAL for this
   * listener. Call it on a closed listener when the deployment goes away; a slot nobody reads keeps
   * WAL without end (unless {@code max_slot_wal_keep_size} bounds it).
   *
   * @throws IllegalStateException if the listener is running
   * @throws JdbcStoreException if a statement fails
   */
  public void dropSlot() {
    if (started && !closed) {
      throw new IllegalStateException("dropSlot: close the listener first");
    }
    try (Connection c = DriverManager.getConnection(url, properties);
        Statement s = c.createStatement()) {
      awaitSlotInactive(c);
      s.execute(
          "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '"
              + slot
              + "'");
      s.execute("DROP PUBLICATION IF EXISTS " + publication);
    } catch (SQLException e) {
      throw new JdbcStoreException("dropping replication slot " + slot, e);
    }
  }

  /** Stops the threads and closes the stream's connection; the slot stays. Idempotent. */
  @Override
  public void close() {
    Thread stream;
    Thread heart;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      stream = streamThread;
      heart = heartbeatThread;
    }
    closeQuietly(streamConnection);
    for (Thread t : new Thread[] {stream, heart}) {
      if (t != null) {
        t.interrupt();
        try {
          t.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  @Override
  public String toString() {
    return "ChangeListener{slot=" + slot + ", tables=" + watched.keySet() + "}";
  }

  /**
   * Registers this listener's meters with a watched tier's (see {@link
   * WatchedTier#registerMeters}).
   */
  void registerMeters(TierMeters meters, WatchedTier<?, ?> tier) {
    meters.gauge(
        "tandem.changes.serving",
        "1 while the change listener is less than its bound behind, so cached"
            + " copies are served; 0 while reads go to the database",
        () -> serving() ? 1 : 0);
    meters.gauge(
        "tandem.changes.lag.seconds",
        "how long ago the newest heartbeat the change stream brought back"
            + " was sent, in seconds (NaN before the first)",
        () -> {
          Duration lag = lag();
          return lag == null ? Double.NaN : lag.toNanos() / 1e9;
        });
    meters.gauge(
        "tandem.changes.lag.bytes",
        "bytes of WAL the replication slot holds back (-1 if unknown)",
        this::lagBytes);
    meters.counter(
        "tandem.changes.invalidations",
        "keys dropped (and truncates applied) for changes of the table",
        tier.invalidated::sum);
    meters.counter(
        "tandem.changes.skipped",
        "changes of the table recognised as Tandem's own writes by their version",
        tier.skipped::sum);
    meters.counter(
        "tandem.changes.reconnects",
        "times the change stream was re-established",
        this::reconnects);
    meters.counter(
        "tandem.changes.resyncs",
        "times the change listener started over and dropped every entry",
        this::resyncs);
  }

  // ---------------------------------------------------------------- the stream thread

  private void stream() {
    long backoff = TimeUnit.MILLISECONDS.toNanos(50);
    boolean everStreamed = false;
    int failures = 0;
    while (!closed) {
      try (Connection c = connect(true)) {
        streamConnection = c;
        prepare(everStreamed);
        PGReplicationStream stream =
            c.unwrap(PGConnection.class)
                .getReplicationAPI()
                .replicationStream()
                .logical()
                .withSlotName(slot)
                .withSlotOption("proto_version", 1)
                .withSlotOption("publication_names", publication)
                .withSlotOption("messages", true)
                .withStatusInterval(
                    Math.max(1, (int) TimeUnit.NANOSECONDS.toMillis(boundNanos / 4)),
                    TimeUnit.MILLISECONDS)
                .start();
        if (everStreamed) {
          reconnects.incrementAndGet();
        }
        everStreamed = true;
        backoff = TimeUnit.MILLISECONDS.toNanos(50);
        failures = 0;
        read(stream);
      } catch (SQLException | RuntimeException e) {
        if (closed) {
          break;
        }
        if (failures++ == 0) {
          log.warn("change listener {}: stream broke ({}); reconnecting", slot, e.toString());
        }
        log.debug("change listener {}: stream failure {}", slot, failures, e);
        LockSupport.parkNanos(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_NANOS);
      } finally {
        streamConnection = null;
      }
    }
  }

  /**
   * Reads and applies messages until the stream breaks or the listener is closed. It polls with
   * {@code readPending} rather than blocking in {@code read}: since pgjdbc 42.7.11 a blocking read
   * that finds no message within one status interval ends the COPY (pgjdbc issue 4328). A stream
   * silent for longer than the socket timeout (no heartbeat came back) counts as broken.
   */
  private void read(PGReplicationStream stream) throws SQLException {
    PgOutput.Handler handler =
        new ChangeApplier(
            slot,
            watched,
            heartbeatPrefix,
            commitLags,
            this::heartbeatReturned,
            () -> connect(false));
    long silentSince = System.nanoTime();
    long idleNanos = 0;
    while (!closed) {
      ByteBuffer message = stream.readPending();
      if (message == null) {
        if (System.nanoTime() - silentSince > silenceNanos) {
          throw new SQLException(
              "no message for " + TimeUnit.NANOSECONDS.toMillis(silenceNanos) + " ms");
        }
        idleNanos = Math.min(MAX_IDLE_NANOS, idleNanos + TimeUnit.MILLISECONDS.toNanos(1));
        LockSupport.parkNanos(idleNanos);
        continue;
      }
      idleNanos = 0;
      silentSince = System.nanoTime();
      PgOutput.decode(message, handler);
      LogSequenceNumber received = stream.getLastReceiveLSN();
      stream.setAppliedLSN(received); // applied: every change up to it dropped its keys
      stream.setFlushedLSN(received);
    }
  }

  /**
   * Creates the publication and the slot when missing, and starts over when the slot is new or
   * lost, or this listener was behind for longer than resyncAfter.
   */
  private void prepare(boolean everStreamed) throws SQLException {
    try (Connection c = connect(false);
        Statement s = c.createStatement()) {
      ensurePublication(c, s);
      ChangeApplier.detectTriggers(c, watched.values());
      String status = null;
      boolean exists = false;
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT wal_status FROM pg_replication_slots WHERE slot_name = ? AND database = current_database()")) {
        ps.setString(1, slot);
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            exists = true;
            status = rs.getString(1);
          }
        }
      }
      long fresh = freshAsOf;
      boolean lost = exists && "lost".equals(status);
      boolean tooLong =
          exists && everStreamed && fresh != 0 && System.nanoTime() - fresh > resyncAfterNanos;
      if (lost || tooLong) {
        log.warn(
            "change listener {}: {}; starting over",
            slot,
            lost ? "the replication slot was lost" : "behind for longer than resyncAfter");
        awaitSlotInactive(c);
        s.execute("SELECT pg_drop_replication_slot('" + slot + "')");
        exists = false;
      } else if (!exists && everStreamed) {
        log.warn("change listener {}: the replication slot is gone; starting over", slot);
      }
      if (!exists) {
        s.execute("SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
        resyncPending = true; // the new slot starts now: what was cached before may be stale
      }
      if (resyncPending) {
        for (WatchedTier<?, ?> tier : watched.values()) {
          tier.changedAll();
        }
        if (everStreamed) {
          resyncs.incrementAndGet();
        }
        resyncPending = false;
      }
    }
  }

  private void ensurePublication(Connection c, Statement s) throws SQLException {
    List<String> missing = new ArrayList<>();
    boolean exists;
    try (PreparedStatement ps =
        c.prepareStatement("SELECT 1 FROM pg_publication WHERE pubname = ?")) {
      ps.setString(1, publication);
      try (ResultSet rs = ps.executeQuery()) {
        exists = rs.next();
      }
    }
    for (WatchedTier<?, ?> tier : watched.values()) {
      Table table = tier.store().table();
      if (exists) {
        try (PreparedStatement ps =
            c.prepareStatement(
                "SELECT 1 FROM pg_publication_tables WHERE pubname = ?"
                    + " AND schemaname || '.' || tablename = ?")) {
          ps.setString(1, publication);
          ps.setString(2, table.display());
          try (ResultSet rs = ps.executeQuery()) {
            if (rs.next()) {
              continue;
            }
          }
        }
      }
      missing.add(table.name());
    }
    if (!exists) {
      s.execute("CREATE PUBLICATION " + publication + " FOR TABLE " + String.join(", ", missing));
    } else if (!missing.isEmpty()) {
      s.execute("ALTER PUBLICATION " + publication + " ADD TABLE " + String.join(", ", missing));
    }
  }

  /**
   * Waits up to 10 s for a walsender that still holds the slot (a dropped connection) to let go.
   */
  private void awaitSlotInactive(Connection c) throws SQLException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    try (PreparedStatement ps =
        c.prepareStatement("SELECT active FROM pg_replication_slots WHERE slot_name = ?")) {
      ps.setString(1, slot);
      while (System.nanoTime() < deadline) {
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next() || !rs.getBoolean(1)) {
            return;
          }
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
      }
    }
  }

  /**
   * Records that a heartbeat sent at {@code sent} ({@link System#nanoTime}) came back: every change
   * committed before then has been applied. Called on the stream thread (and by tests).
   */
  void heartbeatReturned(long sent) {
    if (sent - freshAsOf > 0 || freshAsOf == 0) {
      freshAsOf = sent;
      synchronized (lock) {
        lock.notifyAll();
      }
    }
  }

  private Connection connect(boolean replication) throws SQLException {
    Properties p = new Properties();
    p.putAll(properties);
    if (replication) {
      PGProperty.REPLICATION.set(p, "database");
      PGProperty.ASSUME_MIN_SERVER_VERSION.set(p, "10");
      PGProperty.PREFER_QUERY_MODE.set(p, "simple");
    }
    Connection c = DriverManager.getConnection(url, p);
    if (!replication) {
      c.setAutoCommit(true);
    }
    return c;
  }

  private static void closeQuietly(@Nullable Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException | RuntimeException e) {
        // the connection is being dropped anyway
      }
    }
  }

  /**
   * Builds a {@link ChangeListener}. Settings made twice, or missing, fail in {@link #build()} with
   * a message naming the setting.
   */
  public static final class Builder {
    private @Nullable String url;
    private final Properties properties = new Properties();
    private @Nullable String slot;
    private @Nullable String publication;
    private @Nullable Duration bound;
    private @Nullable Duration resyncAfter;
    private @Nullable Duration connectTimeout;

    private Builder() {}

    /**
     * The PostgreSQL server and database to stream from, and the role: it needs the {@code
     * REPLICATION} attribute (or to be a superuser) and the right to create a publication of the
     * watched tables. The server must run with {@code wal_level=logical}. Required.
     *
     * @throws IllegalArgumentException if the URL is not a {@code jdbc:postgresql:} URL
     * @throws IllegalStateException if it was set already
     */
    public Builder jdbcUrl(String jdbcUrl, @Nullable String user, @Nullable String password) {
      requireNonNull(jdbcUrl, "jdbcUrl");
      unset(url, "jdbcUrl");
      if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
        throw new IllegalArgumentException(
            "jdbcUrl must start with jdbc:postgresql: but was " + jdbcUrl);
      }
      url = jdbcUrl;
      if (user != null) {
        PGProperty.USER.set(properties, user);
      }
      if (password != null) {
        PGProperty.PASSWORD.set(properties, password);
      }
      return this;
    }

    /**
     * The replication slot's name, one per deployment (one per process that runs a listener); also
     * the publication's name unless {@link #publication} sets another. Required.
     *
     * @param name lower-case letters, digits and underscores, at most 63
     * @throws IllegalArgumentException if the name is not of that form
     * @throws IllegalStateException if it was set already
     */
    public Builder slot(String name) {
      slot = name(name, slot, "slot");
      return this;
    }

    /**
     * The publication's name; default: the slot's name.
     *
     * @throws IllegalArgumentException if the name is not lower-case letters, digits and
     *     underscores
     * @throws IllegalStateException if it was set already
     */
    public Builder publication(String name) {
      publication = name(name, publication, "publication");
      return this;
    }

    private static String name(String name, @Nullable String current, String setting) {
      requireNonNull(name, "name");
      unset(current, setting);
      if (!SLOT_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException(
            setting + " must match " + SLOT_NAME + " but was " + name);
      }
      return name;
    }

    private static void unset(@Nullable Object current, String setting) {
      if (current != null) {
        throw new IllegalStateException(setting + " was already set to " + current);
      }
    }

    /**
     * How stale a read may be after a write that bypassed Tandem: cached copies are served only
     * while the listener is less than this behind; heartbeats go every quarter of it. Default 2 s.
     *
     * @throws IllegalArgumentException if not at least 20 ms
     * @throws IllegalStateException if it was set already
     */
    public Builder bound(Duration bound) {
      requireNonNull(bound, "bound");
      unset(this.bound, "bound");
      if (bound.compareTo(Duration.ofMillis(20)) < 0) {
        throw new IllegalArgumentException("bound must be at least 20ms but was " + bound);
      }
      this.bound = bound;
      return this;
    }

    /**
     * How long the listener may be behind (disconnected, or slow) before it starts over instead of
     * catching up: it makes the slot anew (skipping the WAL it held) and drops every entry of the
     * watched tiers. Default 1 minute.
     *
     * @throws IllegalArgumentException if not positive
     * @throws IllegalStateException if it was set already
     */
    public Builder resyncAfter(Duration resyncAfter) {
      requireNonNull(resyncAfter, "resyncAfter");
      unset(this.resyncAfter, "resyncAfter");
      if (resyncAfter.isNegative() || resyncAfter.isZero()) {
        throw new IllegalArgumentException("resyncAfter must be positive but was " + resyncAfter);
      }
      this.resyncAfter = resyncAfter;
      return this;
    }

    /**
     * Bounds each connection attempt of the listener. Reads of its connections time out after the
     * larger of 10 s and four times the bound, so that a server that vanished without a word is
     * noticed (meanwhile reads go to the database, see {@link #bound}). Default 2 s.
     *
     * @throws IllegalArgumentException if less than a second (PostgreSQL's driver counts whole
     *     seconds)
     * @throws IllegalStateException if it was set already
     */
    public Builder connectTimeout(Duration timeout) {
      requireNonNull(timeout, "timeout");
      unset(connectTimeout, "connectTimeout");
      if (timeout.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException("connectTimeout must be at least 1s but was " + timeout);
      }
      connectTimeout = timeout;
      return this;
    }

    /**
     * Returns the listener; it does nothing until {@link ChangeListener#start()}.
     *
     * @throws IllegalStateException if jdbcUrl or slot is not set, or resyncAfter is not longer
     *     than bound
     */
    public ChangeListener build() {
      if (url == null) {
        throw new IllegalStateException("jdbcUrl must be set");
      }
      if (slot == null) {
        throw new IllegalStateException("slot must be set");
      }
      Duration b = bound != null ? bound : DEFAULT_BOUND;
      Duration r = resyncAfter != null ? resyncAfter : DEFAULT_RESYNC_AFTER;
      if (r.compareTo(b) <= 0) {
        throw new IllegalStateException(
            "resyncAfter (" + r + ") must be longer than bound (" + b + ")");
      }
      Duration connect = connectTimeout != null ? connectTimeout : Duration.ofSeconds(2);
      PGProperty.CONNECT_TIMEOUT.set(properties, (int) Math.max(1, connect.toSeconds()));
      // pgjdbc cannot go on with a replication stream after a socket timeout: keep it for dead
      // peers
      long socket = Math.max(10, (b.toMillis() * 4 + 999) / 1000);
      PGProperty.SOCKET_TIMEOUT.set(properties, (int) socket);
      PGProperty.APPLICATION_NAME.set(properties, "tandem-changes-" + slot);
      return new ChangeListener(this);
    }
  }
}
