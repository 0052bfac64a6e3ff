package dev.tandem.cli.torture;

import dev.tandem.Tandem;
import dev.tandem.cli.CommandFailedException;
import dev.tandem.jdbc.ChangeListener;
import dev.tandem.jdbc.JdbcSchema;
import dev.tandem.jdbc.JdbcStore;
import dev.tandem.spi.CacheTier;
import dev.tandem.testkit.check.OutsideWrites;
import dev.tandem.testkit.fault.FaultProxy;
import dev.tandem.testkit.fault.PostgresFaults;
import dev.tandem.testkit.history.History;
import dev.tandem.testkit.server.PostgresServer;
import dev.tandem.testkit.torture.Fault;
import dev.tandem.testkit.torture.OutsideWriter;
import dev.tandem.testkit.torture.Torture;
import dev.tandem.verify.Verifier;
import dev.tandem.verify.VerifyReport;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The writers around Tandem of {@code tandem torture --outside-writers N}: plain SQL on the run's
 * table (upserts and deletes, alone or two in a transaction), a {@link ChangeListener} per node
 * that keeps the node's tier in step, the listener's faults (killed, its connection dropped,
 * PostgreSQL restarted) and the report of what reads saw after outside writes.
 */
final class TortureOutside implements AutoCloseable {

  /** The listeners' bound: reads see an outside write at most this long after it committed. */
  static final Duration BOUND = Duration.ofMillis(500);

  /** How long a listener may be behind before it starts over. */
  private static final Duration RESYNC_AFTER = Duration.ofSeconds(5);

  private final TortureDatabase database;
  private final @Nullable FaultProxy proxy;
  private final String url;
  private final List<ChangeListener> listeners = new ArrayList<>();
  private final AtomicInteger killed = new AtomicInteger();

  private TortureOutside(TortureDatabase database, @Nullable FaultProxy proxy, String url) {
    this.database = database;
    this.proxy = proxy;
    this.url = url;
  }

  /**
   * Prepares the run's table for a change listener: the version trigger, so that the outside writes
   * take the keys' locks (without it, an outside write landing between the read and the write of a
   * Tandem update is overwritten: a lost update no cache can prevent) and carry new versions; and a
   * full replica identity. With {@code faults} on a server the run started, a fault proxy for the
   * listeners' connections.
   *
   * @throws CommandFailedException if the table cannot be prepared
   */
  static TortureOutside open(TortureDatabase database, boolean faults) {
    try (Connection c = database.direct().getConnection();
        Statement s = c.createStatement()) {
      s.execute("ALTER TABLE " + database.table() + " REPLICA IDENTITY FULL");
      JdbcSchema.addVersionTrigger(database.direct(), database.table(), "k", "tandem_version");
    } catch (SQLException | RuntimeException e) {
      throw new CommandFailedException(
          "cannot prepare " + database.table() + " for the change listener: " + e.getMessage(), e);
    }
    PostgresServer server = database.server();
    if (faults && server != null) {
      FaultProxy proxy = FaultProxy.start("localhost", server.port());
      String url =
          database.url().replaceFirst("//[^/]+/", "//" + proxy.host() + ":" + proxy.port() + "/");
      return new TortureOutside(database, proxy, url);
    }
    return new TortureOutside(database, null, database.url());
  }

  /** Returns {@code tier} watched by a new listener of node {@code node} (a slot of its own). */
  CacheTier<String, Long> watch(
      JdbcStore<String, Long> store, CacheTier<String, Long> tier, int node) {
    ChangeListener listener =
        ChangeListener.builder()
            .jdbcUrl(url, null, null)
            .slot("tandem_torture_" + ProcessHandle.current().pid() + "_" + node)
            .bound(BOUND)
            .resyncAfter(RESYNC_AFTER)
            .build();
    listeners.add(listener);
    return listener.watch(store, tier);
  }

  /**
   * Starts the listeners and waits until they serve.
   *
   * @throws CommandFailedException if one does not serve within a minute
   */
  void start() {
    listeners.forEach(ChangeListener::start);
    for (ChangeListener listener : listeners) {
      if (!listener.awaitServing(Duration.ofMinutes(1))) {
        throw new CommandFailedException(
            "the change listener "
                + listener
                + " did not stream within a minute"
                + " (is wal_level=logical?)");
      }
    }
  }

  /** Waits (up to 30 s each) until the listeners applied every change committed so far. */
  void settle() {
    listeners.forEach(l -> l.awaitApplied(Duration.ofSeconds(30)));
  }

