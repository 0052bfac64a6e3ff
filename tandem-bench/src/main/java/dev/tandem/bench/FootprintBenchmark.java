package dev.tandem.bench;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tandem.local.LocalTier;
import dev.tandem.spi.Cached;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.openjdk.jol.info.GraphLayout;
import org.openjdk.jol.vm.VM;

/**
 * Bytes per cached entry: Tandem's local tier against a bare Caffeine cache holding the same keys
 * and values (the same objects), both bounded at twice the entry count, as {@link GetBenchmark}
 * builds them. JOL walks each cache's object graph and adds up the shallow sizes of everything
 * reachable from it; keys and values are counted in both (the "own" column leaves them out). Goal:
 * the local tier at most 1.5x Caffeine's bytes per entry. A measurement of memory, not time, so it
 * is a plain program, not a JMH benchmark:
 *
 * <pre>java -cp tandem-bench/target/benchmarks.jar dev.tandem.bench.FootprintBenchmark [entries...]
 * </pre>
 *
 * <p>Default entry counts: 1,024, 16,384 and 1,048,576.
 */
public final class FootprintBenchmark {
  private FootprintBenchmark() {}

  /**
   * Prints one line per entry count: bytes per entry of each cache, with and without its keys and
   * values, and the ratios.
   *
   * @param args entry counts (positive integers); none for the defaults
   * @throws NumberFormatException if an argument is not an integer
   */
  public static void main(String[] args) {
    // Caffeine holds lambdas (hidden classes), whose field offsets Unsafe refuses; JOL then asks
    // the VM another way. Read when JOL starts, so before its first use.
    System.setProperty("jol.magicFieldOffset", "true");
    List<Integer> counts = new ArrayList<>();
    for (String arg : args) {
      counts.add(Integer.parseInt(arg));
    }
    if (counts.isEmpty()) {
      counts = List.of(1 << 10, 1 << 14, 1 << 20);
    }
    System.out.printf(
        Locale.ROOT,
        "%10s %14s %14s %7s %14s %14s %7s%n",
        "entries",
        "caffeine B/e",
        "local B/e",
        "ratio",
        "caffeine own",
        "local own",
        "ratio");
    for (int entries : counts) {
      measure(entries);
    }
  }

  private static void measure(int entries) {
    Long[] keys = new Long[entries];
    String[] values = new String[entries];
    for (int i = 0; i < entries; i++) {
      keys[i] = 1_000_000_000L + i; // outside the Long cache: one object per key, as in use
      values[i] = "value-" + keys[i];
    }
    Cache<Long, String> caffeine =
        Caffeine.newBuilder().maximumSize(2L * entries).executor(Runnable::run).build();
    LocalTier<Long, String> local =
        LocalTier.<Long, String>builder().maximumSize(2L * entries).executor(Runnable::run).build();
    for (int i = 0; i < entries; i++) {
      caffeine.put(keys[i], values[i]);
      local.applyCommitted(
          keys[i], Cached.present(values[i], i + 1)); // what a committed put publishes
    }
    caffeine.cleanUp();
    local.estimatedSize();
    if (caffeine.estimatedSize() != entries || local.estimatedSize() != entries) {
      throw new IllegalStateException(
          "expected "
              + entries
              + " entries but Caffeine holds "
              + caffeine.estimatedSize()
              + " and the local tier "
              + local.estimatedSize());
    }
    Object[] keysAndValues = new Object[2 * entries];
    System.arraycopy(keys, 0, keysAndValues, 0, entries);
    System.arraycopy(values, 0, keysAndValues, entries, entries);
    long data =
        GraphLayout.parseInstance((Object) keysAndValues).totalSize()
            - VM.current().sizeOf(keysAndValues);
    long caffeineBytes = GraphLayout.parseInstance(caffeine).totalSize();
    long localBytes = GraphLayout.parseInstance(local).totalSize();
    double perCaffeine = (double) caffeineBytes / entries;
    double perLocal = (double) localBytes / entries;
    double ownCaffeine = (double) (caffeineBytes - data) / entries;
    double ownLocal = (double) (localBytes - data) / entries;
    System.out.printf(
        Locale.ROOT,
        "%,10d %14.1f %14.1f %6.2fx %14.1f %14.1f %6.2fx%n",
        entries,
        perCaffeine,
        perLocal,
        perLocal / perCaffeine,
        ownCaffeine,
        ownLocal,
        ownLocal / ownCaffeine);
  }
}
