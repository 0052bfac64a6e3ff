package dev.tandem.cli.torture;

import dev.tandem.Tandem;
import dev.tandem.cli.CommandFailedException;
import dev.tandem.cli.TandemCli;
import dev.tandem.cli.TandemVersion;
import dev.tandem.jdbc.JdbcStore;
import dev.tandem.local.LocalTier;
import dev.tandem.testkit.check.CheckResult;
import dev.tandem.testkit.check.KeyResult;
import dev.tandem.testkit.check.LinearizabilityChecker;
import dev.tandem.testkit.check.Verdict;
import dev.tandem.testkit.history.Action;
import dev.tandem.testkit.history.History;
import dev.tandem.testkit.history.Operation;
import dev.tandem.testkit.history.Outcome;
import dev.tandem.testkit.naive.NaiveWriteThrough;
import dev.tandem.testkit.fault.FaultProxy;
import dev.tandem.testkit.torture.Fault;
import dev.tandem.testkit.torture.Nemesis;
import dev.tandem.testkit.torture.RandomFaults;
import dev.tandem.testkit.torture.TortureFaults;
import dev.tandem.testkit.torture.Torture;
import dev.tandem.testkit.torture.TortureReport;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code tandem torture}: concurrent clients hammer few keys of a real database through Tandem (or
 * the naive write-through class, the negative control), with faults injected into the database;
 * every operation is recorded and the history checked for linearizability. The last line printed is
 * the verdict, {@code linearizable: yes|no ops=N keys=K stale=S lost=L seed=X}; the exit code is 0
 * only for yes.
 */
@Command(
    name = "torture",
    mixinStandardHelpOptions = true,
    versionProvider = TandemVersion.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Proves (or disproves) \"never stale\": concurrent clients run reads, writes, deletes, updates and"
          + " invalidations on few keys through Tandem, over a real database, with a tiny cache that evicts"
          + " and expires constantly and, with --faults, faults injected into the database. Every operation is"
          + " recorded with its start and end time, and the history is checked for linearizability per key.",
      "",
      "The last line is the verdict: linearizable: yes|no ops=N keys=K stale=S lost=L seed=X.",
      ""
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the history is linearizable",
      "1:it is not (or the run could not be made)",
      "2:bad usage"
    })
public final class TortureCommand implements Callable<Integer> {

  /** What cache sits in front of the database. */
  enum Engine {
    /** Tandem with the local tier. */
    TANDEM,
    /** The naive write-through class: the negative control, which the check should catch. */
    NAIVE
  }

  /** Which faults to inject. */
  enum Faults {
    /** None. */
    NONE,
    /** Database faults. */
    DB,
    /** Every fault there is: today the database faults (cache-tier faults come with the shared tiers). */
    ALL
  }

  /** The expiry of cached entries: short, so that entries expire while the clients work. */
  static final Duration EXPIRE_AFTER_WRITE = Duration.ofMillis(50);

  /** Mixed into the seed of the faults, so that they do not follow the operation mix. */
  private static final long FAULT_SEED = 0x5DEECE66DL;

  /** The longest pause between two faults. */
  private static final Duration MAX_QUIET = Duration.ofMillis(500);

  /** Held so that its level sticks: java.util.logging keeps loggers weakly. */
  private static final Logger PGJDBC_LOG = Logger.getLogger("org.postgresql");

  /** How many failed keys get their whole explanation; the others get one line each. */
  private static final int EXPLAINED_KEYS = 3;

  @Option(names = "--duration", paramLabel = "TIME", defaultValue = "30s", converter = DurationConverter.class,
      description = "How long the clients run, for example 30s or 2m (default: ${DEFAULT-VALUE}).")
  Duration duration = Duration.ofSeconds(30);

