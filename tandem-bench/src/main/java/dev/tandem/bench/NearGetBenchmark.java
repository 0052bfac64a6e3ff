package dev.tandem.bench;

import dev.tandem.bench.impl.CaffeineOverRedis;
import dev.tandem.bench.impl.NearReadCache;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Near-cache hits against a bare Caffeine {@code getIfPresent}, same keys, same run: {@code near}
 * reads the near tier itself ({@code getValueIfLocal}, the L1 hit, which {@code Tandem.get} calls
 * first), {@code tandem-near} reads through {@code Tandem.get} over the near tier. The near tier's
 * Redis is a private redis-server on loopback that the trial starts (installed {@code redis-server}
 * required); hits never reach it. {@code caffeine-near-jvm} reads a bare Caffeine cache filled
 * beside a near tier in the same JVM: the baseline with the near tier's JVM environment (its
 * threads, JIT profiles and heap) but not its code. {@code caffeine-over-redis} reads a bare
 * Caffeine cache filled from Redis through Lettuce in a JVM of its own: the near cache a user would
 * write by hand ({@link CaffeineOverRedis}); {@code caffeine-over-redis-read-through} fills the
 * same cache through its read path (look up, miss, GET, put), as a near cache is filled in use, so
 * that its lookup has a history of misses when the JIT compiles it, as the near tier's has. {@code
 * caffeine-read-through} is the bare Caffeine cache filled the same way without Redis (invalidate,
 * look up, miss, put): one miss per fill before the hits, as the near tier's fill has (a write,
 * then a read that misses L1 once). Goal: the near-cache hit at least 0.8x Caffeine's throughput.
 *
 * <pre>java -jar tandem-bench/target/benchmarks.jar NearGetBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@Threads(2)
public class NearGetBenchmark {
  private static final int SIZE = 1 << 14;
  private static final int MASK = SIZE - 1;

  /** How many distinct keys the cache holds; the reads cycle through 16,384 slots over them. */
  @Param({"16384"})
  public int keyCount = SIZE;

  @Param({
    "caffeine",
    "caffeine-read-through",
    "caffeine-over-redis",
    "caffeine-over-redis-read-through",
    "caffeine-near-jvm",
    "near",
    "tandem-near"
  })
  public String cache = "near";

  private @Nullable ReadCache readCache;
  private final Long[] keys = new Long[SIZE];

  /** Per-thread position in the key sequence. */
  @State(Scope.Thread)
  public static class Cursor {
    int index = new SplittableRandom().nextInt(SIZE);
  }

  @Setup(Level.Trial)
  public void fill() {
    ReadCache filled =
        switch (cache) {
          case "near" -> NearReadCache.start(2 * keyCount, NearReadCache.Read.TIER);
          case "tandem-near" -> NearReadCache.start(2 * keyCount, NearReadCache.Read.TANDEM);
          case "caffeine-near-jvm" ->
              NearReadCache.start(2 * keyCount, NearReadCache.Read.CAFFEINE_BESIDE);
          case "caffeine-over-redis" -> new CaffeineOverRedis(2 * keyCount);
          case "caffeine-over-redis-read-through" -> new CaffeineOverRedis(2 * keyCount, true);
          default -> ReadCache.named(cache, 2 * keyCount);
        };
    readCache = filled;
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < SIZE; i++) {
      keys[i] = i < keyCount ? random.nextLong(4L * keyCount) : keys[random.nextInt(keyCount)];
    }
    for (Long key : FillOrder.shuffled(keys, random)) { // not in read order: see FillOrder
      filled.put(key, "value-" + key);
    }
    for (Long key : keys) {
      if (filled.get(key) == null) {
        throw new IllegalStateException(
            cache + " does not find key " + key + ": the benchmark would measure misses");
      }
    }
    long distinct = java.util.Arrays.stream(keys).distinct().count();
    if (filled instanceof NearReadCache near && near.localCopies() < distinct * 9 / 10) {
      throw new IllegalStateException(
          "the near tier's L1 holds only "
              + near.localCopies()
              + " of "
              + distinct
              + " keys: the benchmark would measure Redis reads");
    }
    System.gc();
  }

  @TearDown(Level.Trial)
  public void stop() throws Exception {
    if (readCache instanceof AutoCloseable closeable) {
      closeable.close();
    }
  }

  @Benchmark
  public @Nullable String hit(Cursor cursor) {
    return java.util.Objects.requireNonNull(readCache).get(keys[cursor.index++ & MASK]);
  }
}
