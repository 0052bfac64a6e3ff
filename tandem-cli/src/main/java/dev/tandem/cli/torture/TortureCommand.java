package dev.tandem.cli.torture;

import dev.tandem.Tandem;
import dev.tandem.cli.CommandFailedException;
import dev.tandem.cli.DatabaseKind;
import dev.tandem.cli.DurationConverter;
import dev.tandem.cli.ExitCode;
import dev.tandem.cli.Secrets;
import dev.tandem.cli.TandemVersion;
import dev.tandem.cli.peers.HazelcastCluster;
import dev.tandem.cli.peers.Peer;
import dev.tandem.cli.torture.TortureFaultPlan.FaultGroup;
import dev.tandem.jdbc.JdbcStore;
import dev.tandem.testkit.check.CheckResult;
import dev.tandem.testkit.check.LinearizabilityChecker;
import dev.tandem.testkit.check.OutsideWrites;
import dev.tandem.testkit.fault.FaultProxy;
import dev.tandem.testkit.torture.Injection;
import dev.tandem.testkit.torture.Nemesis;
import dev.tandem.testkit.torture.RandomFaults;
import dev.tandem.testkit.torture.Torture;
import dev.tandem.testkit.torture.TortureReport;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code tandem torture}: concurrent clients hammer few keys of a real database through Tandem (or
 * the naive write-through class, the negative control), on one node or several sharing a cache
 * tier, with faults injected into the database and the shared cache; every operation is recorded
 * and the history checked for linearizability. The last line printed is the verdict, {@code
 * linearizable: yes|no ops=N keys=K stale=S lost=L seed=X}; the exit code is 0 only for yes, except
 * where a no is the documented trade of the tier: with {@code --tier redis-available} and cache
 * faults, a history whose only anomalies are stale reads within the staleness bound of the
 * AVAILABLE write policy (printed on the line before the verdict).
 */
@Command(
    name = "torture",
    mixinStandardHelpOptions = true,
    subcommands = TortureNodeCommand.class,
    synopsisSubcommandLabel = "",
    versionProvider = TandemVersion.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Proves (or disproves) \"never stale\": concurrent clients run reads, writes, deletes, updates and"
          + " invalidations on few keys through Tandem, over a real database, with a tiny cache that evicts"
          + " and expires constantly, on one node or several (--nodes) sharing a Redis (--tier redis) and,"
          + " with --faults, faults injected into the database and Redis. Every operation is recorded with"
          + " its start and end time, and the history is checked for linearizability per key.",
      "",
      "The last line is the verdict: linearizable: yes|no ops=N keys=K stale=S lost=L seed=X.",
      ""
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the history is linearizable (with --tier redis-available and cache faults: or its only anomalies are"
          + " stale reads within the AVAILABLE policy's staleness bound, its documented trade)",
      "1:it is not (or the run could not be made)",
      "2:bad usage"
    })
public final class TortureCommand implements Callable<Integer> {

  /** What cache sits in front of the database. */
  enum Engine {
    /** Tandem, with the tier of {@code --tier}. */
    TANDEM,
    /** The naive write-through class: the negative control, which the check should catch. */
    NAIVE,
    /** Cache-aside by hand over Lettuce (a peer). */
    CACHE_ASIDE,
    /** Redisson's write-through RMap (a peer). */
    REDISSON,
    /** Redisson's write-through RLocalCachedMap (a peer). */
    REDISSON_NEAR,
    /** Hazelcast's IMap with a write-through MapStore, a member per node (a peer). */
    HAZELCAST;

    /** Returns the peer this engine runs, or null for Tandem and the naive class. */
    @Nullable Peer peer() {
      return Peer.named(name());
    }

    /** Converts a command-line name, case-insensitively, with - or _. */
    static final class Converter implements ITypeConverter<Engine> {

      /** Creates the converter; picocli calls this. */
      Converter() {}

