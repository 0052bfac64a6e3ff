package dev.tandem.cli.verify;

import static java.util.Objects.requireNonNull;
import static java.util.Objects.requireNonNullElse;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.tandem.Tandem;
import dev.tandem.cli.CommandFailedException;
import dev.tandem.cli.ExitCode;
import dev.tandem.cli.JdbcLogin;
import dev.tandem.cli.TandemVersion;
import dev.tandem.cli.Terminal;
import dev.tandem.cli.TextTable;
import dev.tandem.jdbc.JdbcStore;
import dev.tandem.local.LocalTier;
import dev.tandem.redis.RedisTier;
import dev.tandem.verify.Mismatch;
import dev.tandem.verify.Verifier;
import dev.tandem.verify.VerifyReport;
import io.lettuce.core.RedisException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code tandem verify}: compares a cache with its database table and reports (and optionally
 * repairs) the keys that differ, with {@link Verifier}.
 *
 * <p>With {@code --redis-url} and {@code --key-prefix} it checks the shared Redis tier a live
 * application uses: it walks the cached keys (SCAN) and compares each entry with its row, read-only
 * ({@code --repair} only invalidates). Without them the cache lives inside an application's
 * process, so the command verifies a cache of its own: it fills it from the table, optionally waits
 * (so that the table can be changed meanwhile), and verifies.
 */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    versionProvider = TandemVersion.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Compares every cached key (or a sample) with the database and prints the keys that differ (key, cache"
          + " version, database version) and a summary; --repair invalidates them.",
      "",
      "With --redis-url and --key-prefix it checks the shared Redis tier your application uses: it walks the"
          + " cached keys under the prefix and compares each entry with its row, looking twice at each difference"
          + " so that writes in flight are not reported. It only reads; --repair only invalidates (DEL + the near"
          + " tiers' announcement), never writes the database or an entry.",
      "",
      "Without them, the cache lives inside an application's process, so this command verifies a cache of"
          + " its own: it fills it from the table, then checks it (with --interactive it waits for Enter in between,"
          + " so that you can change rows with SQL meanwhile and watch verify find them; that needs a database server,"
          + " since an embedded H2 file is locked by this process). In an application, run the Verifier class"
          + " (dev.tandem.verify) in-process.",
      "",
      "With no options it checks the flight table of the demo database in ./tandem-data (run tandem demo first).",
      ""
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the cache matched the database, or every difference was repaired",
      "1:differences were found (and not repaired), or the check could not run",
      "2:bad usage"
    })
public final class VerifyCommand implements Callable<Integer> {

  private static final int SHOWN = 50;
  private static final int FILL_BATCH = 500;

  @Option(
      names = "--table",
      paramLabel = "NAME",
      defaultValue = "flight",
      description = "The table to check, name or schema.name (default: ${DEFAULT-VALUE}).")
  String table = "flight";

  @Option(
      names = "--key-column",
      paramLabel = "NAME",
      description = "The key column (default: the table's primary key).")
  @Nullable String keyColumn;

  @Option(
      names = "--version-column",
      paramLabel = "NAME",
      defaultValue = "tandem_version",
      description = "The version column (default: ${DEFAULT-VALUE}).")
  String versionColumn = "tandem_version";

  @Option(
      names = "--sample",
      paramLabel = "N",
      description = "Check N keys chosen at random instead of all.")
  @Nullable Integer sample;

  @Option(
      names = "--repair",
      description = "Invalidate every cached key that differs, so that it is read again.")
  boolean repair;

