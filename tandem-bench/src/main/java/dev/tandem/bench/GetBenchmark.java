package dev.tandem.bench;

import dev.tandem.bench.impl.ReadCache;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cache hits: Tandem's local tier ({@code get}) against a bare Caffeine {@code getIfPresent}, same
 * keys, same run; {@code tandem-stats} counts hits ({@code recordStats()}). Goal: Tandem at least
 * 0.8x Caffeine's throughput.
 *
 * <pre>java -jar tandem-bench/target/benchmarks.jar GetBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(2)
public class GetBenchmark {
  private static final int SIZE = 1 << 14;
  private static final int MASK = SIZE - 1;

  /** How many distinct keys the cache holds; the reads cycle through 16,384 slots over them. */
  @Param({"16384"})
  public int keyCount = SIZE;

  @Param({"caffeine", "tandem", "tandem-stats"})
  public String cache = "tandem";

  private ReadCache readCache = ReadCache.named("caffeine", 1);
  private final Long[] keys = new Long[SIZE];

  /** Per-thread position in the key sequence. */
  @State(Scope.Thread)
  public static class Cursor {
    int index = new SplittableRandom().nextInt(SIZE);
  }

  @Setup(Level.Trial)
  public void fill() {
    readCache = ReadCache.named(cache, 2 * keyCount);
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < SIZE; i++) {
      keys[i] = i < keyCount ? random.nextLong(4L * keyCount) : keys[random.nextInt(keyCount)];
    }
    for (Long key : FillOrder.shuffled(keys, random)) { // not in read order: see FillOrder
      readCache.put(key, "value-" + key);
    }
    // Every system's setup leaves different garbage between its entries; a full collection removes
    // it before the measurement (it keeps the order in which the live entries were allocated).
    System.gc();
  }

  @Benchmark
  public @Nullable String hit(Cursor cursor) {
    return readCache.get(keys[cursor.index++ & MASK]);
  }
}
