package dev.tandem.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LatencyFormatTest {

  @Test
  void usesTheUnitThatFitsWithThreeSignificantDigits() {
    assertThat(LatencyFormat.format(850, "µs")).isEqualTo("850 ns");
    assertThat(LatencyFormat.format(3_254, "µs")).isEqualTo("3.25 µs");
    assertThat(LatencyFormat.format(42_149, "us")).isEqualTo("42.1 us");
    assertThat(LatencyFormat.format(412_400, "µs")).isEqualTo("412 µs");
    assertThat(LatencyFormat.format(999_700, "µs")).isEqualTo("1.00 ms");
    assertThat(LatencyFormat.format(1_404_000, "µs")).isEqualTo("1.40 ms");
    assertThat(LatencyFormat.format(2_050_000_000L, "µs")).isEqualTo("2.05 s");
  }

  @Test
  void speedUpIsTheRatioOfTheLatencies() {
    assertThat(LatencyFormat.speedUp(412_000, 3_100)).isEqualTo("133x");
    assertThat(LatencyFormat.speedUp(9_886_000, 687_000)).isEqualTo("14.4x");
    assertThat(LatencyFormat.speedUp(1_000, 1_000)).isEqualTo("1.00x");
    assertThat(LatencyFormat.speedUp(5_000_000, 2_000)).isEqualTo("2,500x");
  }

  @Test
  void rejectsANegativeLatency() {
    assertThatThrownBy(() -> LatencyFormat.format(-1, "µs"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
