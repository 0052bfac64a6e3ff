package dev.tandem.cli.bench;

import dev.tandem.cli.peers.Peer;
import dev.tandem.cli.peers.PeerCodec;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** The systems {@code tandem bench} can compare, each behind its {@link BenchTarget}. */
enum Contender {
  /** Tandem with the local tier. */
  TANDEM("Tandem: local tier (Caffeine) over JdbcStore, write-through"),
  /** JdbcStore with no cache. */
  DIRECT(
      "the database alone through JdbcStore, Tandem's store: every read and write goes to the database"),
  /** The tutorial write-through class. */
  NAIVE(
      "the tutorial write-through class (write the database, then put in a map), incorrect under concurrency"),
  /** Ehcache 3 write-through. */
  EHCACHE(
      "Ehcache 3 on heap, write-through with a CacheLoaderWriter over JdbcStore (one commit per write)"),
  /** Plain JDBC, a commit per write. */
  RAW_JDBC("plain JDBC, no cache: SELECT by key, upsert with auto-commit (one commit per write)"),
  /** Plain JDBC group commit. */
  GROUP_COMMIT_JDBC(
      "plain JDBC, no cache: writers hand rows to one committer that writes each batch in one transaction"),
  /** Cache-aside by hand over Lettuce. */
  CACHE_ASIDE(Peer.CACHE_ASIDE),
  /** Redisson's write-through RMap. */
  REDISSON(Peer.REDISSON),
  /** Redisson's write-through RLocalCachedMap. */
  REDISSON_NEAR(Peer.REDISSON_NEAR),
  /** Hazelcast's IMap with a write-through MapStore. */
  HAZELCAST(Peer.HAZELCAST);

  private final String description;
  private final @Nullable Peer peer;

  Contender(String description) {
    this.description = description;
    this.peer = null;
  }

  Contender(Peer peer) {
    this.description = peer.description();
    this.peer = peer;
  }

  /** Returns the name on the command line: {@code tandem}, {@code raw-jdbc}, ... */
  String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Returns what the system is. */
  String description() {
    return description;
  }

  /** Returns what the system is when Tandem runs with {@code tier}. */
  String description(BenchTier tier) {
    return this == TANDEM
        ? "Tandem: " + tier.description() + " over JdbcStore, write-through"
        : description;
  }

  /** Returns whether the system needs the run's Redis when Tandem runs with {@code tier}. */
  boolean needsRedis(BenchTier tier) {
    return this == TANDEM ? tier.shared() : peer != null && peer.needsRedis();
  }

  /** Returns whether the system runs an embedded Hazelcast member. */
  boolean hazelcast() {
    return peer == Peer.HAZELCAST;
  }

  /** Opens the system of one node as {@code setup} says. */
  BenchTarget open(TargetSetup setup) {
    BenchTable table = setup.table();
    long cacheSize = setup.cacheSize();
    if (peer != null) {
      return new PeerTarget(
          peer.open(setup.peerSettings(), table.store(), PeerCodec.STRINGS, setup.node()));
    }
    return switch (this) {
      case TANDEM ->
          new TandemTarget(
              table.store(), setup.tier().open(setup.redis(), setup.prefix(), cacheSize));
      case DIRECT -> new DirectTarget(table.store());
      case NAIVE -> new NaiveTarget(table.store(), cacheSize);
      case EHCACHE -> new EhcacheTarget(table.store(), cacheSize);
      case RAW_JDBC -> new RawJdbcTarget(table);
      case GROUP_COMMIT_JDBC -> new GroupCommitJdbcTarget(table);
      case CACHE_ASIDE, REDISSON, REDISSON_NEAR, HAZELCAST ->
          throw new AssertionError(this); // peers, above
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
      throw new TypeConversionException(
          "unknown system '" + value + "' (expected one of " + labels() + ")");
    }
  }
}
