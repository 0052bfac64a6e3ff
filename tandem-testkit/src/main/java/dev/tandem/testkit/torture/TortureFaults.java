package dev.tandem.testkit.torture;

import static java.util.Objects.requireNonNull;

import dev.tandem.testkit.fault.FaultProxy;
import dev.tandem.testkit.fault.HeldLocks;
import dev.tandem.testkit.fault.MariaDbFaults;
import dev.tandem.testkit.fault.PostgresFaults;
import dev.tandem.testkit.server.MariaDbServer;
import dev.tandem.testkit.server.PostgresServer;
import dev.tandem.testkit.server.RedisServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;

/**
 * The faults of a torture run as {@link Fault}s for a {@link RandomFaults} nemesis: database faults
 * ({@code --faults db}) on PostgreSQL through a {@link FaultProxy} and {@link PostgresFaults}, on
 * embedded H2 through an {@link H2FailingTrigger}; cache faults ({@code --faults cache}) on a
 * {@link RedisServer} and a {@link FaultProxy} per node in front of it.
 */
public final class TortureFaults {

  private static final Duration HOLD = Duration.ofSeconds(1);

  /** How long Redis stays paused at most: well beyond a client's command timeout. */
  public static final Duration REDIS_PAUSE = Duration.ofMillis(1500);

  /** How long one node stays partitioned from Redis at most. */
  public static final Duration REDIS_PARTITION = Duration.ofSeconds(2);

  /** How many partitions the summary lists one by one. */
  private static final int PARTITIONS_LISTED = 8;

  private TortureFaults() {}

  /**
   * Returns the PostgreSQL faults: commits whose answer is lost (the proxy cuts the connection
   * right after forwarding {@code COMMIT}, or an {@code INSERT}: a lone write that is one
   * auto-committed statement, or a statement inside a transaction), connections reset
   * mid-transaction, statements failing in a trigger for some values, serialization failures,
   * latency bursts, new connections refused, rows held locked (lock timeouts, if the clients set
   * {@code lock_timeout}), backends ended by {@code pg_terminate_backend}, and, if {@code server}
   * is given, a restart of the server (at most once every 10 seconds).
   *
   * @param proxy the proxy the clients connect through
   * @param admin direct connections to the database (not through the proxy), as a superuser
   * @param database the name of the database, whose backends are terminated
   * @param table the table the clients write, which has a bigint column {@code valueColumn}
   * @param server the server to restart, or null if it is not ours to restart
   * @param seed the seed of the latencies and cut counts
   */
  public static List<Fault> postgres(
      FaultProxy proxy,
      DataSource admin,
      String database,
      String table,
      String valueColumn,
      @Nullable PostgresServer server,
      long seed) {
    requireNonNull(proxy, "proxy");
    requireNonNull(admin, "admin");
    requireNonNull(database, "database");
    requireNonNull(table, "table");
    requireNonNull(valueColumn, "valueColumn");
    SplittableRandom random = new SplittableRandom(seed);
    AtomicInteger terminated = new AtomicInteger();
    List<Fault> faults =
        new ArrayList<>(
            cuts(
                proxy,
                random,
                "lone write's answer lost (connection cut after an auto-committed INSERT)"));
    faults.add(
        Fault.held(
            "failing statements (trigger rejects values = 1 mod 4)",
            () -> PostgresFaults.failingTrigger(admin, table, "NEW." + valueColumn + " % 4 = 1"),
            () -> PostgresFaults.dropFailingTrigger(admin, table),
            HOLD));
    faults.add(
        Fault.held(
            "serialization failures (trigger, SQLState 40001, 1 row in 5)",
            () -> PostgresFaults.failingTrigger(admin, table, "random() < 0.2", "40001"),
            () -> PostgresFaults.dropFailingTrigger(admin, table),
            HOLD));
    faults.addAll(slowAndRefused(proxy, random));
    faults.add(rowsLocked(admin, table, "rows locked (lock timeouts)"));
    faults.add(
        Fault.instant(
                "backends terminated (pg_terminate_backend)",
                () -> terminated.addAndGet(PostgresFaults.terminateBackends(admin, database)))
            .withDetail(() -> terminated.get() + " backends ended"));
    if (server != null) {
      faults.add(
          Fault.instant("server restarted", () -> PostgresFaults.restart(server))
              .atMostEvery(Duration.ofSeconds(10)));
    }
    return faults;
  }