  @Option(
      names = {"-i", "--interactive"},
      description =
          "After filling the cache, wait for Enter before checking (change rows meanwhile to see a difference).")
  boolean interactive;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      defaultValue = "tandem-data",
      description = "Folder of the demo's embedded H2 database (default: ${DEFAULT-VALUE}).")
  Path dataDir = Path.of("tandem-data");

  @Option(
      names = "--jdbc-url",
      paramLabel = "URL",
      description = "Check a table of this database instead.")
  @Nullable String jdbcUrl;

  @Mixin JdbcLogin login = new JdbcLogin();

  @Option(
      names = "--seed",
      paramLabel = "N",
      description = "Seed of --sample's choice (default: random).")
  @Nullable Long seed;

  @Option(
      names = {"--redis-url", "--redis-uri"},
      paramLabel = "URI",
      description =
          "Check the live shared tier on this Redis (redis://host:port), not a cache of this process.")
  @Nullable String redisUrl;

  @Option(
      names = "--key-prefix",
      paramLabel = "PREFIX",
      description =
          "The key prefix of the shared tier to check (RedisTier.Builder#keyPrefix); required with --redis-url.")
  @Nullable String keyPrefix;

  @Option(
      names = "--codec",
      paramLabel = "NAME",
      defaultValue = "opaque",
      description =
          "How the application's codec stores values: opaque (values not decoded: versions, deleted and"
              + " inserted rows compared) or text (the UTF-8 text of the single value column, as Codec.string() stores"
              + " it: values compared too). Default: ${DEFAULT-VALUE}.",
      converter = CodecName.class)
  SharedCache.ValueCodec codec = SharedCache.ValueCodec.OPAQUE;

  @Option(
      names = "--recheck-delay",
      paramLabel = "MILLIS",
      defaultValue = "1000",
      description =
          "With --redis-url: how long after the first look each difference is looked at again (longer than"
              + " a write takes from commit to cache update). Default: ${DEFAULT-VALUE} ms.")
  long recheckDelayMillis = 1000;

  @Option(
      names = "--no-color",
      description = "No colour, even on a terminal (so does the NO_COLOR variable).")
  boolean noColor;

  @Spec CommandSpec spec;

  /** Runs between filling the cache and checking it; tests change rows here. */
  private final Runnable afterFill;

  /** Creates the command; picocli calls this. */
  public VerifyCommand() {
    this(() -> {});
  }

  /** Creates the command with a step run after the cache was filled and before it is checked. */
  VerifyCommand(Runnable afterFill) {
    this.afterFill = afterFill;
  }

  /** Runs the check and returns the exit code. */
  @Override
  public Integer call() throws SQLException, IOException {
    validate();
    PrintWriter out = spec.commandLine().getOut();
    Terminal terminal = Terminal.detect(noColor);
    String url = jdbcUrl != null ? jdbcUrl : demoUrl();
    try (HikariDataSource dataSource = open(url)) {
      Shape shape = shape(dataSource);
      JdbcStore<Object, Row> store = store(dataSource, shape);
      if (redisUrl != null) {
        return checkShared(redisUrl, requireNonNull(keyPrefix), store, shape, out, terminal);
      }
      List<Object> keys = keys(dataSource, shape);
      LocalTier<Object, Row> tier =
          LocalTier.<Object, Row>builder().maximumSize(Math.max(1, keys.size())).build();
      try (Tandem<Object, Row> tandem =
          Tandem.builder(store).cacheTier(tier).name("verify").build()) {
        out.printf(
            Locale.ROOT,
            "%s %s: %,d keys%s; filling this process's cache (local tier) from the table...%n",
            terminal.bold("tandem verify"),
            shape.table().name(),
            keys.size(),
            sample != null ? " (a sample)" : "");
        for (int i = 0; i < keys.size(); i += FILL_BATCH) {
          tandem.getAll(keys.subList(i, Math.min(keys.size(), i + FILL_BATCH)));
        }
        out.flush();
        if (interactive) {
          out.println(
              "The cache holds "
                  + tandem.estimatedSize()
                  + " entries. Change rows of "
                  + shape.table().name()
                  + " with SQL now, then press Enter to check.");
          out.flush();
          new BufferedReader(new InputStreamReader(System.in, Charset.defaultCharset())).readLine();
        }
        afterFill.run();
        Verifier<Object, Row> verifier =
            Verifier.builder(store).tier(tier).recheckDelay(Duration.ZERO).build(); // no writers
        VerifyReport<Object, Row> report =
            repair ? verifier.verifyAndRepair(keys) : verifier.verify(keys);
        print(report, out, terminal);
        return ExitCode.of(report.consistentNow());
      }
    }
  }

  /** Walks the live shared tier's cached keys and compares each with the table. */
  private int checkShared(
      String url,
      String prefix,
      JdbcStore<Object, Row> store,
      Shape shape,
      PrintWriter out,
      Terminal terminal) {
    if (codec == SharedCache.ValueCodec.TEXT && shape.values().size() != 1) {
      throw new CommandFailedException(
          "--codec text compares one value column, but table "
              + shape.table().name()
              + " has "
              + shape.values().size()
              + " ("
              + String.join(", ", shape.values())
              + "): use --codec opaque");
    }
    out.printf(
        Locale.ROOT,
        "%s %s: the shared tier at %s, key prefix %s (read-only%s)...%n",
        terminal.bold("tandem verify"),
        shape.table().name(),
        SharedCache.shown(url),
        prefix,
        repair ? "; --repair invalidates" : "");
    out.flush();
    RedisTier<Object, Row> tier;
    try {
      tier = SharedCache.open(url, prefix, shape.keyType(), codec);
    } catch (RuntimeException e) {
      throw new CommandFailedException(
          "cannot reach Redis at " + SharedCache.shown(url) + ": " + e.getMessage(), e);
    }
    try (tier) {
      Verifier<Object, Row> verifier =
          Verifier.builder(store)
              .tier(tier)
              .valueEquality(codec.equality())
              .recheckDelay(Duration.ofMillis(recheckDelayMillis))
              .build();
      VerifyReport<Object, Row> report;
      try {
        report = repair ? verifier.verifyAndRepair() : verifier.verify();
      } catch (RedisException e) {
        throw new CommandFailedException(
            "Redis at "
                + SharedCache.shown(url)
                + " failed during the check (nothing was"
                + " concluded): "
                + e.getMessage(),
            e);
      }
      if (report.checked() == 0) {
        out.println(
            "No entries under the key prefix "
                + prefix
                + ": is it the prefix your application uses?");
      }
      print(report, out, terminal);
      return ExitCode.of(report.consistentNow());
    }
  }

  private void print(VerifyReport<Object, Row> report, PrintWriter out, Terminal terminal) {
    List<Mismatch<Object, Row>> mismatches = report.mismatches();
    if (!mismatches.isEmpty()) {
      out.println();
      TextTable table =
          TextTable.of("Key", "Problem", "Cache version", "Database version", "Cache", "Database")
              .alignRight(2, 3);
      for (Mismatch<Object, Row> m : mismatches.subList(0, Math.min(SHOWN, mismatches.size()))) {
        Long cacheVersion = m.cacheVersion();
        table.row(
            m.key(),
            terminal.red(m.kind().label()),
            cacheVersion == null ? "?" : cacheVersion,
            m.databaseVersion() == 0 ? "no row" : m.databaseVersion(),
            shown(m.cacheValue()),
            shown(m.databaseValue()));
      }
      table.print(out, terminal);
      if (mismatches.size() > SHOWN) {
        out.printf(Locale.ROOT, "  ... and %,d more%n", mismatches.size() - SHOWN);
      }
    }
    out.println();
    out.printf(
        Locale.ROOT,
        "Checked %,d keys: %,d cached, %,d differ from the database%s.%n",
        report.checked(),
        report.cached(),
        mismatches.size(),
        report.changing() == 0
            ? ""
            : String.format(
                Locale.ROOT, ", %,d changed while checked (writes in flight)", report.changing()));
    if (report.consistent()) {
      out.println(
          terminal.green(terminal.check() + " CONSISTENT")
              + ": every cached key equals the database.");
    } else if (repair) {
      String line =
          String.format(
              Locale.ROOT,
              "repaired %,d of %,d: their cached entries were invalidated, so the"
                  + " next read loads the database's row",
              report.repaired(),
              mismatches.size());
      out.println(
          report.consistentNow()
              ? terminal.green(terminal.check() + " REPAIRED") + ": " + line
              : terminal.red(terminal.cross() + " NOT ALL REPAIRED") + ": " + line);
    } else {
      out.println(
          terminal.red(terminal.cross() + " INCONSISTENT")
              + ": run again with --repair to invalidate"
              + " the keys that differ.");
    }
    out.flush();
  }

  /** Reads --codec case-insensitively. */
  static final class CodecName implements ITypeConverter<SharedCache.ValueCodec> {
    @Override
    public SharedCache.ValueCodec convert(String value) {
      try {
        return SharedCache.ValueCodec.valueOf(value.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException("expected opaque or text but was '" + value + "'");
      }
    }
  }

  private static String shown(@Nullable Row row) {
    return row == null ? "-" : row.toString();
  }

  /** The table, its key column and type, and its value columns. */
  private record Shape(
      TableShape table, TableShape.Column key, Class<?> keyType, List<String> values) {}

  private Shape shape(DataSource dataSource) throws SQLException {
    try (Connection c = dataSource.getConnection()) {
      TableShape shape;
      try {
        shape = TableShape.of(c, table);
      } catch (IllegalArgumentException e) {
        throw new CommandFailedException("the database has " + e.getMessage(), e);
      }
      TableShape.Column key;
      if (keyColumn != null) {
        key = shape.column(keyColumn);
        if (key == null) {
          throw new CommandFailedException("table " + shape.name() + " has no column " + keyColumn);
        }
      } else if (shape.primaryKey().size() == 1) {
        key = shape.column(shape.primaryKey().get(0));
        if (key == null) {
          throw new CommandFailedException(
              "table " + shape.name() + " lists a primary key column it does not have");
        }
      } else {
        throw new CommandFailedException(
            "table "
                + shape.name()
                + " has "
                + (shape.primaryKey().isEmpty()
                    ? "no"
                    : "a " + shape.primaryKey().size() + "-column")
                + " primary key: name the key column with --key-column");
      }
      TableShape.Column version = shape.column(versionColumn);
      if (version == null) {
        throw new CommandFailedException(
            "table "
                + shape.name()
                + " has no version column "
                + versionColumn
                + ": it is not written through Tandem (or name the column with --version-column)");
      }
      Class<?> keyType;
      try {
        keyType = TableShape.keyType(key);
      } catch (IllegalArgumentException e) {
        throw new CommandFailedException(requireNonNullElse(e.getMessage(), e.toString()), e);
      }
      List<String> values = new ArrayList<>();
      for (TableShape.Column column : shape.columns()) {
        if (!column.equals(key) && !column.equals(version)) {
          values.add(column.name());
        }
      }
      if (values.isEmpty()) {
        throw new CommandFailedException(
            "table " + shape.name() + " has no value columns besides the key and version");
      }
      return new Shape(shape, key, keyType, values);
    }
  }

  @SuppressWarnings("unchecked")
  private JdbcStore<Object, Row> store(DataSource dataSource, Shape shape) {
    try {
      return JdbcStore.<Object, Row>builder()
          .dataSource(dataSource)
          .table(shape.table().schema() + "." + shape.table().name())
          .keyColumn(shape.key().name(), (Class<Object>) shape.keyType())
          .versionColumn(versionColumn)
          .rowMapper(new RowReader(shape.values()))
          .build();
    } catch (IllegalArgumentException e) {
      throw new CommandFailedException(
          "table " + shape.table().name() + " cannot be read by Tandem: " + e.getMessage(), e);
    }
  }

  private List<Object> keys(DataSource dataSource, Shape shape) throws SQLException {
    @SuppressWarnings("unchecked")
    Class<Object> type = (Class<Object>) shape.keyType();
    List<Object> keys =
        TableKeys.of(
            dataSource,
            shape.table().schema() + "." + shape.table().name(),
            shape.key().name(),
            type);
    if (sample == null || sample >= keys.size()) {
      return keys;
    }
    List<Object> shuffled = new ArrayList<>(keys);
    Collections.shuffle(shuffled, seed != null ? new Random(seed) : new Random());
    return List.copyOf(shuffled.subList(0, sample));
  }

  private void validate() {
    if (sample != null && sample < 1) {
      throw new ParameterException(
          spec.commandLine(), "--sample must be positive but was " + sample);
    }
    if (jdbcUrl != null && spec.commandLine().getParseResult().hasMatchedOption("--data-dir")) {
      throw new ParameterException(
          spec.commandLine(), "--data-dir is for the demo database and cannot go with --jdbc-url");
    }
    login.check(spec, jdbcUrl);
    if (redisUrl != null && keyPrefix == null) {
      throw new ParameterException(
          spec.commandLine(), "--redis-url needs --key-prefix: the prefix of the tier to check");
    }
    if (redisUrl == null) {
      for (String option : List.of("--key-prefix", "--codec", "--recheck-delay")) {
        if (spec.commandLine().getParseResult().hasMatchedOption(option)) {
          throw new ParameterException(
              spec.commandLine(), option + " is for a shared tier and needs --redis-url");
        }
      }
    } else {
      for (String option : List.of("--sample", "--interactive", "--seed")) {
        if (spec.commandLine().getParseResult().hasMatchedOption(option)) {
          throw new ParameterException(
              spec.commandLine(),
              option
                  + " is for a cache of this process and cannot go"
                  + " with --redis-url, which checks every cached key");
        }
      }
    }
    if (recheckDelayMillis < 0) {
      throw new ParameterException(
          spec.commandLine(), "--recheck-delay must not be negative but was " + recheckDelayMillis);
    }
    if (jdbcUrl != null && !jdbcUrl.startsWith("jdbc:")) {
      throw new ParameterException(
          spec.commandLine(), "--jdbc-url must start with jdbc: but was '" + jdbcUrl + "'");
    }
  }

  private String demoUrl() {
    Path file = dataDir.toAbsolutePath().normalize().resolve("flights.mv.db");
    if (!Files.exists(file)) {
      throw new CommandFailedException(
          "there is no demo database in "
              + dataDir
              + ": run tandem demo first, or give --jdbc-url");
    }
    return "jdbc:h2:file:"
        + dataDir.toAbsolutePath().normalize().resolve("flights")
        + ";IFEXISTS=TRUE";
  }

  private HikariDataSource open(String url) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    login.applyTo(config);
    config.setPoolName("tandem-verify");
    config.setMaximumPoolSize(2);
    config.setConnectionTimeout(10_000);
    config.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
    try {
      return new HikariDataSource(config);
    } catch (RuntimeException e) {
      int parameters = url.indexOf('?');
      throw new CommandFailedException(
          "cannot open the database " + (parameters < 0 ? url : url.substring(0, parameters)), e);
    }
  }
}