      @Override
      public Engine convert(String value) {
        String wanted = value.strip().replace('-', '_');
        for (Engine engine : values()) {
          if (engine.name().equalsIgnoreCase(wanted)) {
            return engine;
          }
        }
        throw new TypeConversionException(
            "unknown engine '"
                + value
                + "' (expected tandem, naive, "
                + String.join(", ", Peer.labels())
                + ")");
      }
    }
  }

  /** Held so that its level sticks: java.util.logging keeps loggers weakly. */
  private static final Logger PGJDBC_LOG = Logger.getLogger("org.postgresql");

  @Option(
      names = "--duration",
      paramLabel = "TIME",
      defaultValue = "30s",
      converter = DurationConverter.class,
      description = "How long the clients run, for example 30s or 2m (default: ${DEFAULT-VALUE}).")
  Duration duration = Duration.ofSeconds(30);

  @Option(
      names = "--clients",
      paramLabel = "N",
      defaultValue = "8",
      description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
  int clients = 8;

  @Option(
      names = "--keys",
      paramLabel = "N",
      defaultValue = "20",
      description = "Distinct keys: few, so that operations collide (default: ${DEFAULT-VALUE}).")
  int keys = 20;

  @Option(
      names = "--db",
      paramLabel = "h2|postgres|mariadb",
      description =
          "h2 (embedded, in memory), postgres (an embedded server started for the run, unless"
              + " --jdbc-url is given) or mariadb (the installed mariadbd, started for the run unless --jdbc-url is"
              + " given) (default: h2, or the kind of --jdbc-url).")
  @Nullable DatabaseKind db;

  @Option(
      names = "--jdbc-url",
      paramLabel = "URL",
      description =
          "Run on this PostgreSQL, MariaDB (jdbc:mariadb:) or H2 database (in a new table of its own, dropped at the end)"
              + " instead of an embedded one; user and password go in the URL.")
  @Nullable String jdbcUrl;

  @Option(
      names = "--tier",
      paramLabel = "TIER",
      defaultValue = "local",
      description =
          "The cache tier of each node: local (Caffeine in the node: not shared, so several nodes"
              + " serve each other's old values), redis (one Redis shared by the nodes, started for the run"
              + " unless --redis-uri is given) or near (a Caffeine L1 per node over redis, invalidated over"
              + " pub/sub: bounded staleness, so expect stale reads; the output says how stale) or redis-available"
              + " (redis with the AVAILABLE write policy: writes go ahead while Redis is unreachable, so expect"
              + " stale reads under cache faults until the repair, above all when one node is partitioned from Redis;"
              + " the output measures them against the policy's staleness bound)"
              + " (default: ${DEFAULT-VALUE}).")
  String tier = "local";

  @Option(
      names = "--nodes",
      paramLabel = "N",
      defaultValue = "1",
      description =
          "Independent Tandem instances (each its own engine, connection pool and tier), sharing"
              + " the database and, with --tier redis, Redis; the clients are spread over them"
              + " (default: ${DEFAULT-VALUE}).")
  int nodes = 1;

  @Option(
      names = "--batches",
      paramLabel = "N",
      defaultValue = "2",
      description =
          "Group-commit batches each Tandem node may commit at once (Tandem.Builder#maxConcurrentBatches;"
              + " default: ${DEFAULT-VALUE}, as Tandem's).")
  int batches = 2;

  @Option(
      names = "--processes",
      description =
          "Run each node in a JVM of its own (started by the command with this class path), as separate"
              + " application servers would; the histories of the nodes are merged. Needs --db postgres.")
  boolean processes;

  @Option(
      names = "--redis-uri",
      paramLabel = "URI",
      description =
          "Use this Redis (redis://host:port) instead of starting redis-server; the run's keys get a"
              + " prefix of their own, deleted at the end. Such a server is never killed, paused or restored.")
  @Nullable String redisUri;

  @Option(
      names = "--redis-password-env",
      paramLabel = "NAME",
      description =
          "Read the password for --redis-uri from the environment variable NAME (a password in the URI"
              + " shows in ps).")
  @Nullable String redisPasswordEnv;

  @Option(
      names = "--redis-password-file",
      paramLabel = "PATH",
      description = "Read the password for --redis-uri from the file PATH (its first line).")
  @Nullable Path redisPasswordFile;

  @Option(
      names = "--faults",
      paramLabel = "LIST",
      defaultValue = "none",
      split = ",",
      description =
          "Faults to inject, a comma-separated list of: none; db (connections cut during commit and"
              + " mid-transaction, failing statements, latency, terminated backends, a server restart); cache"
              + " (Redis killed with SIGKILL and restarted empty, paused with SIGSTOP longer than the command timeout,"
              + " connections reset and refused through a proxy per node, with several nodes one node alone partitioned"
              + " from Redis, and, unless --redis-uri is given, Redis restarted from an old RDB snapshot); all (= db,cache);"
              + " rdb-restore (only the old snapshots, race H9); partition (only the one-node partition);"
              + " redis-pause (only Redis paused with SIGSTOP for up to 1.5 s, then resumed, with a Redis command timeout"
              + " of 200 ms instead of 250 ms; the output's 'longest' line shows what a caller waited)"
              + " (default: ${DEFAULT-VALUE}).")
  List<String> faults = List.of("none");

  @Option(
      names = "--outside-writers",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "Clients that change rows with plain SQL, around Tandem (upserts and deletes, alone or two in a"
              + " transaction), recorded as outside-write and outside-delete; each node's tier is kept in step by a"
              + " change listener (PostgreSQL logical replication: an embedded server is started with wal_level=logical)."
              + " Tandem's own operations must stay linearizable, and every outside write must reach reads within the"
              + " listener's bound (the 'outside:' line). Needs --db postgres. --faults listener kills the listener,"
              + " drops its connections and restarts PostgreSQL (default: ${DEFAULT-VALUE}).")
  int outsideWriters;

  @Option(
      names = "--engine",
      paramLabel = "ENGINE",
      defaultValue = "tandem",
      converter = Engine.Converter.class,
      description =
          "tandem, or naive: the tutorial write-through class (DB then cache.put; cache.put after a"
              + " miss; with --tier redis: DB then SET, GET then DB then SET), the negative control that the"
              + " check should catch, or a peer: cache-aside (Lettuce by hand), redisson (RMap write-through),"
              + " redisson-near (RLocalCachedMap write-through), all three over the run's Redis (--tier redis), or"
              + " hazelcast (an embedded member per node, IMap with a write-through MapStore; no Redis)"
              + " (default: ${DEFAULT-VALUE}).")
  Engine engine = Engine.TANDEM;

  @Option(
      names = "--seed",
      paramLabel = "N",
      description = "Seed of the operation mix and the faults (default: random).")
  @Nullable Long seed;

  @Option(
      names = "--history",
      paramLabel = "FILE",
      description = "Write the history to FILE, one JSON event per line.")
  @Nullable Path history;

  @Spec CommandSpec spec;

  /** Creates the command; picocli calls this. */
  public TortureCommand() {}

  /** Runs the torture and returns 0 if the history is linearizable. */
  @Override
  public Integer call() throws InterruptedException {
    DatabaseKind kind = validate();
    TortureTier cacheTier = Objects.requireNonNull(TortureTiers.named(tier));
    Set<FaultGroup> groups = faultGroups();
    quietLibraryLogs();
    PrintWriter out = spec.commandLine().getOut();
    long runSeed = seed != null ? seed : ThreadLocalRandom.current().nextLong(1_000_000_000L);
    int cacheSize = Math.max(1, keys / 4);
    out.printf(
        Locale.ROOT,
        "tandem torture: seed=%d engine=%s db=%s tier=%s nodes=%d clients=%d keys=%d duration=%s"
            + " faults=%s%n",
        runSeed,
        lower(engine).replace('_', '-'),
        lower(kind),
        tier,
        nodes,
        clients,
        keys,
        format(duration),
        TortureFaultPlan.option(groups));
    out.flush();

    TortureReport report;
    long staleBeyondBound =
        0; // reads that missed an outside write longer than the listener's bound
    Duration longestGap =
        Duration.ZERO; // the longest time a node went without a connection to Redis
    int gapNode = -1;
    List<Injection> injections = List.of();
    Duration entryTimeToLive = TortureTiers.EXPIRE_AFTER_WRITE;
    boolean cacheFaults =
        cacheTier.shared()
            && (groups.contains(FaultGroup.CACHE)
                || groups.contains(FaultGroup.RDB_RESTORE)
                || groups.contains(FaultGroup.PARTITION)
                || groups.contains(FaultGroup.REDIS_PAUSE));
    Duration commandTimeout =
        groups.contains(FaultGroup.REDIS_PAUSE)
            ? TortureTiers.REDIS_PAUSE_COMMAND_TIMEOUT
            : TortureTiers.REDIS_COMMAND_TIMEOUT;
    boolean longExpiry =
        groups.contains(FaultGroup.RDB_RESTORE) || groups.contains(FaultGroup.PARTITION);
    try (TortureDatabase database =
            TortureDatabase.open(kind, jdbcUrl, line -> say(out, line), outsideWriters > 0);
        TortureOutside outside =
            outsideWriters > 0
                ? TortureOutside.open(database, groups.contains(FaultGroup.LISTENER))
                : null;
        TortureRedis redis =
            cacheTier.shared()
                ? TortureRedis.open(
                    redisUri,
                    redisPassword(),
                    cacheFaults,
                    nodes,
                    longExpiry ? TortureTiers.EXPIRE_SLOWLY : TortureTiers.EXPIRE_AFTER_WRITE,
                    commandTimeout,
                    line -> say(out, line))
                : null) {
      out.println("database: " + database.description() + ", table " + database.table());
      if (redis != null) {
        out.println(
            "redis: "
                + redis.description()
                + ", keys "
                + redis.prefix()
                + "*, command timeout "
                + redis.commandTimeout().toMillis()
                + " ms, entries expiring "
                + format(redis.entryTimeToLive())
                + " after write"
                + (groups.contains(FaultGroup.RDB_RESTORE)
                    ? " (not 50ms: an old snapshot must hold live entries)"
                    : longExpiry
                        ? " (not 50ms: under a partition the repair, not the expiry, must end a stale read)"
                        : ""));
      }
      boolean proxied = groups.contains(FaultGroup.DB) && kind != DatabaseKind.H2;
      int perNode = (clients + nodes - 1) / nodes;
      HazelcastCluster cluster = HazelcastCluster.fresh(nodes); // used by the hazelcast engine only
      List<Tandem<String, Long>> targets = new ArrayList<>(nodes);
      try {
        for (int i = 0; i < (processes ? 0 : nodes); i++) {
          JdbcStore<String, Long> store =
              database.store(
                  proxied
                      ? database.proxiedPool(perNode + 2)
                      : database.pool(database.url(), perNode + 2, "store-" + i));
          try {
            targets.add(
                TortureTiers.node(
                    engine, cacheTier, store, redis, cacheSize, batches, i, cluster, outside));
          } catch (RuntimeException e) {
            throw new CommandFailedException("cannot start node " + i + ": " + e.getMessage(), e);
          }
        }
        if (processes && proxied) {
          database.proxiedUrl(); // starts the proxy the database faults use
        }
        if (outside != null) {
          outside.start();
          out.println(
              "outside: "
                  + outsideWriters
                  + " writers of plain SQL, versioned by JdbcSchema's trigger; each"
                  + " node's tier kept in step by a change listener, bound "
                  + TortureOutside.BOUND.toMillis()
                  + " ms");
        }
        Nemesis nemesis =
            TortureFaultPlan.nemesis(database, redis, groups, runSeed, out, outside, nodes);
        JdbcStore<String, Long> direct = database.store(database.direct());
        Peer peer = engine.peer();
        out.println(
            "cache: "
                + (engine == Engine.TANDEM
                    ? "Tandem, " + cacheTier.describe(cacheSize)
                    : peer != null
                        ? peer.description() + (peer.needsRedis() ? " over the shared Redis" : "")
                        : "NaiveWriteThrough over "
                            + (cacheTier.shared()
                                ? "the shared Redis (GET, SET, DEL; no expiry)"
                                : "a map of at most "
                                    + cacheSize
                                    + " entries (cleared when full), no expiry"))
                + (nodes > 1
                    ? "; "
                        + nodes
                        + " nodes, clients spread over them (client p on node p mod "
                        + nodes
                        + ")"
                    : "")
                + (processes ? "; each node in a JVM of its own" : "")
                + (batches > 1
                    ? "; up to " + batches + " group-commit batches at once per node"
                    : ""));
        if (engine == Engine.TANDEM && nodes > 1 && !cacheTier.shared()) {
          out.println(
              "note: the local tier is not shared: a node keeps serving its cached value after a write on"
                  + " another node (H8), so expect stale reads; use --tier redis for a cluster");
        }
        out.println("running for " + format(duration) + "...");
        out.flush();
        int[] busy = {0};
        if (processes) {
          report =
              new NodeProcesses(this, database, redis, proxied, cacheSize, runSeed, cluster, out)
                  .run(nemesis, () -> busy[0] = database.awaitQuiescence(), direct);
        } else {
          Torture.Builder run =
              Torture.builder(targets, direct)
                  .clients(clients)
                  .keys(keys)
                  .duration(duration)
                  .seed(runSeed)
                  .nemesis(nemesis)
                  .quiescence(
                      () -> {
                        busy[0] = database.awaitQuiescence();
                        if (outside != null) {
                          outside.settle();
                        }
                      });
          if (outside != null) {
            run.outsideWriters(outsideWriters, outside.writer());
          }
          report = run.build().run();
        }
        List<String> verified =
            outside != null ? outside.verify(targets, direct, keys) : List.of(); // before expiry
        new TortureSummary(engine, clients, nodes, keys).summarize(out, report, targets, busy[0]);
        if (outside != null) {
          staleBeyondBound = outside.report(out, report.history()).staleBeyondBound();
          verified.forEach(out::println);
        }
        if (nemesis instanceof RandomFaults random) {
          injections = random.injections();
        }
        if (redis != null) {
          entryTimeToLive = redis.entryTimeToLive();
          List<FaultProxy> proxies = redis.proxies();
          for (int i = 0; i < proxies.size(); i++) {
            Duration gap = proxies.get(i).longestGap();
            if (gap.compareTo(longestGap) > 0) {
              longestGap = gap;
              gapNode = i;
            }
          }
        }
      } finally {
        targets.forEach(Tandem::close);
      }
    }
    if (history != null) {
      try {
        report.history().write(history);
      } catch (UncheckedIOException e) {
        throw new CommandFailedException(
            "cannot write the history to "
                + history
                + ": "
                + Objects.requireNonNull(e.getCause()).getMessage(),
            e);
      }
      out.printf(
          Locale.ROOT,
          "history: %,d events written to %s%n",
          report.history().events().size(),
          history);
    }
    out.printf(Locale.ROOT, "checking %,d operations...%n", report.history().size());
    out.flush();
    CheckResult result =
        LinearizabilityChecker.builder()
            .build()
            .check(
                outsideWriters > 0
                    ? OutsideWrites.ownOperations(report.history())
                    : report.history());
    TortureSummary.explain(out, result);
    if (engine == Engine.TANDEM && cacheTier == TortureTiers.NEAR) {
      // the near tier's cap: its bound, plus 1 ms for its heartbeat thread's wake-up
      Duration bound = TortureTiers.NEAR_STALENESS.plusMillis(1);
      Duration seen = result.maxStaleness().orElse(Duration.ZERO);
      out.printf(
          Locale.ROOT,
          "bounded staleness (the near tier's promise, not linearizability): %s, stalest read"
              + " %.3f ms after the replacing write, bound %d ms%n",
          seen.compareTo(bound) <= 0 ? "within" : "EXCEEDED",
          seen.toNanos() / 1e6,
          bound.toMillis());
    }
    boolean traded =
        engine == Engine.TANDEM
            && cacheTier == TortureTiers.REDIS_AVAILABLE
            && AvailableTrade.judge(
                out, result, cacheFaults, longestGap, gapNode, entryTimeToLive, injections);
    if (!report.clientsStopped()) {
      out.println(
          "the run fails whatever the verdict: clients were stuck (a liveness failure, thread dump above)");
    }
    if (staleBeyondBound > 0) {
      out.println(
          "the run fails whatever the verdict: "
              + staleBeyondBound
              + " reads missed an outside write for longer"
              + " than the change listener's bound");
    }
    out.println(result.verdictLine(runSeed));
    out.flush();
    return ExitCode.of(
        (result.linearizable() || traded) && report.clientsStopped() && staleBeyondBound == 0);
  }

  private DatabaseKind validate() {
    TortureTier cacheTier = TortureTiers.named(tier);
    if (cacheTier == null) {
      throw usage(
          "--tier must be one of "
              + String.join(", ", TortureTiers.ALL.keySet())
              + ", not '"
              + tier
              + "'");
    }
    if (clients < 1 || clients > 256) {
      throw usage("--clients must be between 1 and 256 but was " + clients);
    }
    if (nodes < 1 || nodes > clients) {
      throw usage("--nodes must be between 1 and --clients (" + clients + ") but was " + nodes);
    }
    if (keys < 1) {
      throw usage("--keys must be at least 1 but was " + keys);
    }
    if (batches < 1 || batches > 16) {
      throw usage("--batches must be between 1 and 16 but was " + batches);
    }
    if (duration.isNegative() || duration.isZero()) {
      throw usage("--duration must be positive");
    }
    Set<FaultGroup> groups = faultGroups();
    if (groups.contains(FaultGroup.CACHE) && !cacheTier.shared() && !faults.contains("all")) {
      throw usage(
          "--faults cache needs a shared tier (--tier redis): the local tier has no server to fault");
    }
    if (groups.contains(FaultGroup.PARTITION) && (!cacheTier.shared() || nodes < 2)) {
      throw usage(
          "--faults partition needs a shared tier (--tier redis) and --nodes 2 or more: it cuts one node off"
              + " from Redis while the others keep it");
    }
    if (groups.contains(FaultGroup.RDB_RESTORE) && (!cacheTier.shared() || redisUri != null)) {
      throw usage(
          "--faults rdb-restore needs --tier redis with the redis-server the run starts (not --redis-uri)");
    }
    if (groups.contains(FaultGroup.REDIS_PAUSE) && (!cacheTier.shared() || redisUri != null)) {
      throw usage(
          "--faults redis-pause needs --tier redis with the redis-server the run starts (not --redis-uri):"
              + " it pauses that server");
    }
    if (redisUri != null && !cacheTier.shared()) {
      throw usage("--redis-uri needs a shared tier (--tier redis)");
    }
    if ((redisPasswordEnv != null || redisPasswordFile != null) && redisUri == null) {
      throw usage(
          "--redis-password-env and --redis-password-file need --redis-uri: the redis-server the run starts"
              + " has no password");
    }
    if (redisPasswordEnv != null && redisPasswordFile != null) {
      throw usage(
          "--redis-password-env and --redis-password-file exclude each other: give the password once");
    }
    DatabaseKind kind;
    if (jdbcUrl == null) {
      kind = db != null ? db : DatabaseKind.H2;
    } else {
      DatabaseKind ofUrl = DatabaseKind.ofUrl(jdbcUrl);
      if (ofUrl == null) {
        throw usage(
            "--jdbc-url must be a PostgreSQL (jdbc:postgresql:), MariaDB (jdbc:mariadb:) or H2 (jdbc:h2:) URL");
      }
      if (db != null && db != ofUrl) {
        throw usage("--db " + lower(db) + " does not match --jdbc-url, which is " + lower(ofUrl));
      }
      kind = ofUrl;
    }
    if (outsideWriters < 0 || outsideWriters > 64) {
      throw usage("--outside-writers must be between 0 and 64 but was " + outsideWriters);
    }
    if (outsideWriters > 0
        && (kind != DatabaseKind.POSTGRES || engine != Engine.TANDEM || processes)) {
      throw usage(
          "--outside-writers needs --db postgres and the tandem engine in this JVM (not --processes):"
              + " the change stream is PostgreSQL's");
    }
    if (faultGroups().contains(FaultGroup.LISTENER) && outsideWriters == 0) {
      throw usage(
          "--faults listener needs --outside-writers: without them no change listener runs");
    }
    if (processes && kind != DatabaseKind.POSTGRES) {
      throw usage(
          "--processes needs --db postgres: the nodes' JVMs cannot reach an H2 database in this one");
    }
    Peer peer = engine.peer();
    if (peer != null && peer.needsRedis() && !cacheTier.shared()) {
      throw usage("--engine " + peer.label() + " keeps its data in Redis: it needs --tier redis");
    }
    if (nodes > 1 && engine == Engine.TANDEM && kind == DatabaseKind.H2) {
      throw usage(
          "--nodes "
              + nodes
              + " needs --db postgres: H2 cannot lock an absent key, so an H2 table must sit"
              + " behind one Tandem (the naive engine runs on H2 with several nodes)");
    }
    return kind;
  }

  /** Returns the fault groups of {@code --faults}. */
  private Set<FaultGroup> faultGroups() {
    return TortureFaultPlan.groups(faults, redisUri, tier, this::usage);
  }

  /**
   * Returns the password for {@code --redis-uri} from its environment variable or file, or null.
   *
   * @throws CommandFailedException if the variable is not set or the file cannot be read
   */
  private @Nullable String redisPassword() {
    if (redisPasswordEnv != null) {
      return Secrets.fromEnvironment("--redis-password-env", redisPasswordEnv, System::getenv);
    }
    return redisPasswordFile == null
        ? null
        : Secrets.fromFile("--redis-password-file", redisPasswordFile);
  }

  /**
   * Faults make HikariCP, pgjdbc, Lettuce and the engine warn at every broken connection, with
   * stack traces: the summary counts what they report, so their warnings are silenced (the SLF4J
   * ones unless set with -D).
   */
  static void quietLibraryLogs() {
    // MariaDB Connector/J logs every error the server sends (the faults' own) as a warning
    for (String logger :
        List.of("com.zaxxer.hikari", "dev.tandem", "io.lettuce", "io.netty", "org.mariadb.jdbc")) {
      String property = "org.slf4j.simpleLogger.log." + logger;
      if (System.getProperty(property) == null) {
        // the engine logs each tier failure as an error with a stack trace: the summary counts them
        System.setProperty(property, logger.equals("dev.tandem") ? "off" : "error");
      }
    }
    PGJDBC_LOG.setLevel(Level.SEVERE); // pgjdbc logs through java.util.logging
  }

  static void say(PrintWriter out, String line) {
    out.println(line);
    out.flush();
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  private static String lower(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }

  private static String format(Duration d) {
    long millis = d.toMillis();
    return millis % 1000 != 0 ? millis + "ms" : millis / 1000 + "s";
  }
}