  /**
   * Returns the MariaDB faults, the counterparts of {@link #postgres}'s: commits whose answer is
   * lost (the proxy cuts the connection right after forwarding {@code COMMIT}; or an {@code
   * INSERT}, inside a transaction), connections reset mid-transaction, statements failing in a
   * trigger for some values, failures with SQLState 40001 (as a deadlock), latency bursts, new
   * connections refused, rows held locked (lock waits, ended by the clients' {@code
   * innodb_lock_wait_timeout}), connections killed ({@code KILL CONNECTION}, which frees their
   * named locks), and, if {@code server} is given, the server killed with SIGKILL and started again
   * (at most once every 10 seconds).
   *
   * @param proxy the proxy the clients connect through ({@link FaultProxy#startMariaDb})
   * @param admin direct connections to the database (not through the proxy), as a superuser
   * @param database the name of the database, whose connections are killed
   * @param table the table the clients write, which has a bigint column {@code valueColumn}
   * @param server the server to kill and restart, or null if it is not ours
   * @param seed the seed of the latencies and cut counts
   */
  public static List<Fault> mariadb(
      FaultProxy proxy,
      DataSource admin,
      String database,
      String table,
      String valueColumn,
      @Nullable MariaDbServer server,
      long seed) {
    requireNonNull(proxy, "proxy");
    requireNonNull(admin, "admin");
    requireNonNull(database, "database");
    requireNonNull(table, "table");
    requireNonNull(valueColumn, "valueColumn");
    SplittableRandom random = new SplittableRandom(seed);
    AtomicInteger killed = new AtomicInteger();
    List<Fault> faults =
        new ArrayList<>(cuts(proxy, random, "connection cut after an INSERT (mid-transaction)"));
    faults.add(
        Fault.held(
            "failing statements (trigger rejects values = 1 mod 4)",
            () ->
                MariaDbFaults.failingTrigger(
                    admin, table, "NEW." + valueColumn + " % 4 = 1", "45000"),
            () -> MariaDbFaults.dropFailingTrigger(admin, table),
            HOLD));
    faults.add(
        Fault.held(
            "deadlock-like failures (trigger, SQLState 40001, 1 row in 5)",
            () -> MariaDbFaults.failingTrigger(admin, table, "RAND() < 0.2", "40001"),
            () -> MariaDbFaults.dropFailingTrigger(admin, table),
            HOLD));
    faults.addAll(slowAndRefused(proxy, random));
    faults.add(rowsLocked(admin, table, "rows locked (lock waits)"));
    faults.add(
        Fault.instant(
                "connections killed (KILL CONNECTION)",
                () -> killed.addAndGet(MariaDbFaults.killConnections(admin, database)))
            .withDetail(() -> killed.get() + " connections killed"));
    if (server != null) {
      faults.add(
          Fault.instant(
                  "server killed (SIGKILL) and restarted",
                  () -> MariaDbFaults.killAndRestart(server))
              .atMostEvery(Duration.ofSeconds(10)));
    }
    return faults;
  }

  /**
   * Returns the faults of a database's proxy that cut connections: after {@code COMMIT} (the
   * commit's answer is lost), after an {@code INSERT} (named {@code insertName}), and every open
   * connection reset at once.
   */
  private static List<Fault> cuts(FaultProxy proxy, SplittableRandom random, String insertName) {
    int cutsBefore = proxy.cutCount();
    AtomicInteger dropped = new AtomicInteger();
    return List.of(
        Fault.held(
                "commit answer lost (connection cut after COMMIT)",
                () -> proxy.cutAfterStatement("COMMIT", 1 + random.nextInt(3)),
                () -> proxy.cutAfterStatement("COMMIT", 0),
                HOLD)
            .withDetail(
                () ->
                    (proxy.cutCount() - cutsBefore) + " connections cut after a statement in all"),
        Fault.held(
                insertName,
                () -> proxy.cutAfterStatement("INSERT INTO", 1 + random.nextInt(3)),
                () -> proxy.cutAfterStatement("INSERT INTO", 0),
                HOLD)
            .withDetail(
                () ->
                    (proxy.cutCount() - cutsBefore) + " connections cut after a statement in all"),
        Fault.instant(
                "connections reset (mid-transaction)",
                () -> dropped.addAndGet(proxy.dropConnections()))
            .withDetail(() -> dropped.get() + " connections reset"));
  }