  @Option(names = "--clients", paramLabel = "N", defaultValue = "8",
      description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
  int clients = 8;

  @Option(names = "--keys", paramLabel = "N", defaultValue = "20",
      description = "Distinct keys: few, so that operations collide (default: ${DEFAULT-VALUE}).")
  int keys = 20;

  @Option(names = "--db", paramLabel = "h2|postgres",
      description = "h2 (embedded, in memory) or postgres (an embedded server started for the run, unless"
          + " --jdbc-url is given) (default: h2, or the kind of --jdbc-url).")
  TortureDatabase.@Nullable Kind db;

  @Option(names = "--jdbc-url", paramLabel = "URL",
      description = "Run on this PostgreSQL or H2 database (in a new table of its own, dropped at the end)"
          + " instead of an embedded one; user and password go in the URL.")
  @Nullable String jdbcUrl;

  @Option(names = "--tier", paramLabel = "TIER", defaultValue = "local",
      description = "The cache tier: local (Caffeine in this process), the only one torture runs for now"
          + " (default: ${DEFAULT-VALUE}).")
  String tier = "local";

  @Option(names = "--faults", paramLabel = "none|db|all", defaultValue = "none",
      description = "Faults to inject: none, db (connections cut during commit and mid-transaction,"
          + " failing statements, latency, terminated backends, a server restart), all (= db for now)"
          + " (default: ${DEFAULT-VALUE}).")
  Faults faults = Faults.NONE;

  @Option(names = "--engine", paramLabel = "tandem|naive", defaultValue = "tandem",
      description = "tandem, or naive: the tutorial write-through class (DB then cache.put; cache.put after a"
          + " miss), the negative control that the check should catch (default: ${DEFAULT-VALUE}).")
  Engine engine = Engine.TANDEM;

  @Option(names = "--seed", paramLabel = "N", description = "Seed of the operation mix and the faults (default: random).")
  @Nullable Long seed;

  @Option(names = "--history", paramLabel = "FILE",
      description = "Write the history to FILE, one JSON event per line.")
  @Nullable Path history;

  @Spec CommandSpec spec;

  /** Creates the command; picocli calls this. */
  public TortureCommand() {}

  /** Runs the torture and returns 0 if the history is linearizable. */
  @Override
  public Integer call() throws InterruptedException {
    TortureDatabase.Kind kind = validate();
    quietLibraryLogs();
    PrintWriter out = spec.commandLine().getOut();
    long runSeed = seed != null ? seed : ThreadLocalRandom.current().nextLong(1_000_000_000L);
    int cacheSize = Math.max(1, keys / 4);
    out.printf(Locale.ROOT, "tandem torture: seed=%d engine=%s db=%s tier=%s clients=%d keys=%d duration=%s faults=%s%n",
        runSeed, lower(engine), lower(kind), tier, clients, keys, format(duration), lower(faults));
    out.flush();

    TortureReport report;
    try (TortureDatabase database = TortureDatabase.open(kind, jdbcUrl, line -> say(out, line))) {
      out.println("database: " + database.description() + ", table " + database.table());
      boolean proxied = faults != Faults.NONE && kind == TortureDatabase.Kind.POSTGRES;
      JdbcStore<String, Long> store = database.store(proxied
          ? database.proxiedPool(clients + 2) : database.pool(database.url(), clients + 2, "store"));
      Nemesis nemesis = nemesis(database, runSeed, out);
      JdbcStore<String, Long> direct = database.store(database.direct());
      try (Tandem<String, Long> target = engine(store, cacheSize)) {
        out.println(engine == Engine.TANDEM
            ? "cache: Tandem, local tier (Caffeine) of at most " + cacheSize + " entries, expiring "
                + EXPIRE_AFTER_WRITE.toMillis() + " ms after write"
            : "cache: NaiveWriteThrough of at most " + cacheSize + " entries (cleared when full), no expiry");
        out.println("running for " + format(duration) + "...");
        out.flush();
        int[] busy = {0};
        report = Torture.builder(target, direct)
            .clients(clients).keys(keys).duration(duration).seed(runSeed)
            .nemesis(nemesis)
            .quiescence(() -> busy[0] = database.awaitQuiescence())
            .build().run();
        summarize(out, report, target, busy[0]);
      }
    }
    if (history != null) {
      try {
        report.history().write(history);
      } catch (UncheckedIOException e) {
        throw new CommandFailedException("cannot write the history to " + history + ": " + e.getCause().getMessage(), e);
      }
      out.printf(Locale.ROOT, "history: %,d events written to %s%n", report.history().events().size(), history);
    }
    out.printf(Locale.ROOT, "checking %,d operations...%n", report.history().size());
    out.flush();
    CheckResult result = LinearizabilityChecker.builder().build().check(report.history());
    explain(out, result);
    if (!report.clientsStopped()) {
      out.println("the run fails whatever the verdict: clients were stuck (a liveness failure, thread dump above)");
    }
    out.println(result.verdictLine(runSeed));
    out.flush();
    return result.linearizable() && report.clientsStopped() ? 0 : TandemCli.EXIT_FAILURE;
  }

  private TortureDatabase.Kind validate() {
    if (!tier.equals("local")) {
      throw usage("--tier: only 'local' is available for now (torture does not run the Redis tier yet), not '"
          + tier + "'");
    }
    if (clients < 1 || clients > 256) {
      throw usage("--clients must be between 1 and 256 but was " + clients);
    }
    if (keys < 1) {
      throw usage("--keys must be at least 1 but was " + keys);
    }
    if (duration.isNegative() || duration.isZero()) {
      throw usage("--duration must be positive");
    }
    if (jdbcUrl == null) {
      return db != null ? db : TortureDatabase.Kind.H2;
    }
    TortureDatabase.Kind ofUrl = TortureDatabase.Kind.ofUrl(jdbcUrl);
    if (ofUrl == null) {
      throw usage("--jdbc-url must be a PostgreSQL (jdbc:postgresql:) or H2 (jdbc:h2:) URL");
    }
    if (db != null && db != ofUrl) {
      throw usage("--db " + lower(db) + " does not match --jdbc-url, which is " + lower(ofUrl));
    }
    return ofUrl;
  }

  private Tandem<String, Long> engine(JdbcStore<String, Long> store, int cacheSize) {
    if (engine == Engine.NAIVE) {
      return new NaiveWriteThrough<>(store, cacheSize);
    }
    return Tandem.builder(store)
        .cacheTier(LocalTier.<String, Long>builder().maximumSize(cacheSize).expireAfterWrite(EXPIRE_AFTER_WRITE).build())
        .recordStats()
        .build();
  }

  private Nemesis nemesis(TortureDatabase database, long runSeed, PrintWriter out) {
    if (faults == Faults.NONE) {
      out.println("faults: none");
      return Nemesis.none();
    }
    if (faults == Faults.ALL) {
      out.println("faults: all = db for now (cache-tier faults come when torture runs the Redis tier)");
    }
    List<Fault> kinds;
    if (database.kind() == TortureDatabase.Kind.H2) {
      out.println("faults: on embedded H2 only statement failures apply (H2 runs in this process: no connection"
          + " to cut, no server to restart)");
      try {
        kinds = TortureFaults.h2(database.direct(), database.table(), "v");
      } catch (IllegalStateException e) {
        throw new CommandFailedException("--faults " + lower(faults) + " on H2 needs the database in this process"
            + " (a jdbc:h2:mem: or jdbc:h2:file: URL), to install its failing trigger: " + e.getMessage(), e);
      }
    } else {
      FaultProxy proxy = Objects.requireNonNull(database.proxy());
      kinds = TortureFaults.postgres(proxy, database.direct(), database.databaseName(), database.table(), "v",
          database.server(), runSeed ^ FAULT_SEED);
      out.println("faults: the store connects through a fault proxy (" + proxy + ")"
          + (database.server() == null ? "; no server restarts (the server is not ours)" : ""));
    }
    kinds.forEach(f -> out.println("  - " + f.name()));
    return new RandomFaults(kinds, runSeed ^ FAULT_SEED, MAX_QUIET);
  }

  private void summarize(PrintWriter out, TortureReport report, Tandem<String, Long> target, int busy) {
    History h = report.history();
    Map<Action, Integer> byAction = new EnumMap<>(Action.class);
    Map<Outcome, Integer> byOutcome = new EnumMap<>(Outcome.class);
    int pending = 0;
    for (Operation op : h.operations()) {
      byAction.merge(op.action(), 1, Integer::sum);
      byOutcome.merge(op.outcome(), 1, Integer::sum);
      if (op.isPending()) {
        pending++;
      }
    }
    double seconds = report.ran().toNanos() / 1e9;
    out.printf(Locale.ROOT, "ran %.1f s: %,d operations (%,.0f/s) and %,d invalidations%n",
        seconds, h.size(), h.size() / seconds, report.invalidations());
    StringBuilder mix = new StringBuilder("  ");
    byAction.forEach((action, n) -> mix.append(action.wireName()).append(' ')
        .append(String.format(Locale.ROOT, "%,d", n)).append("  "));
    out.println(mix.toString().stripTrailing());
    out.printf(Locale.ROOT, "  outcomes: %,d ok, %,d fail (not applied: %,d updates of absent keys, %,d errors),"
        + " %,d info (outcome unknown)%s%n",
        byOutcome.getOrDefault(Outcome.OK, 0), byOutcome.getOrDefault(Outcome.FAIL, 0), report.absentUpdates(),
        byOutcome.getOrDefault(Outcome.FAIL, 0) - report.absentUpdates(), byOutcome.getOrDefault(Outcome.INFO, 0),
        pending > 0 ? String.format(Locale.ROOT, ", %,d pending", pending) : "");
    out.println("  " + finalState(h));
    if (engine == Engine.TANDEM) {
      var stats = target.stats();
      out.printf(Locale.ROOT, "  cache: %,d hits, %,d loads, %,d evictions; %,d writes retried, %,d with unknown outcome%n",
          stats.hitCount(), stats.loadCount(), stats.evictionCount(), stats.retryCount(), stats.outcomeUnknownCount());
    }
    for (String line : report.faults()) {
      out.println("  fault: " + line);
    }
    if (report.surprises() > 0) {
      out.printf(Locale.ROOT, "  %,d unexpected exceptions (recorded as info), for example:%n", report.surprises());
      report.surpriseExamples().forEach(e -> out.println("    " + e));
    }
    if (busy != 0) {
      out.println("  quiescence: " + (busy < 0 ? "the database did not answer" : busy + " sessions still busy")
          + " after 10 s; the final reads ran anyway");
    }
    if (!report.clientsStopped()) {
      out.println("  clients still running 30 s after the end (their operations count as unknown):");
      out.print(report.stuckClients());
    }
  }

  /**
   * Compares, key by key, the final read through the cache with the direct database read that
   * followed it (both made by the extra process after quiescence).
   */
  private String finalState(History h) {
    Map<String, Operation> cacheReads = new TreeMap<>();
    Map<String, Operation> dbReads = new TreeMap<>();
    for (Operation op : h.operations()) {
      if (op.process() == clients && op.outcome() == Outcome.OK) {
        (op.action() == Action.READ ? cacheReads : dbReads).put(op.key(), op);
      }
    }
    List<String> differ = new ArrayList<>();
    cacheReads.forEach((key, read) -> {
      Operation db = dbReads.get(key);
      if (db != null && !Objects.equals(read.value(), db.value())) {
        differ.add(key + " reads " + show(read.value()) + " but the database has " + show(db.value()));
      }
    });
    String line = "final reads: the cache and the database agree on " + (cacheReads.size() - differ.size()) + " of "
        + keys + " keys";
    if (cacheReads.size() < keys || dbReads.size() < keys) {
      line += " (" + (keys - cacheReads.size()) + " cache reads and " + (keys - dbReads.size())
          + " database reads failed)";
    }
    if (!differ.isEmpty()) {
      line += "; they differ on " + differ.size() + ": " + String.join(", ", differ.subList(0, Math.min(3, differ.size())))
          + (differ.size() > 3 ? ", ..." : "");
    }
    return line;
  }

  private static String show(@Nullable Long value) {
    return value == null ? "absent" : value.toString();
  }

  private static void explain(PrintWriter out, CheckResult result) {
    out.printf(Locale.ROOT, "checked %,d keys in %,d ms: %d not linearizable, %d stale reads, %d lost writes,"
        + " %d impossible reads%n", result.keys(), result.elapsed().toMillis(), result.failures().size(),
        result.stale(), result.lost(), result.impossibleReads());
    List<KeyResult> failures = result.failures();
    for (int i = 0; i < failures.size(); i++) {
      KeyResult r = failures.get(i);
      out.println(r);
      if (i < EXPLAINED_KEYS) {
        r.explanation().lines().forEach(line -> out.println("  " + line));
      }
    }
    if (failures.size() > EXPLAINED_KEYS) {
      out.println("(the first " + EXPLAINED_KEYS + " failed keys are explained; write --history FILE to see all)");
    }
    long undecided = failures.stream().filter(r -> r.verdict() == Verdict.UNKNOWN).count();
    if (undecided > 0) {
      out.println("the checker ran out of budget on " + undecided + " keys (no violation found, none ruled out):"
          + " many clients on few keys make long searches; use more --keys, fewer --clients or a shorter --duration");
    }
  }

  /**
   * Faults make HikariCP, pgjdbc and the engine warn at every broken connection, with stack traces:
   * the summary counts what they report, so their warnings are silenced (the SLF4J ones unless set
   * with -D).
   */
  private static void quietLibraryLogs() {
    for (String logger : List.of("com.zaxxer.hikari", "dev.tandem")) {
      String property = "org.slf4j.simpleLogger.log." + logger;
      if (System.getProperty(property) == null) {
        System.setProperty(property, "error");
      }
    }
    PGJDBC_LOG.setLevel(Level.SEVERE); // pgjdbc logs through java.util.logging
  }

  private static void say(PrintWriter out, String line) {
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
