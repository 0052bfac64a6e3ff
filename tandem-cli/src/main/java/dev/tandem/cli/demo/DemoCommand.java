package dev.tandem.cli.demo;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.Tandem;
import dev.tandem.cli.CommandFailedException;
import dev.tandem.cli.DatabaseKind;
import dev.tandem.cli.JdbcLogin;
import dev.tandem.cli.Redaction;
import dev.tandem.cli.TandemVersion;
import dev.tandem.cli.Terminal;
import dev.tandem.jdbc.JdbcStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code tandem demo}: the flight-delay demo on an embedded H2 database (created and filled on the
 * first run), an embedded PostgreSQL started for the run, or any database given by JDBC URL; with
 * the local cache tier, the Redis tier or the near tier over Redis (a {@code redis-server} started
 * for the run unless {@code --redis-url} is given).
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    versionProvider = TandemVersion.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "The flight-delay demo: reads a flight through Tandem (a miss, then a hit), delays it by two hours"
          + " with a write through Tandem, checks database and cache field by field, and restores it.",
      "",
      "With no options it runs on an embedded H2 database in ./tandem-data, created and filled with"
          + " generated flights on the first run, and caches in this process.",
      "With --cache redis it caches in Redis instead: a redis-server started for the run (stopped at the end),"
          + " or the one of --redis-url.",
      ""
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the cache matched the database",
      "1:the cache differed from the database, or the demo could not run",
      "2:bad usage"
    })
public final class DemoCommand implements Callable<Integer> {

  private static final int CACHE_SIZE = 10_000;

  /** H2's error code for a database file locked by another process. */
  private static final int H2_DATABASE_IN_USE = 90020;

  @Option(
      names = {"-f", "--flight-id"},
      paramLabel = "ID",
      defaultValue = "115",
      description = "The flight to delay (default: ${DEFAULT-VALUE}).")
  long flightId;

  @Option(
      names = {"-i", "--interactive"},
      description = "Wait for Enter before each step.")
  boolean interactive;

  @Option(
      names = {"-v", "--verbose"},
      description =
          "Show the SQL that Tandem's store and the demo run, and the commands Tandem sends to Redis.")
  boolean verbose;

  @Option(
      names = "--flush",
      description = "Empty the cache first (with the local tier it starts empty anyway).")
  boolean flush;

  @Option(
      names = "--cache",
      paramLabel = "local|redis|near",
      defaultValue = "local",
      description =
          "Where Tandem caches: local (Caffeine in this process), redis (the Redis tier) or near (a Caffeine"
              + " L1 in this process over the Redis tier) (default: ${DEFAULT-VALUE}).")
  DemoCache.Kind cache = DemoCache.Kind.LOCAL;

  @Option(
      names = "--redis-url",
      paramLabel = "URI",
      description =
          "With --cache redis or near: use this Redis, for example redis://localhost:6379, instead of"
              + " starting a redis-server for the run; the demo's keys start with "
              + DemoCache.KEY_PREFIX
              + ".")
  @Nullable String redisUrl;

