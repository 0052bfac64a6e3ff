package dev.tandem.bench;

import dev.tandem.bench.impl.RedisHit;
import dev.tandem.testkit.server.RedisServer;
import java.util.SplittableRandom;
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
 * Redis-tier hits: Tandem's {@code get} over the Redis tier against a raw Lettuce GET of the same
 * key and bytes, one thread, on a redis-server on loopback started by the benchmark (installed
 * {@code redis-server} required). Sample time gives the latency percentiles; goal: Tandem's p50 at
 * most 1.2x Lettuce's.
 *
 * <pre>java -jar tandem-bench/target/benchmarks.jar RedisGetBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
@Threads(1)
public class RedisGetBenchmark {
  private static final int KEYS = 1024;

  @Param({"lettuce", "tandem"})
  public String client = "tandem";

  /** Characters per value. */
  @Param({"100"})
  public int valueBytes = 100;

  private @Nullable RedisServer server;
  private @Nullable RedisHit hit;
  private final SplittableRandom random = new SplittableRandom(42);

  @Setup(Level.Trial)
  public void start() {
    server = RedisServer.start();
    hit = RedisHit.named(client, server.uri(), KEYS, valueBytes);
    for (int key = 0; key < KEYS; key++) {
      if (hit.get(key) == null) {
        throw new IllegalStateException(
            client + " does not find key " + key + ": the benchmark would measure misses");
      }
    }
  }

  @TearDown(Level.Trial)
  public void stop() {
    if (hit != null) {
      hit.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Benchmark
  public @Nullable Object get() {
    return java.util.Objects.requireNonNull(hit).get(random.nextInt(KEYS));
  }
}
