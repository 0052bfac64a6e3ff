package dev.tandem.bench;

import dev.tandem.bench.impl.NearReadCache;
import dev.tandem.bench.impl.ReadCache;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Cache hits of several systems measured in interleaved rounds: one thread reads each system for
 * 100 ms in turn, 40 rounds, and the median throughput of the last 30 rounds is reported with its
 * ratio to Caffeine's. On a shared, loaded machine, load swings between JMH forks can exceed the
 * differences measured; interleaved rounds expose every system to the same load. A companion of
 * {@link NearGetBenchmark} and {@link GetBenchmark}, not a replacement: JMH guards against the JIT
 * pitfalls this loop does not (here all systems share one JVM and its profiles).
 *
 * <pre>java -cp tandem-bench/target/benchmarks.jar dev.tandem.bench.InterleavedHits</pre>
 */
public final class InterleavedHits {
  private static final int SIZE = 1 << 14;
  private static final int ROUNDS = 40;
  private static final int WARM_ROUNDS = 10;
  private static final long ROUND_NANOS = 100_000_000L;

  private InterleavedHits() {}

  /** Runs the rounds and prints one line per system. */
  public static void main(String[] args) throws Exception {
    Long[] keys = new Long[SIZE];
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < SIZE; i++) {
      keys[i] = random.nextLong(4L * SIZE);
    }
    List<String> names = List.of("caffeine", "near", "tandem-near", "tandem-local");
    List<ReadCache> caches = new ArrayList<>();
    caches.add(ReadCache.named("caffeine", 2 * SIZE));
    caches.add(NearReadCache.start(2 * SIZE, NearReadCache.Read.TIER));
    caches.add(NearReadCache.start(2 * SIZE, NearReadCache.Read.TANDEM));
    caches.add(ReadCache.named("tandem", 2 * SIZE));
    for (ReadCache cache : caches) {
      for (Long key : keys) {
        cache.put(key, "value-" + key);
      }
    }
    double[][] throughput = new double[caches.size()][ROUNDS];
    long found = 0;
    for (int round = 0; round < ROUNDS; round++) {
      for (int s = 0; s < caches.size(); s++) {
        ReadCache cache = caches.get(s);
        long reads = 0;
        int index = round * 7;
        long start = System.nanoTime();
        long end = start + ROUND_NANOS;
        while (System.nanoTime() < end) {
          for (int i = 0; i < 1000; i++) {
            if (cache.get(keys[index++ & (SIZE - 1)]) != null) {
              found++;
            }
          }
          reads += 1000;
        }
        throughput[s][round] = reads / ((System.nanoTime() - start) / 1e3);
      }
    }
    double baseline = median(throughput[0]);
    for (int s = 0; s < caches.size(); s++) {
      double m = median(throughput[s]);
      System.out.printf(
          "%-13s median %6.1f ops/us   %.2fx caffeine%n", names.get(s), m, m / baseline);
    }
    System.out.println("(" + found + " hits)");
    for (ReadCache cache : caches) {
      if (cache instanceof AutoCloseable closeable) {
        closeable.close();
      }
    }
  }

  private static double median(double[] rounds) {
    double[] measured = Arrays.copyOfRange(rounds, WARM_ROUNDS, rounds.length);
    Arrays.sort(measured);
    return measured[measured.length / 2];
  }
}
