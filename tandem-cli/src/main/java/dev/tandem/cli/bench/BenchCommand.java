package dev.tandem.cli.bench;

import static java.util.Objects.requireNonNull;

import dev.tandem.cli.DatabaseKind;
import dev.tandem.cli.DurationConverter;
import dev.tandem.cli.ExitCode;
import dev.tandem.cli.JdbcLogin;
import dev.tandem.cli.Redaction;
import dev.tandem.cli.TandemVersion;
import dev.tandem.cli.Terminal;
import dev.tandem.cli.peers.HazelcastCluster;
import dev.tandem.cli.report.BenchResults;
import dev.tandem.cli.report.Environment;
import dev.tandem.cli.report.ReportDirectory;
import dev.tandem.cli.report.ResultsJson;
import dev.tandem.cli.report.RunSettings;
import dev.tandem.cli.report.SystemResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code tandem bench}: runs a workload against Tandem and the systems it is compared with, one
 * after another on a freshly loaded table, and prints throughput and latency percentiles.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    subcommands = BenchNodeCommand.class,
    synopsisSubcommandLabel = "",
    versionProvider = TandemVersion.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Runs a YCSB-style workload against Tandem and the systems it is compared with, one after another"
          + " in this JVM, each on a freshly loaded table, and prints throughput and latency percentiles per system"
          + " and operation, with the throughput of each relative to 'direct' (or to the first compared system).",
      "",
      "With no options: workload A on an embedded H2 database in memory, Tandem against direct, naive and ehcache.",
      "The bench drops and creates its table (--table) in the database it is given, and marks it with a table"
          + " comment; it refuses an existing table without that mark (one it did not create) unless --force.",
      "",
      "Equal conditions: before each system the table is dropped, created and loaded again; on PostgreSQL it is"
          + " then vacuumed and analyzed and a CHECKPOINT is taken (skipped without the privilege), and the JVM"
          + " collects garbage; each system warms up (--warmup) before it is measured. What remains is the order"
          + " (the JIT and the caches of the machine keep what earlier systems did): --rounds N rotates it.",
      "",
      "Systems: tandem (the tier of --tier), direct (JdbcStore, no cache), naive (the tutorial write-through class),"
          + " ehcache (Ehcache 3 write-through), raw-jdbc (SELECT; upsert with one commit per write),"
          + " group-commit-jdbc (one committer thread writes each batch of waiting rows in one transaction);"
          + " the peers: cache-aside (Lettuce GET, SQL on a miss then SET, SET after the commit), redisson (RMap,"
          + " write-through MapWriter/MapLoader), redisson-near (RLocalCachedMap, the same), hazelcast (an embedded"
          + " member, IMap with a write-through MapStore), all over the bench table through the same connection pool.",
      ""
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the benchmark ran",
      "1:a system failed or the database could not be used",
      "2:bad usage"
    })
public final class BenchCommand implements Callable<Integer> {

  private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

  @Option(
      names = {"-w", "--workload", "--scenario"},
      paramLabel = "NAME",
      defaultValue = "A",
      description =
          "A (50%% reads, 50%% updates), B (95/5), C (reads only), D (reads of the latest, 5%% inserts),"
              + " F (50%% reads, 50%% read-modify-writes) or writes (updates only) (default: ${DEFAULT-VALUE}).")
  Workload workload = Workload.A;

  @Option(
      names = "--compare",
      paramLabel = "SYSTEMS",
      split = ",",
      defaultValue = "direct,naive,ehcache",
      converter = Contender.Converter.class,
      description =
          "Systems to run besides Tandem, in order (default: ${DEFAULT-VALUE}); name tandem in the list to"
              + " place it elsewhere than first.")
  List<Contender> compare = new ArrayList<>();

  @Option(
      names = "--tier",
      paramLabel = "local|redis|near",
      defaultValue = "local",
      converter = BenchTier.Converter.class,
      description =
          "Tandem's cache tier: local (Caffeine), redis (one Redis shared by the nodes) or near (a Caffeine L1"
              + " per node over redis, invalidated over pub/sub) (default: ${DEFAULT-VALUE}). Redis is a redis-server started"
              + " for the run unless --redis-url is given; the peers cache-aside, redisson and redisson-near use it too.")
  BenchTier tier = BenchTier.LOCAL;

  @Option(
      names = "--redis-url",
      paramLabel = "URL",
      description =
          "Use this Redis (redis://host:port) instead of starting redis-server; the run's keys get a prefix of"
              + " their own, deleted before each system and at the end.")
  @Nullable String redisUrl;