  /** Returns a database proxy's latency bursts and refusals of new connections. */
  private static List<Fault> slowAndRefused(FaultProxy proxy, SplittableRandom random) {
    return List.of(
        Fault.held(
            "latency burst (proxy)",
            () -> PostgresFaults.slow(proxy, Duration.ofMillis(5 + random.nextInt(96))),
            () -> PostgresFaults.slow(proxy, Duration.ZERO),
            HOLD),
        Fault.held(
            "new connections refused (proxy)",
            proxy::stopAccepting,
            proxy::resumeAccepting,
            Duration.ofMillis(800)));
  }

  /**
   * Returns the fault that holds every row of {@code table} locked ({@link
   * PostgresFaults#lockRows}, plain SQL).
   */
  private static Fault rowsLocked(DataSource admin, String table, String name) {
    AtomicInteger locked = new AtomicInteger();
    AtomicReference<@Nullable HeldLocks> locks = new AtomicReference<>();
    return Fault.held(
            name,
            () -> {
              HeldLocks held = PostgresFaults.lockRows(admin, table, "1 = 1");
              locked.addAndGet(held.rows());
              locks.set(held);
            },
            () -> {
              HeldLocks held = locks.getAndSet(null);
              if (held != null) {
                held.close();
              }
            },
            HOLD)
        .withDetail(() -> locked.get() + " row locks held");
  }

  /**
   * Returns the faults an embedded H2 database can take: statements failing in a trigger, for some
   * values or at random as serialization failures. (H2 runs in this process: it has no connections
   * to cut and no server to restart.) Installs the trigger on {@code table}.
   */
  public static List<Fault> h2(DataSource dataSource, String table, String valueColumn) {
    H2FailingTrigger.install(dataSource, table, valueColumn);
    return List.of(
        Fault.held(
            "failing statements (trigger rejects values = 1 mod 4)",
            () -> H2FailingTrigger.arm(table, H2FailingTrigger.Mode.VALUES),
            () -> H2FailingTrigger.disarm(table),
            HOLD),
        Fault.held(
            "serialization failures (trigger, SQLState 40001, 1 row in 5)",
            () -> H2FailingTrigger.arm(table, H2FailingTrigger.Mode.SERIALIZATION),
            () -> H2FailingTrigger.disarm(table),
            HOLD));
  }

  /**
   * Returns the faults of a Redis server shared by the nodes, each of which connects through a
   * proxy of its own ({@code proxies}, in node order): every node's connections reset, and reset
   * with new ones refused for a while (on every proxy at once: Redis is cut off from all nodes);
   * with more than one node, one node partitioned from Redis (only its proxy resets its connections
   * and refuses new ones, for up to {@link #REDIS_PARTITION}; the node is drawn from {@code seed},
   * the others keep reaching Redis); if {@code server} is ours, also the server killed with SIGKILL
   * and restarted empty after a while, and paused with SIGSTOP for up to {@link #REDIS_PAUSE} (give
   * the clients a shorter command timeout); and if {@code restoreSnapshots} too, the server
   * restored from an old snapshot (race H9): the fault alternates between saving a snapshot and,
   * the next time, killing the server and starting it from that snapshot.
   *
   * @param proxies the proxy of each node, through which it reaches the server
   * @param server the server, or null if it is not ours to kill
   * @param restoreSnapshots whether to restore old snapshots (needs {@code server})
   * @param seed the seed of the partitioned nodes
   * @throws IllegalArgumentException if there is no proxy, or {@code restoreSnapshots} without a
   *     server
   */
  public static List<Fault> redis(
      List<FaultProxy> proxies, @Nullable RedisServer server, boolean restoreSnapshots, long seed) {
    List<FaultProxy> paths = List.copyOf(proxies);
    if (paths.isEmpty()) {
      throw new IllegalArgumentException("the nodes need at least one proxy");
    }
    if (restoreSnapshots && server == null) {
      throw new IllegalArgumentException("restoring snapshots needs a server of our own");
    }
    AtomicInteger dropped = new AtomicInteger();
    List<Fault> faults = new ArrayList<>();
    faults.add(
        Fault.instant("redis connections reset (proxy)", () -> dropped.addAndGet(dropAll(paths)))
            .withDetail(() -> dropped.get() + " connections reset"));
    faults.add(
        Fault.held(
            "redis connections reset and new ones refused (proxy)",
            () -> {
              paths.forEach(FaultProxy::stopAccepting);
              dropped.addAndGet(dropAll(paths));
            },
            () -> paths.forEach(FaultProxy::resumeAccepting),
            Duration.ofMillis(800)));
    if (paths.size() > 1) {
      faults.add(partition(paths, new SplittableRandom(seed)));
    }
    if (server == null) {
      return faults;
    }
    AtomicBoolean killed = new AtomicBoolean();
    faults.add(
        Fault.held(
            "redis killed (SIGKILL) and restarted empty",
            () -> {
              killed.set(true);
              server.kill();
            },
            () -> {
              if (killed.getAndSet(false)) {
                server.restart();
              }
            },
            HOLD));
    faults.add(pause(server));
    if (restoreSnapshots) {
      AtomicReference<@Nullable Path> snapshot = new AtomicReference<>();
      AtomicInteger saved = new AtomicInteger();
      AtomicInteger restored = new AtomicInteger();
      faults.add(
          Fault.instant(
                  "redis restored from an old snapshot (SAVE, later restart from that RDB file)",
                  () -> {
                    Path old = snapshot.getAndSet(null);
                    if (old == null) {
                      snapshot.set(server.snapshot());
                      saved.incrementAndGet();
                    } else {
                      server.restartFrom(old);
                      restored.incrementAndGet();
                    }
                  })
              .withDetail(() -> saved.get() + " snapshots saved, " + restored.get() + " restored"));
    }
    return faults;
  }

