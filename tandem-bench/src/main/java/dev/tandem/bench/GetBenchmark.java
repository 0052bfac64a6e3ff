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
 * 0.85x Caffeine's throughput at 1,024, 16,384 and 1,048,576 keys.
 *
 * <pre>
 * java -jar tandem-bench/target/benchmarks.jar '\.GetBenchmark\.' -f 3 -p cache=caffeine,tandem \
 *     -p keyCount=1024,16384,1048576</pre>
 *
 * <p>(The pattern is a regular expression; plain {@code GetBenchmark} also selects {@code
 * NearGetBenchmark} and {@code RedisGetBenchmark}.)
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(2)
public class GetBenchmark {
  private static final int MIN_SLOTS = 1 << 14;

  /**
   * How many keys the cache holds (drawn at random, so a few may repeat); the reads cycle through
   * 16,384 slots over them, or through one slot per key when there are more.
   */
  @Param({"16384"})
  public int keyCount = MIN_SLOTS;

  @Param({"caffeine", "tandem", "tandem-stats"})
  public String cache = "tandem";

  private ReadCache readCache = ReadCache.named("caffeine", 1);
  private Long[] keys = new Long[0];
  private int mask;

  /** Per-thread position in the key sequence (taken modulo the slot count). */
  @State(Scope.Thread)
  public static class Cursor {
    int index = new SplittableRandom().nextInt();
  }

  @Setup(Level.Trial)
  public void fill() {
    readCache = ReadCache.named(cache, 2 * keyCount);
    int slots = Math.max(MIN_SLOTS, Integer.highestOneBit(keyCount - 1) << 1);
    keys = new Long[slots];
    mask = slots - 1;
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < slots; i++) {
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
    return readCache.get(keys[cursor.index++ & mask]);
  }
}