  @Option(
      names = "--nodes",
      paramLabel = "N",
      defaultValue = "1",
      description =
          "Run each system on N nodes, each a JVM of its own (its own pool, Tandem or peer and share of the"
              + " threads) against the one database and Redis of the run, and print each node's figures and the total"
              + " (default: ${DEFAULT-VALUE}: in this JVM). Needs --db postgres.")
  int nodes = 1;

  @Option(
      names = {"-t", "--threads"},
      paramLabel = "N",
      defaultValue = "8",
      description = "Threads running operations (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(
      names = {"-d", "--duration"},
      paramLabel = "TIME",
      defaultValue = "10s",
      converter = DurationConverter.class,
      description =
          "How long each system is measured, e.g. 500ms, 20s, 2m (default: ${DEFAULT-VALUE}).")
  Duration duration = Duration.ofSeconds(10);

  @Option(
      names = {"-n", "--operations"},
      paramLabel = "N",
      description = "Measure this many operations per system instead of a duration.")
  @Nullable Long operations;

  @Option(
      names = "--warmup",
      paramLabel = "TIME",
      defaultValue = "2s",
      converter = DurationConverter.class,
      description = "How long each system runs unmeasured first (default: ${DEFAULT-VALUE}).")
  Duration warmup = Duration.ofSeconds(2);

  @Option(
      names = "--rounds",
      paramLabel = "N",
      defaultValue = "1",
      description =
          "Measure every system N times, each round starting one system later in the list, and report"
              + " each system's round of median throughput (default: ${DEFAULT-VALUE}). Use 3 or more when comparing"
              + " systems: a system's place in the run can cost or gain it more than the difference between systems.")
  int rounds;

  @Option(
      names = "--records",
      paramLabel = "N",
      defaultValue = "10000",
      description = "Records loaded before each system runs (default: ${DEFAULT-VALUE}).")
  long records;

  @Option(
      names = "--value-size",
      paramLabel = "BYTES",
      defaultValue = "100",
      description = "Size of each value (default: ${DEFAULT-VALUE}).")
  int valueSize;

  @Option(
      names = "--distribution",
      paramLabel = "NAME",
      defaultValue = "zipfian",
      description =
          "zipfian (YCSB's, a few hot keys; workload D: the latest records) or uniform"
              + " (default: ${DEFAULT-VALUE}).")
  Distribution distribution = Distribution.ZIPFIAN;

  @Option(
      names = "--cache-size",
      paramLabel = "N",
      description =
          "Entries each cache may hold (default: twice the records, so that everything fits).")
  @Nullable Long cacheSize;

  @Option(
      names = "--db",
      paramLabel = "DB",
      defaultValue = "h2",
      description =
          "h2 (embedded, in memory), postgres (an embedded server started for the run, unless --jdbc-url"
              + " is given) or mariadb (the installed mariadbd, started for the run unless --jdbc-url is given)"
              + " (default: ${DEFAULT-VALUE}).")
  DatabaseKind db = DatabaseKind.H2;

  @Option(
      names = "--fsync",
      paramLabel = "on|off",
      defaultValue = "on",
      description =
          "fsync of the embedded PostgreSQL server: on (each commit waits for the disk, as production runs)"
              + " or off (default: ${DEFAULT-VALUE}). With --jdbc-url the server's own setting is reported; H2 in memory"
              + " has none.")
  BenchDatabase.Fsync fsync = BenchDatabase.Fsync.ON;

  @Option(
      names = "--jdbc-url",
      paramLabel = "URL",
      description =
          "Run on this PostgreSQL, MariaDB (jdbc:mariadb:) or H2 database instead of an embedded one.")
  @Nullable String jdbcUrl;

  @Mixin JdbcLogin login = new JdbcLogin();

  @Option(
      names = "--table",
      paramLabel = "NAME",
      defaultValue = BenchTable.DEFAULT_NAME,
      description =
          "The table the bench drops, creates and loads; an existing table only if the bench created it"
              + " (default: ${DEFAULT-VALUE}).")
  String table = BenchTable.DEFAULT_NAME;

  @Option(names = "--force", description = "Drop --table even if the bench did not create it.")
  boolean force;

  @Option(
      names = "--json",
      paramLabel = "FILE",
      description = "Also write the results as JSON to FILE.")
  @Nullable Path json;

