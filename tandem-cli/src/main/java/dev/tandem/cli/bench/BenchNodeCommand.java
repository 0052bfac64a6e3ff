package dev.tandem.cli.bench;

import dev.tandem.cli.DatabaseKind;
import dev.tandem.cli.ExitCode;
import dev.tandem.cli.Terminal;
import dev.tandem.cli.peers.HazelcastCluster;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tandem bench node}: one node of {@code tandem bench --nodes}, in a JVM of its own, started
 * by the parent command (hidden). It opens its system over the run's table (its own connection
 * pool) and Redis, prints {@code ready}, waits for {@code go}, runs its share of the threads
 * (warm-up, then the measured phase), prints one {@code hist <operation> <histogram>} line per
 * operation (HdrHistogram's compressed form, Base64), {@code counts <hits> <misses>} for a system
 * with a cache and {@code done <seconds>}, then waits for {@code close} (so that no node's
 * departure disturbs the others still running: a Hazelcast member leaving moves partitions) and
 * exits. The JDBC URL, user and password and the Redis URI come in environment variables, not in
 * the arguments that {@code ps} shows.
 */
@Command(
    name = "node",
    hidden = true,
    description = "One node of bench --nodes (started by bench).")
final class BenchNodeCommand implements Callable<Integer> {

  static final String JDBC_URL_VARIABLE = "TANDEM_BENCH_JDBC_URL";
  static final String JDBC_USER_VARIABLE = "TANDEM_BENCH_JDBC_USER";
  static final String JDBC_PASSWORD_VARIABLE = "TANDEM_BENCH_JDBC_PASSWORD";
  static final String REDIS_URI_VARIABLE = "TANDEM_BENCH_REDIS_URI";

  @Option(names = "--system", required = true, converter = Contender.Converter.class)
  Contender system = Contender.TANDEM;

  @Option(names = "--tier", required = true, converter = BenchTier.Converter.class)
  BenchTier tier = BenchTier.LOCAL;

  @Option(names = "--node", required = true)
  int node;

  @Option(names = "--nodes", required = true)
  int nodes;

  @Option(names = "--workload", required = true)
  Workload workload = Workload.A;

  @Option(names = "--distribution", required = true)
  Distribution distribution = Distribution.ZIPFIAN;

  @Option(names = "--records", required = true)
  long records;

  @Option(names = "--value-size", required = true)
  int valueSize;

  @Option(names = "--cache-size", required = true)
  long cacheSize;

  @Option(names = "--threads", required = true)
  int threads;

  @Option(names = "--duration-ms")
  long durationMillis;

  @Option(names = "--operations")
  long operations;

  @Option(names = "--warmup-ms", required = true)
  long warmupMillis;

  @Option(names = "--seed", required = true)
  long seed;

  @Option(names = "--table", required = true)
  String table = "";

  @Option(names = "--prefix", required = true)
  String prefix = "";

  @Option(names = "--hazelcast-cluster", required = true)
  String hazelcastName = "";

  @Option(names = "--hazelcast-port", required = true)
  int hazelcastPort;

  BenchNodeCommand() {}

  @Override
  public Integer call() {
    // the parent says what matters; each node would repeat the pool's and the clients' warnings
    for (String logger : List.of("dev.tandem.jdbc", "io.lettuce")) {
      System.setProperty("org.slf4j.simpleLogger.log." + logger, "error");
    }
    String url = Objects.requireNonNull(System.getenv(JDBC_URL_VARIABLE), JDBC_URL_VARIABLE);
    String redisUri = System.getenv(REDIS_URI_VARIABLE);
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    RunPlan plan =
        new RunPlan(
            workload,
            distribution,
            records,
            valueSize,
            cacheSize,
            threads,
            durationMillis > 0 ? Duration.ofMillis(durationMillis) : null,
            operations,
            Duration.ofMillis(warmupMillis),
            seed + 7_919L * node);
    try (BenchDatabase database =
            BenchDatabase.open(
                DatabaseKind.POSTGRES,
                url,
                System.getenv(JDBC_USER_VARIABLE),
                System.getenv(JDBC_PASSWORD_VARIABLE),
                BenchDatabase.Fsync.ON,
                threads + 4,
                System.err::println);
        BenchRedis redis = redisUri == null ? null : BenchRedis.attach(redisUri, prefix)) {
      BenchTable benchTable = new BenchTable(database.dataSource(), table, database.postgres());
      TargetSetup setup =
          new TargetSetup(
              benchTable,
              cacheSize,
              tier,
              redis,
              prefix,
              node,
              new HazelcastCluster(hazelcastName, hazelcastPort, nodes));
      try (BenchTarget target = system.open(setup)) {
        out.println("ready");
        expect(in, "go");
        Progress silent =
            new Progress(new PrintWriter(Writer.nullWriter()), Terminal.detect(true), false);
        BenchRun run =
            new BenchRun(
                plan, system, system.description(tier), ZipfianGenerator.of(records), silent, null);
        run.run(target);
        BenchRun.Measured measured = run.measured();
        for (Operation op : workload.operations()) {
          out.println(
              "hist "
                  + op.name()
                  + " "
                  + encode(Objects.requireNonNull(measured.totals()[op.ordinal()])));
        }
        BenchTarget.CacheCounts counts = measured.counts();
        if (counts != null) {
          out.println("counts " + counts.hits() + " " + counts.misses());
        }
        out.println("done " + measured.seconds());
        expect(in, "close");
      }
    }
    return ExitCode.OK;
  }

  /** Returns {@code h} in HdrHistogram's compressed form, Base64. */
  static String encode(Histogram h) {
    ByteBuffer buffer = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
    int length = h.encodeIntoCompressedByteBuffer(buffer);
    return Base64.getEncoder().encodeToString(Arrays.copyOf(buffer.array(), length));
  }

  /** Returns the histogram of {@link #encode}'s text. */
  static Histogram decode(String text) {
    try {
      return Histogram.decodeFromCompressedByteBuffer(
          ByteBuffer.wrap(Base64.getDecoder().decode(text)), 0);
    } catch (DataFormatException e) {
      throw new IllegalStateException(
          "a node sent a histogram that does not decode: " + e.getMessage(), e);
    }
  }

  private static void expect(BufferedReader in, String word) {
    try {
      @Nullable String line = in.readLine();
      if (!word.equals(line)) {
        throw new IllegalStateException(
            "expected '" + word + "' from the parent process but got " + line);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("the parent process is gone", e);
    }
  }
}
