package dev.tandem.cli.report;

/**
 * One point of a latency-percentile curve.
 *
 * @param percentile the percentile, from 0 to 100 (100 is the maximum)
 * @param micros the latency at that percentile, in microseconds
 */
public record PercentilePoint(double percentile, double micros) {

  /**
   * Creates the point.
   *
   * @throws IllegalArgumentException if the percentile is outside 0 to 100 or the latency negative
   */
  public PercentilePoint {
    if (!(percentile >= 0 && percentile <= 100)) {
      throw new IllegalArgumentException(
          "percentile must be between 0 and 100 but was " + percentile);
    }
    if (!(micros >= 0)) {
      throw new IllegalArgumentException("latency must not be negative but was " + micros);
    }
  }
}
