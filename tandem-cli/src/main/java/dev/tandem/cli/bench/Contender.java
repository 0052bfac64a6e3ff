package dev.tandem.cli.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** The systems {@code tandem bench} can compare, each behind its {@link BenchTarget}. */
enum Contender {
  /** Tandem with the local tier. */
  TANDEM("Tandem: local tier (Caffeine) over JdbcStore, write-through"),
  /** JdbcStore with no cache. */
  DIRECT("the database alone through JdbcStore, Tandem's store: every read and write goes to the database"),
  /** The tutorial write-through class. */
  NAIVE("the tutorial write-through class (write the database, then put in a map), incorrect under concurrency"),
  /** Ehcache 3 write-through. */
  EHCACHE("Ehcache 3 on heap, write-through with a CacheLoaderWriter over JdbcStore (one commit per write)"),
  /** Plain JDBC, a commit per write. */
  RAW_JDBC("plain JDBC, no cache: SELECT by key, upsert with auto-commit (one commit per write)"),
  /** Plain JDBC group commit. */
  GROUP_COMMIT_JDBC("plain JDBC, no cache: writers hand rows to one committer that writes each batch in one transaction");

  private final String description;

  Contender(String description) {
    this.description = description;
  }

  /** Returns the name on the command line: {@code tandem}, {@code raw-jdbc}, ... */
  String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Returns what the system is. */
  String description() {
    return description;
  }

  /** Opens the system over {@code table}, with caches of {@code cacheSize} entries. */
  BenchTarget open(BenchTable table, long cacheSize) {
    return switch (this) {
      case TANDEM -> new TandemTarget(table.store(), cacheSize);
      case DIRECT -> new DirectTarget(table.store());
      case NAIVE -> new NaiveTarget(table.store(), cacheSize);
      case EHCACHE -> new EhcacheTarget(table.store(), cacheSize);
      case RAW_JDBC -> new RawJdbcTarget(table);
      case GROUP_COMMIT_JDBC -> new GroupCommitJdbcTarget(table);
    };
  }

  /** Returns every name, comma-separated. */
  static String labels() {
    return Arrays.stream(values()).map(Contender::label).collect(Collectors.joining(", "));
  }

  /** Converts a command-line name, case-insensitively. */
  static final class Converter implements ITypeConverter<Contender> {

    /** Creates the converter; picocli calls this. */
    Converter() {}

    @Override
    public Contender convert(String value) {
      for (Contender contender : values()) {
        if (contender.label().equalsIgnoreCase(value.strip())) {
          return contender;
        }
      }
      throw new TypeConversionException("unknown system '" + value + "' (expected one of " + labels() + ")");
    }
  }
}