  @Option(
      names = "--db",
      paramLabel = "h2|postgres",
      description =
          "h2 (embedded, a file in --data-dir, kept between runs) or postgres (an embedded server started"
              + " for the run and stopped at the end) (default: h2, or the kind of --jdbc-url).")
  @Nullable DatabaseKind db;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      defaultValue = "tandem-data",
      description = "Folder of the embedded H2 database (default: ${DEFAULT-VALUE}).")
  Path dataDir = Path.of("tandem-data");

  @Option(
      names = "--jdbc-url",
      paramLabel = "URL",
      description =
          "Use this database instead, for example jdbc:postgresql://localhost/flights;"
              + " the demo tables are created and filled if none exists.")
  @Nullable String jdbcUrl;

  @Mixin JdbcLogin login = new JdbcLogin();

  @Option(
      names = "--no-color",
      description = "No colour, even on a terminal (so does the NO_COLOR variable).")
  boolean noColor;

  @Spec CommandSpec spec;

  /** Creates the command; picocli calls this. */
  public DemoCommand() {}

  /** Runs the demo and returns its exit code. */
  @Override
  public Integer call() throws SQLException {
    DatabaseKind kind = validate();
    PrintWriter out = spec.commandLine().getOut();
    Terminal terminal = Terminal.detect(noColor);
    Consumer<String> say =
        line -> {
          out.println(terminal.dim(line));
          out.flush();
        };
    SqlTrace trace = new SqlTrace();
    try (DemoDatabase database =
            jdbcUrl != null
                ? new DemoDatabase(jdbcUrl, Redaction.url(jdbcUrl), null)
                : DemoDatabase.embedded(kind, dataDir, say);
        HikariDataSource dataSource = open(database)) {
      prepareSchema(dataSource, out);
      FlightQueries queries = new FlightQueries(dataSource);
      if (queries.row(flightId).isEmpty()) {
        throw new CommandFailedException(
            "flight "
                + flightId
                + " does not exist; the database has "
                + queries.describeFlights()
                + " (choose one with --flight-id)");
      }
      JdbcStore<Long, Flight> store = store(trace.wrap(dataSource));
      try (DemoCache tier =
              DemoCache.open(cache, redisUrl, DemoCache.keyPrefix(store), CACHE_SIZE, trace, say);
          Tandem<Long, Flight> tandem =
              Tandem.builder(store).cacheTier(tier.tier()).recordStats().build()) {
        FlightDelayDemo.Settings settings =
            new FlightDelayDemo.Settings(
                flightId,
                verbose,
                flush,
                interactive ? keyboard() : null,
                describe(dataSource, database));
        return new FlightDelayDemo(tandem, store, queries, trace, tier, out, terminal, settings)
            .run();
      }
    }
  }

  /** Returns the store of the flight table over {@code dataSource}. */
  static JdbcStore<Long, Flight> store(DataSource dataSource) {
    try {
      return JdbcStore.<Long, Flight>builder()
          .dataSource(dataSource)
          .table(FlightsSchema.FLIGHT)
          .keyColumn("flight_id", Long.class)
          .rowMapper(new FlightMapper())
          .versionColumn(FlightsSchema.VERSION_COLUMN)
          .changeLog(FlightsSchema.LOG)
          .build();
    } catch (IllegalArgumentException e) {
      throw new CommandFailedException(
          "the database's demo tables do not fit the demo: " + e.getMessage(), e);
    }
  }

  /** Checks the options that go together; returns the kind of database. */
  private DatabaseKind validate() {
    boolean dataDirGiven = spec.commandLine().getParseResult().hasMatchedOption("--data-dir");
    if (jdbcUrl != null && dataDirGiven) {
      throw new ParameterException(
          spec.commandLine(),
          "--data-dir is for the embedded database and cannot go with --jdbc-url");
    }
    login.check(spec, jdbcUrl);
    if (redisUrl != null && cache == DemoCache.Kind.LOCAL) {
      throw new ParameterException(
          spec.commandLine(), "--redis-url needs --cache redis or --cache near");
    }
    if (jdbcUrl == null) {
      DatabaseKind kind = db != null ? db : DatabaseKind.H2;
      if (dataDirGiven && kind != DatabaseKind.H2) {
        throw new ParameterException(
            spec.commandLine(),
            "--data-dir is for the embedded H2 database and cannot go with --db "
                + kind.name().toLowerCase(Locale.ROOT));
      }
      return kind;
    }
    if (!jdbcUrl.startsWith("jdbc:")) {
      throw new ParameterException(
          spec.commandLine(), "--jdbc-url must start with jdbc: but was '" + jdbcUrl + "'");
    }
    DatabaseKind ofUrl = DatabaseKind.ofUrl(jdbcUrl);
    if (db != null && ofUrl != db) {
      throw new ParameterException(
          spec.commandLine(),
          "--db "
              + db.name().toLowerCase(Locale.ROOT)
              + " does not match --jdbc-url "
              + Redaction.url(jdbcUrl));
    }
    return ofUrl != null
        ? ofUrl
        : DatabaseKind.H2; // another database: the URL decides, the kind is not used
  }

  private HikariDataSource open(DemoDatabase database) {
    String url = database.url();
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    login.applyTo(config);
    config.setPoolName("tandem-demo");
    config.setMaximumPoolSize(4);
    config.setConnectionTimeout(10_000);
    try {
      return new HikariDataSource(config);
    } catch (RuntimeException e) {
      if (database.isFile() && jdbcUrl == null && hasErrorCode(e, H2_DATABASE_IN_USE)) {
        throw new CommandFailedException(
            "the demo database in "
                + dataDir
                + " is in use by another process (is another tandem demo running?)");
      }
      throw new CommandFailedException("cannot open the database " + Redaction.url(url), e);
    }
  }

  private static boolean hasErrorCode(Throwable e, int code) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof SQLException sql && sql.getErrorCode() == code) {
        return true;
      }
    }
    return false;
  }

  private void prepareSchema(HikariDataSource dataSource, PrintWriter out) throws SQLException {
    FlightsSchema.State state = FlightsSchema.inspect(dataSource);
    if (state == FlightsSchema.State.READY) {
      return;
    }
    if (state == FlightsSchema.State.PARTIAL) {
      if (jdbcUrl != null) {
        throw new CommandFailedException(
            "the database has the tables "
                + FlightsSchema.existingTables(dataSource)
                + " but not all of "
                + FlightsSchema.TABLES
                + ": drop them, or point --jdbc-url at an empty database");
      }
      out.println(
          "The demo database in "
              + dataDir
              + " is incomplete (an earlier first run was cut short): creating it again.");
      FlightsSchema.dropEverything(dataSource);
    }
    out.printf(
        Locale.ROOT,
        "First run: creating the demo database (%d airports, %d airlines, %,d flights)... ",
        FlightsData.AIRPORTS,
        FlightsData.AIRLINES,
        FlightsData.FLIGHTS);
    out.flush();
    long start = System.nanoTime();
    FlightsSchema.create(dataSource, FlightsData.generate());
    out.printf(Locale.ROOT, "done in %,d ms%n%n", (System.nanoTime() - start) / 1_000_000);
  }

  private static String describe(HikariDataSource dataSource, DemoDatabase database)
      throws SQLException {
    try (Connection connection = dataSource.getConnection()) {
      DatabaseMetaData meta = connection.getMetaData();
      return meta.getDatabaseProductName()
          + " "
          + meta.getDatabaseProductVersion()
          + ", "
          + database.description();
    }
  }

  private static BufferedReader keyboard() {
    return new BufferedReader(new InputStreamReader(System.in, Charset.defaultCharset()));
  }
}