  @Option(
      names = "--report",
      paramLabel = "DIR",
      description =
          "Write report.html (self-contained, charts inline), results.json and HdrHistogram logs to DIR.")
  @Nullable Path report;

  @Option(
      names = "--seed",
      paramLabel = "N",
      description = "Seed of the values and key choices (default: random).")
  @Nullable Long seed;

  @Option(names = "--no-progress", description = "No live progress bar, even on a terminal.")
  boolean noProgress;

  @Option(
      names = "--no-color",
      description = "No colour, even on a terminal (so does the NO_COLOR variable).")
  boolean noColor;

  @Spec CommandSpec spec;

  /** Creates the command; picocli calls this. */
  public BenchCommand() {}

  /** Runs the benchmark and returns the exit code. */
  @Override
  public Integer call() throws SQLException, InterruptedException {
    List<Contender> systems = validate();
    PrintWriter out = spec.commandLine().getOut();
    Terminal terminal = Terminal.detect(noColor);
    Progress progress = new Progress(out, terminal, !noProgress && Terminal.stdoutIsTerminal());
    long runSeed = seed != null ? seed : ThreadLocalRandom.current().nextLong();
    long cache = cacheSize != null ? cacheSize : Math.max(1, records * 2);
    RunPlan plan =
        new RunPlan(
            workload,
            distribution,
            records,
            valueSize,
            cache,
            threads,
            operations == null ? duration : null,
            operations == null ? 0 : operations,
            warmup,
            runSeed);
    String baseline = baseline(systems);
    Instant startedAt = Instant.now();

    boolean needsRedis = systems.stream().anyMatch(s -> s.needsRedis(tier));
    try (BenchDatabase database =
            BenchDatabase.open(
                db,
                jdbcUrl,
                login.user(),
                login.password(),
                fsync,
                threads + 4,
                progress::println);
        BenchRedis redis = needsRedis ? BenchRedis.open(redisUrl, progress::println) : null) {
      BenchTable benchTable = new BenchTable(database.dataSource(), table, database.kind());
      benchTable.claim(force);
      Environment environment =
          Environment.detect(
              TandemVersion.version(),
              startedAt,
              database.product(),
              database.setup(),
              database.fsync(),
              database.synchronousCommit());
      header(
          out,
          terminal,
          plan,
          systems,
          baseline,
          database,
          environment,
          tier.description()
              + (redis == null ? "" : "; Redis: " + redis.description())
              + (nodes > 1
                  ? "; " + nodes + " nodes (a JVM each), the threads spread over them"
                  : ""));
      ReportDirectory reportDirectory = report != null ? ReportDirectory.create(report) : null;
      ZipfianGenerator zipfian = ZipfianGenerator.of(records);
      Map<Contender, List<SystemResult>> measured = new EnumMap<>(Contender.class);
      for (int round = 0; round < rounds; round++) {
        if (rounds > 1) {
          progress.println("round " + (round + 1) + " of " + rounds);
        }
        for (int i = 0; i < systems.size(); i++) {
          Contender system =
              systems.get((i + round) % systems.size()); // each round starts one system later
          benchTable.prepare(records, valueSize, runSeed);
          System.gc(); // no system pays for the garbage of the one before
          if (redis != null) {
            redis.clear(); // each system starts from an empty Redis
          }
          Path log =
              reportDirectory == null
                  ? null
                  : reportDirectory.histogramLog(
                      rounds == 1 ? system.label() : system.label() + "-round" + (round + 1));
          SystemResult result;
          String prefix =
              (redis == null ? "bench:" : redis.prefix()) + system.label() + "-" + round + ":";
          if (nodes > 1) {
            progress.println("  " + system.label() + ": starting " + nodes + " nodes...");
            result =
                new BenchNodes(
                        plan,
                        nodes,
                        table,
                        database.url(),
                        login.user(),
                        login.password(),
                        tier,
                        redis)
                    .run(system, prefix);
            result.nodes().forEach(node -> progress.println(summary(terminal, node)));
          } else {
            TargetSetup setup =
                new TargetSetup(
                    benchTable, cache, tier, redis, prefix, 0, HazelcastCluster.fresh(1));
            try (BenchTarget target = system.open(setup)) {
              result =
                  new BenchRun(plan, system, system.description(tier), zipfian, progress, log)
                      .run(target);
            }
          }
          measured.computeIfAbsent(system, s -> new ArrayList<>()).add(result);
          progress.println(summary(terminal, result));
        }
      }
      List<SystemResult> results = new ArrayList<>();
      for (Contender system : systems) {
        results.add(median(requireNonNull(measured.get(system)))); // every system ran each round
      }
      BenchResults all = new BenchResults(settings(plan, baseline), environment, baseline, results);
      out.println();
      ResultTable.print(all, out, terminal);
      if (json != null) {
        ReportDirectory.writeFile(json, ResultsJson.of(all));
        out.println();
        out.println("Results written to " + json);
      }
      if (reportDirectory != null) {
        Path html = reportDirectory.write(all);
        out.println(
            (json == null ? "\n" : "")
                + "Report written to "
                + html.toAbsolutePath()
                + (nodes > 1
                    ? " (with results.json; a --nodes run writes no HdrHistogram logs)"
                    : " (with results.json and the HdrHistogram logs)"));
      }
      out.flush();
      return ExitCode.OK;
    }
  }

