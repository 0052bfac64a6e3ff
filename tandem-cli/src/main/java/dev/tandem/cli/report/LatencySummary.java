package dev.tandem.cli.report;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * Latency percentiles of one operation, or of all operations of a system, in microseconds, with the
 * curve that the report's charts draw.
 *
 * @param count how many latencies were recorded
 * @param p50 the median
 * @param p90 the 90th percentile
 * @param p99 the 99th percentile
 * @param p999 the 99.9th percentile
 * @param max the maximum
 * @param mean the mean
 * @param curve points from the 0th percentile to the maximum, spaced evenly in "nines" (90%, 99%,
 *     99.9%, ...) as far as the number of samples supports, ending with the maximum at 100
 */
public record LatencySummary(
    long count,
    double p50,
    double p90,
    double p99,
    double p999,
    double max,
    double mean,
    List<PercentilePoint> curve) {

  /** Points per decade of "nines" on the curve. */
  private static final int POINTS_PER_NINE = 4;

  /** The curve stops at 99.9999%. */
  private static final int MAX_NINES = 6;

  /** Creates the summary; the curve is copied. */
  public LatencySummary {
    curve = List.copyOf(requireNonNull(curve, "curve"));
  }

  /** Returns the summary of no latencies at all: every value 0, no curve. */
  public static LatencySummary empty() {
    return new LatencySummary(0, 0, 0, 0, 0, 0, 0, List.of());
  }

  /** Returns the summary of a histogram of latencies recorded in nanoseconds. */
  public static LatencySummary ofNanos(Histogram nanos) {
    requireNonNull(nanos, "nanos");
    long count = nanos.getTotalCount();
    if (count == 0) {
      return empty();
    }
    List<PercentilePoint> curve = new ArrayList<>();
    for (int i = 0; i <= MAX_NINES * POINTS_PER_NINE; i++) {
      double tail =
          Math.pow(10, -(double) i / POINTS_PER_NINE); // the fraction of samples above the point
      if (tail * count < 1 - 1e-9) {
        break; // fewer samples than the percentile needs
      }
      double percentile = 100 * (1 - tail);
      curve.add(new PercentilePoint(percentile, micros(nanos.getValueAtPercentile(percentile))));
    }
    curve.add(new PercentilePoint(100, micros(nanos.getMaxValue())));
    return new LatencySummary(
        count,
        micros(nanos.getValueAtPercentile(50)),
        micros(nanos.getValueAtPercentile(90)),
        micros(nanos.getValueAtPercentile(99)),
        micros(nanos.getValueAtPercentile(99.9)),
        micros(nanos.getMaxValue()),
        nanos.getMean() / 1_000,
        curve);
  }

  private static double micros(long nanos) {
    return nanos / 1_000.0;
  }
}
