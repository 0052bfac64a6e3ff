package dev.tandem.bench;

import dev.tandem.bench.impl.BenchDatabase;
import dev.tandem.bench.impl.PutTarget;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A single writer's put latency: {@code Tandem.put} over a {@code JdbcStore} against a raw JDBC
 * upsert with commit, on PostgreSQL (a private server started for the trial) and in-memory H2, each
 * system through a HikariCP pool with the same settings and on a fresh table per trial. Writes
 * rotate over 10,000 keys. Goal (issue 2): Tandem at most 1.15x the latency of {@code raw-jdbc}.
 * {@code raw-jdbc-tx} runs the same upsert in an explicit transaction, which costs PostgreSQL the
 * round trip of a separate COMMIT, as Tandem's put does by default; {@code tandem-autocommit} turns
 * on {@code JdbcStore.Builder.autoCommitSingleWrites}, which saves that round trip.
 *
 * <pre>java -jar tandem-bench/target/benchmarks.jar PutBenchmark -jvm build/unprivileged/bin/java
 * </pre>
 *
 * The PostgreSQL server runs with fsync on, each commit waiting for the disk; {@code -p fsync=off}
 * turns it off (the {@code fsync} column of the results says which).
 *
 * <p>(PostgreSQL refuses to run as root; {@code build/unprivileged/bin/java} starts the forked JVM
 * as an unprivileged user when needed.)
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(1)
public class PutBenchmark {
  private static final int KEYS = 10_000;
  private static final int VALUES = 64;

  @Param({"h2", "postgres"})
  public String database = "h2";

  @Param({"raw-jdbc", "raw-jdbc-tx", "tandem", "tandem-autocommit"})
  public String system = "tandem";

  /** fsync of the PostgreSQL server: on (as production runs) or off ({@code -p fsync=off}). */
  @Param({"on"})
  public String fsync = "on";

  private final String[] keys = new String[KEYS];
  private final String[] values = new String[VALUES];
  private @Nullable BenchDatabase db;
  private @Nullable PutTarget target;
  private int next;

  @Setup(Level.Trial)
  public void start() {
    for (int i = 0; i < KEYS; i++) {
      keys[i] = "key-" + i;
    }
    for (int i = 0; i < VALUES; i++) {
      values[i] = "value-" + i + "-" + "x".repeat(32);
    }
    db = BenchDatabase.start(database, fsync);
    target = PutTarget.named(system, db);
  }

  @TearDown(Level.Trial)
  public void stop() {
    try {
      if (target != null) {
        target.close();
      }
    } finally {
      if (db != null) {
        db.close();
      }
    }
  }

  @Benchmark
  public void put() {
    int i = next++;
    java.util.Objects.requireNonNull(target).put(keys[i % KEYS], values[i % VALUES]);
  }
}
