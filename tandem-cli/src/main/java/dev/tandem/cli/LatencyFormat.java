package dev.tandem.cli;

import java.util.Locale;

/** Formats latencies and ratios with three significant digits in a unit that suits them. */
public final class LatencyFormat {

  private LatencyFormat() {}

  /**
   * Returns {@code nanos} as nanoseconds, microseconds, milliseconds or seconds with three
   * significant digits: "850 ns", "3.25 µs", "42.1 µs", "1.40 ms", "2.05 s".
   *
   * @param micros the symbol for microseconds ("µs", or "us" where µ cannot be printed)
   * @throws IllegalArgumentException if nanos is negative
   */
  public static String format(long nanos, String micros) {
    if (nanos < 0) {
      throw new IllegalArgumentException("latency must not be negative but was " + nanos);
    }
    if (nanos < 1_000) {
      return nanos + " ns";
    }
    if (nanos < 999_500) {
      return threeDigits(nanos / 1e3) + " " + micros;
    }
    if (nanos < 999_500_000) {
      return threeDigits(nanos / 1e6) + " ms";
    }
    return threeDigits(nanos / 1e9) + " s";
  }

  /**
   * Returns how many times faster {@code fastNanos} is than {@code slowNanos}, for example "48x".
   */
  public static String speedUp(long slowNanos, long fastNanos) {
    double ratio = (double) slowNanos / Math.max(1, fastNanos);
    return (ratio >= 100 ? String.format(Locale.ROOT, "%,.0f", ratio) : threeDigits(ratio)) + "x";
  }

  private static String threeDigits(double value) {
    if (value >= 99.95) {
      return String.format(Locale.ROOT, "%.0f", value);
    }
    if (value >= 9.995) {
      return String.format(Locale.ROOT, "%.1f", value);
    }
    return String.format(Locale.ROOT, "%.2f", value);
  }
}
