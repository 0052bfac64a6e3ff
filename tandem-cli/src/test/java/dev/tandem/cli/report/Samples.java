package dev.tandem.cli.report;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.HdrHistogram.Histogram;

/** Made-up results for the report tests. */
final class Samples {

  private Samples() {}

  /** A histogram of latencies (ns) from {@code low} to {@code high}, evenly spread. */
  static Histogram histogram(long low, long high, int count) {
    Histogram h = new Histogram(3);
    for (int i = 0; i < count; i++) {
      h.recordValue(low + (high - low) * i / Math.max(1, count - 1));
    }
    return h;
  }

  static SystemResult system(
      String name, double opsPerSec, Double hitRatio, long readLow, long readHigh) {
    LatencySummary read = LatencySummary.ofNanos(histogram(readLow, readHigh, 1_000));
    LatencySummary update = LatencySummary.ofNanos(histogram(200_000, 5_000_000, 1_000));
    Histogram all = histogram(readLow, readHigh, 1_000);
    all.add(histogram(200_000, 5_000_000, 1_000));
    return new SystemResult(
        name,
        "the " + name + " <system> & co",
        10,
        (long) (opsPerSec * 10),
        opsPerSec,
        LatencySummary.ofNanos(all),
        hitRatio,
        List.of(
            new OperationResult("read", opsPerSec / 2, read),
            new OperationResult("update", opsPerSec / 2, update)));
  }

  /**
   * The results of {@link #results()} with Tandem's run on two nodes of 20,000 and 10,000 ops/s.
   */
  static BenchResults withNodes() {
    BenchResults one = results();
    List<SystemResult> results = new java.util.ArrayList<>(one.results());
    results.set(
        0,
        results
            .get(0)
            .withNodes(
                List.of(
                    system("tandem node 0", 20_000, 0.96, 300, 20_000),
                    system("tandem node 1", 10_000, 0.94, 300, 40_000))));
    return new BenchResults(one.settings(), one.environment(), one.baseline(), results);
  }

  static BenchResults results() {
    RunSettings settings =
        new RunSettings(
            "tandem bench --compare direct,naive <script>",
            "A",
            "50% reads, 50% updates",
            "zipfian",
            10_000,
            100,
            20_000,
            8,
            Duration.ofSeconds(10),
            0,
            Duration.ofSeconds(2),
            42);
    Environment environment =
        new Environment(
            "0.1.0-TEST",
            Instant.parse("2026-01-02T03:04:05Z"),
            2,
            8L << 30,
            4L << 30,
            "21.0.5 (Test)",
            "Linux test amd64",
            "H2 2.3.232",
            "embedded, in memory",
            "n/a",
            "n/a");
    return new BenchResults(
        settings,
        environment,
        "direct",
        List.of(
            system("tandem", 30_000, 0.95, 300, 20_000),
            system("direct", 10_000, null, 50_000, 900_000),
            system("naive", 25_000, 0.9, 400, 30_000)));
  }
}
