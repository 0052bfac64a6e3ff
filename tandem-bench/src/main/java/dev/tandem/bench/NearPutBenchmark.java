package dev.tandem.bench;

import dev.tandem.bench.impl.TandemOverRedis;
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
 * A single writer's put latency over the shared tier ({@code redis}) and over a near tier in front
 * of it ({@code near}), with a store that costs nothing, so that what is measured is the cache
 * tier's share of a write: its Redis round trips. The Redis tier fences the key before the write
 * and records it after; the near tier adds what it needs to tell the other nodes. Writes rotate
 * over 10,000 keys; a private redis-server on loopback per trial.
 *
 * <pre>java -jar tandem-bench/target/benchmarks.jar NearPutBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(1)
public class NearPutBenchmark {
  private static final int KEYS = 10_000;

  @Param({"redis", "near"})
  public String tier = "near";

  private final Long[] keys = new Long[KEYS];
  private @Nullable TandemOverRedis target;
  private int next;

  @Setup(Level.Trial)
  public void start() {
    for (int i = 0; i < KEYS; i++) {
      keys[i] = (long) i;
    }
    target =
        switch (tier) {
          case "redis" -> TandemOverRedis.redis("put-bench:");
          case "near" -> TandemOverRedis.near("put-bench:", 100_000);
          default -> throw new IllegalArgumentException("unknown tier " + tier);
        };
  }

  @TearDown(Level.Trial)
  public void stop() {
    if (target != null) {
      target.close();
    }
  }

  @Benchmark
  public void put() {
    int i = next++;
    java.util.Objects.requireNonNull(target).tandem().put(keys[i % KEYS], "value");
  }
}