  /** Returns the writer the outside clients use: plain SQL on the run's table. */
  OutsideWriter writer() {
    String upsert =
        "INSERT INTO "
            + database.table()
            + " (k, v) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v";
    String delete = "DELETE FROM " + database.table() + " WHERE k = ?";
    return changes -> {
      try (Connection c = database.direct().getConnection()) {
        c.setAutoCommit(changes.size() == 1);
        try {
          for (OutsideWriter.Change change : changes) {
            try (PreparedStatement ps =
                c.prepareStatement(change.value() == null ? delete : upsert)) {
              ps.setString(1, change.key());
              if (change.value() != null) {
                ps.setLong(2, change.value());
              }
              ps.executeUpdate();
            }
          }
          if (changes.size() > 1) {
            c.commit();
          }
        } finally {
          if (!c.getAutoCommit()) {
            c.rollback(); // nothing after a commit; undoes a failed transaction
            c.setAutoCommit(true);
          }
        }
      }
    };
  }

  /**
   * Returns the listener faults: its connections terminated by the server (killed), its connections
   * dropped and refused for a while (through the proxy, when the run started the server), and, on
   * such a server, a restart of PostgreSQL.
   */
  List<Fault> faults() {
    List<Fault> faults = new ArrayList<>();
    faults.add(
        Fault.instant("change listener killed (its backends terminated)", this::kill)
            .withDetail(() -> killed.get() + " backends"));
    FaultProxy p = proxy;
    if (p != null) {
      faults.add(
          Fault.held(
              "change listener's connections dropped and refused",
              () -> {
                p.stopAccepting();
                p.dropConnections();
              },
              p::resumeAccepting,
              BOUND.multipliedBy(4)));
    }
    PostgresServer server = database.server();
    if (server != null) {
      faults.add(
          Fault.instant("PostgreSQL restarted", () -> PostgresFaults.restart(server))
              .atMostEvery(Duration.ofSeconds(5)));
    }
    return faults;
  }

  private void kill() {
    try (Connection c = database.direct().getConnection();
        Statement s = c.createStatement();
        var rs =
            s.executeQuery(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    + " WHERE application_name LIKE 'tandem-changes-tandem_torture_%'")) {
      rs.next();
      killed.addAndGet(rs.getInt(1));
    } catch (SQLException e) {
      // the server is restarting: nothing to kill
    }
  }

  /**
   * Prints what the reads saw after outside writes, and the listeners' commit-to-invalidation
   * figures; returns the former.
   */
  OutsideWrites.Staleness report(PrintWriter out, History history) {
    OutsideWrites.Staleness s = OutsideWrites.staleness(history, BOUND);
    out.printf(
        Locale.ROOT,
        "outside: reads=%d stale-beyond-bound=%d max-lag-ms=%.1f bound-ms=%d%n",
        s.reads(),
        s.staleBeyondBound(),
        s.maxLag().toNanos() / 1e6,
        BOUND.toMillis());
    for (ChangeListener listener : listeners) {
      ChangeListener.CommitLag lag = listener.commitLag();
      out.printf(
          Locale.ROOT,
          "  commit to invalidation (%s): p50 %.1f ms, p99 %.1f ms, max %.1f ms over %,d"
              + " transactions; %d reconnects, %d resyncs%n",
          listener,
          lag.p50().toNanos() / 1e6,
          lag.p99().toNanos() / 1e6,
          lag.max().toNanos() / 1e6,
          lag.count(),
          listener.reconnects(),
          listener.resyncs());
    }
    return s;
  }

  /**
   * Reads every key through every node, then runs {@link Verifier} over them on every node, after
   * the writers stopped and the listeners settled, and returns the line that says what it found:
   * {@code verify: no difference} is the convergence promise.
   */
  List<String> verify(List<Tandem<String, Long>> nodes, JdbcStore<String, Long> store, int keys) {
    List<String> all = new ArrayList<>(keys);
    for (int i = 0; i < keys; i++) {
      all.add(Torture.key(i));
    }
    long cached = 0;
    List<String> differ = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      Verifier<String, Long> verifier = Verifier.builder(store).cache(nodes.get(i)).build();
      for (String key : all) {
        nodes
            .get(i)
            .get(key); // the run's cache expires 50 ms after a fill: fill it, then compare at once
        VerifyReport<String, Long> report = verifier.verify(List.of(key));
        cached += report.cached();
        int node = i;
        report
            .mismatches()
            .forEach(m -> differ.add(m.key() + (nodes.size() > 1 ? " on node " + node : "")));
      }
    }
    return List.of(
        "verify: "
            + (differ.isEmpty()
                ? "no difference"
                : differ.size()
                    + " differences ("
                    + String.join(", ", differ.subList(0, Math.min(5, differ.size())))
                    + ")")
            + " between the cache and the database, "
            + cached
            + " cached keys compared after the outside writers stopped");
  }

  /** Closes the listeners, drops their slots and closes the proxy. */
  @Override
  public void close() {
    for (ChangeListener listener : listeners) {
      listener.close();
      try {
        listener.dropSlot();
      } catch (RuntimeException e) {
        // the server is gone with the run
      }
    }
    if (proxy != null) {
      proxy.close();
    }
  }
}
