package dev.tandem.jdbc;

import java.time.Duration;
import java.util.Arrays;

/**
 * The commit-to-invalidation times a {@link ChangeListener} measured: the last 65,536 in a ring
 * (for the percentiles), the count and the maximum since the listener was built. Recorded on the
 * stream thread, read from any; one lock, taken once per transaction and per snapshot.
 */
final class CommitLags {

  private static final int SAMPLES = 1 << 16;

  private final long[] micros = new long[SAMPLES];
  private long count;
  private long max;

  /** Records one transaction's commit-to-invalidation time, in microseconds. */
  synchronized void record(long lagMicros) {
    micros[(int) (count++ & (SAMPLES - 1))] = lagMicros;
    max = Math.max(max, lagMicros);
  }

  /** Returns the figures so far. */
  ChangeListener.CommitLag snapshot() {
    long[] samples;
    long n;
    long worst;
    synchronized (this) {
      n = count;
      worst = max;
      samples = Arrays.copyOf(micros, (int) Math.min(n, SAMPLES));
    }
    Arrays.sort(samples);
    return new ChangeListener.CommitLag(
        n, percentile(samples, 0.50), percentile(samples, 0.99), Duration.ofNanos(worst * 1000));
  }

  private static Duration percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Duration.ZERO;
    }
    int index = (int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
    return Duration.ofNanos(sorted[Math.max(0, index)] * 1000);
  }
}
