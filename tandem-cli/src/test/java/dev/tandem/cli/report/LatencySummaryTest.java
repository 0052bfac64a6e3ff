package dev.tandem.cli.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class LatencySummaryTest {

  @Test
  void convertsNanosecondsToMicrosecondsAtEachPercentile() {
    Histogram h = Samples.histogram(1_000, 1_000_000, 10_001); // 1 µs to 1 ms, evenly

    LatencySummary s = LatencySummary.ofNanos(h);

    assertThat(s.count()).isEqualTo(10_001);
    assertThat(s.p50()).isCloseTo(500.5, within(1.0));
    assertThat(s.p90()).isCloseTo(900.1, within(1.0));
    assertThat(s.p99()).isCloseTo(990.0, within(1.0));
    assertThat(s.max()).isCloseTo(1_000, within(1.0));
    assertThat(s.mean()).isCloseTo(500.5, within(1.0));
  }

  @Test
  void theCurveGoesAsFarInNinesAsTheSamplesAllowAndEndsWithTheMaximum() {
    LatencySummary thousand = LatencySummary.ofNanos(Samples.histogram(1_000, 2_000, 1_000));
    LatencySummary million = LatencySummary.ofNanos(Samples.histogram(1_000, 2_000, 1_000_000));

    assertThat(last(thousand).percentile()).isEqualTo(100);
    assertThat(thousand.curve().get(thousand.curve().size() - 2).percentile())
        .isCloseTo(99.9, within(1e-9));
    assertThat(million.curve().get(million.curve().size() - 2).percentile())
        .isCloseTo(99.9999, within(1e-9));
    assertThat(thousand.curve()).extracting(PercentilePoint::percentile).isSorted();
    assertThat(thousand.curve()).extracting(PercentilePoint::micros).isSorted();
  }

  @Test
  void anEmptyHistogramHasNoCurve() {
    assertThat(LatencySummary.ofNanos(new Histogram(3))).isEqualTo(LatencySummary.empty());
  }

  private static PercentilePoint last(LatencySummary s) {
    return s.curve().get(s.curve().size() - 1);
  }
}