  /** Returns the round of median throughput (of an even number, the lower of the middle two). */
  private static SystemResult median(List<SystemResult> rounds) {
    List<SystemResult> sorted = new ArrayList<>(rounds);
    sorted.sort(Comparator.comparingDouble(SystemResult::opsPerSec));
    return sorted.get((sorted.size() - 1) / 2);
  }

  private List<Contender> validate() {
    if (rounds < 1 || rounds > 100) {
      throw usage("--rounds must be between 1 and 100 but was " + rounds);
    }
    if (threads < 1 || threads > 1024) {
      throw usage("--threads must be between 1 and 1024 but was " + threads);
    }
    if (records < 1 || records > 100_000_000) {
      throw usage("--records must be between 1 and 100,000,000 but was " + records);
    }
    if (valueSize < 1 || valueSize > 10_000_000) {
      throw usage("--value-size must be between 1 and 10,000,000 bytes but was " + valueSize);
    }
    if (duration.isNegative() || duration.isZero()) {
      throw usage("--duration must be positive but was " + duration);
    }
    if (warmup.isNegative()) {
      throw usage("--warmup must not be negative but was " + warmup);
    }
    if (operations != null) {
      if (spec.commandLine().getParseResult().hasMatchedOption("--duration")) {
        throw usage(
            "--duration and --operations exclude each other: measure for a time or a number of operations");
      }
      if (operations < 1) {
        throw usage("--operations must be positive but was " + operations);
      }
    }
    if (nodes < 1 || nodes > 32) {
      throw usage("--nodes must be between 1 and 32 but was " + nodes);
    }
    if (nodes > threads) {
      throw usage(
          "--nodes "
              + nodes
              + " needs at least as many --threads (one per node) but --threads is "
              + threads);
    }
    if (operations != null && operations < nodes) {
      throw usage("--nodes " + nodes + " needs at least as many --operations (some for each node)");
    }
    if (cacheSize != null && cacheSize < 1) {
      throw usage("--cache-size must be positive but was " + cacheSize);
    }
    if (!TABLE_NAME.matcher(table).matches()) {
      throw usage("--table must be a plain SQL name (letters, digits, _) but was '" + table + "'");
    }
    login.check(spec, jdbcUrl);
    if (redisUrl != null && !redisUrl.startsWith("redis://")) {
      throw usage(
          "--redis-url must be a redis://host:port URL but was '" + Redaction.url(redisUrl) + "'");
    }
    if (spec.commandLine().getParseResult().hasMatchedOption("--fsync")) {
      if (jdbcUrl != null) {
        throw usage(
            "--fsync sets the embedded PostgreSQL server; a server given by --jdbc-url keeps its own setting,"
                + " which the bench reports");
      }
      if (db != DatabaseKind.POSTGRES) {
        throw usage("--fsync applies to --db postgres; H2 runs in memory, with no disk");
      }
    }
    if (jdbcUrl != null) {
      DatabaseKind kind = DatabaseKind.ofUrl(jdbcUrl);
      if (kind == null) {
        throw usage(
            "--jdbc-url must be a PostgreSQL (jdbc:postgresql:), MariaDB (jdbc:mariadb:) or H2 (jdbc:h2:) URL"
                + " but was '"
                + Redaction.url(jdbcUrl)
                + "'");
      }
      if (spec.commandLine().getParseResult().hasMatchedOption("--db") && kind != db) {
        throw usage(
            "--db "
                + db.name().toLowerCase(Locale.ROOT)
                + " does not match --jdbc-url "
                + Redaction.url(jdbcUrl));
      }
      db = kind;
    }
    if (nodes > 1 && db != DatabaseKind.POSTGRES) {
      throw usage(
          "--nodes "
              + nodes
              + " needs --db postgres: the nodes' JVMs cannot reach an H2 database in this one");
    }
    Set<Contender> systems = new LinkedHashSet<>();
    if (!compare.contains(Contender.TANDEM)) {
      systems.add(Contender.TANDEM);
    }
    for (Contender contender : compare) {
      if (!systems.add(contender)) {
        throw usage("--compare names " + contender.label() + " twice");
      }
    }
    if (redisUrl != null && systems.stream().noneMatch(s -> s.needsRedis(tier))) {
      throw usage(
          "--redis-url is given but no system of the run uses Redis: pass --tier redis or near, or compare"
              + " cache-aside, redisson or redisson-near");
    }
    return List.copyOf(systems);
  }