  /**
   * Returns the fault that pauses the server with SIGSTOP for up to {@link #REDIS_PAUSE}, then
   * resumes it with SIGCONT; the detail says how long the longest pause lasted.
   */
  private static Fault pause(RedisServer server) {
    AtomicLong since = new AtomicLong();
    AtomicLong longest = new AtomicLong();
    return Fault.held(
            "redis paused (SIGSTOP, then SIGCONT)",
            () -> {
              server.pause();
              since.set(System.nanoTime());
            },
            () -> {
              server.resume();
              long start = since.getAndSet(0);
              if (start != 0) {
                longest.accumulateAndGet(System.nanoTime() - start, Math::max);
              }
            },
            REDIS_PAUSE)
        .withDetail(
            () ->
                String.format(Locale.ROOT, "the longest pause %,d ms", longest.get() / 1_000_000));
  }

  /** A node cut off from Redis: which, and since when (System.nanoTime). */
  private record Cut(int node, long since) {}

  /**
   * Returns the fault that partitions one node from Redis: its proxy refuses new connections and
   * resets the open ones; healing lets it connect again. The detail lists each partition's node and
   * how long it lasted.
   */
  private static Fault partition(List<FaultProxy> paths, SplittableRandom random) {
    AtomicReference<@Nullable Cut> cut = new AtomicReference<>();
    List<String> done = Collections.synchronizedList(new ArrayList<>());
    return new Fault(
        "one node partitioned from redis (only its proxy resets its connections and refuses new ones)",
        () -> {
          int node = random.nextInt(paths.size());
          FaultProxy path = paths.get(node);
          path.stopAccepting();
          path.dropConnections();
          cut.set(new Cut(node, System.nanoTime()));
        },
        () -> {
          Cut c = cut.getAndSet(null);
          if (c != null) {
            paths.get(c.node()).resumeAccepting();
            done.add(
                String.format(
                    Locale.ROOT,
                    "node %d for %,d ms",
                    c.node(),
                    (System.nanoTime() - c.since()) / 1_000_000));
          }
        },
        REDIS_PARTITION,
        Duration.ZERO,
        () -> {
          synchronized (done) {
            return done.size() <= PARTITIONS_LISTED
                ? String.join(", ", done)
                : String.join(", ", done.subList(0, PARTITIONS_LISTED)) + ", ...";
          }
        });
  }

  private static int dropAll(List<FaultProxy> paths) {
    int n = 0;
    for (FaultProxy path : paths) {
      n += path.dropConnections();
    }
    return n;
  }
}