  /** The system the ratios are taken against: direct, else the first one compared with Tandem. */
  private static String baseline(List<Contender> systems) {
    if (systems.contains(Contender.DIRECT)) {
      return Contender.DIRECT.label();
    }
    return systems.stream()
        .filter(c -> c != Contender.TANDEM)
        .findFirst()
        .orElse(Contender.TANDEM)
        .label();
  }

  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }

  private RunSettings settings(RunPlan plan, String baseline) {
    return new RunSettings(
        commandLine(),
        workload.label(),
        workload.description(),
        workload.readsLatest() && distribution == Distribution.ZIPFIAN
            ? "latest (zipfian)"
            : distribution.label(),
        plan.records(),
        plan.valueSize(),
        plan.cacheSize(),
        plan.threads(),
        plan.duration(),
        plan.operations(),
        plan.warmup(),
        plan.seed());
  }

  /** The command line as given, with its secrets masked. */
  private String commandLine() {
    List<String> args = new ArrayList<>(spec.commandLine().getParseResult().originalArgs());
    if (!args.isEmpty() && args.get(0).equals(spec.name())) {
      args.remove(0); // the original arguments start with the subcommand's name
    }
    args = Redaction.arguments(args);
    return "tandem bench" + (args.isEmpty() ? "" : " " + String.join(" ", args));
  }

  private static void header(
      PrintWriter out,
      Terminal terminal,
      RunPlan plan,
      List<Contender> systems,
      String baseline,
      BenchDatabase database,
      Environment environment,
      String tierLine) {
    out.println(
        terminal.bold("tandem bench")
            + ": workload "
            + plan.workload().label()
            + " ("
            + plan.workload().description()
            + "), "
            + (plan.workload().readsLatest() && plan.distribution() == Distribution.ZIPFIAN
                ? "latest records most"
                : plan.distribution().label() + " keys"));
    String measured =
        plan.duration() != null
            ? terminal.latency(plan.duration().toNanos()) + " per system"
            : String.format(Locale.ROOT, "%,d operations per system", plan.operations());
    out.println("  database  " + database.product() + " (" + database.setup() + ")");
    out.println("  fsync     " + database.durability());
    out.printf(
        Locale.ROOT,
        "  records   %,d of %,d bytes; caches hold %,d entries%n",
        plan.records(),
        plan.valueSize(),
        plan.cacheSize());
    out.println(
        "  load      "
            + plan.threads()
            + " threads, "
            + (plan.warmup().isZero() ? "no" : terminal.latency(plan.warmup().toNanos()))
            + " warm-up, then "
            + measured);
    out.println(
        "  systems   "
            + systems.stream().map(Contender::label).collect(Collectors.joining(", "))
            + " (ratios against "
            + baseline
            + ")");
    out.printf(
        Locale.ROOT,
        "  machine   %d cores, %.1f GiB, Java %s%n",
        environment.cores(),
        environment.memoryBytes() / (1024.0 * 1024 * 1024),
        environment.jdk());
    out.println("  tier      " + tierLine);
    out.println("  seed      " + plan.seed());
    out.println();
    out.flush();
  }

  private static String summary(Terminal terminal, SystemResult result) {
    Double hitRatio = result.hitRatio();
    return String.format(
        Locale.ROOT,
        "  %-18s %s  p50 %s  p99 %s%s",
        result.system(),
        terminal.bold(String.format(Locale.ROOT, "%,12.0f ops/s", result.opsPerSec())),
        terminal.latency(Math.round(result.latency().p50() * 1_000)),
        terminal.latency(Math.round(result.latency().p99() * 1_000)),
        hitRatio == null ? "" : String.format(Locale.ROOT, "  hit ratio %.1f%%", hitRatio * 100));
  }
}
