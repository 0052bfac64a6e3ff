package dev.tandem.testkit.check;

import static dev.tandem.testkit.check.Scenario.scenario;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.testkit.history.Action;
import dev.tandem.testkit.history.EventType;
import dev.tandem.testkit.history.History;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Outside writes checked against their bound: seen late within it is fine, beyond it is stale. */
class OutsideWritesTest {

  private static final Duration BOUND = Duration.ofNanos(100);
  private final LinearizabilityChecker checker = LinearizabilityChecker.builder().build();

  private static Scenario outsideWrite(Scenario s, String key, long value, long start, long end) {
    return s.any(9, Action.OUTSIDE_WRITE, key, null, value, EventType.OK, start, end);
  }

  @Test
  void anOutsideWriteSeenLateButWithinTheBoundIsLinearizable() {
    History h =
        outsideWrite(scenario().write(0, "x", 1, 0, 10), "x", 2, 20, 30)
            .read(
                1, "x", 1L, 40, 50) // the old value 10 ns after the outside write: within the bound
            .read(1, "x", 2L, 200, 210)
            .history();
    assertThat(checker.check(OutsideWrites.withinBound(h, BOUND)).linearizable()).isTrue();
    OutsideWrites.Staleness s = OutsideWrites.staleness(h, BOUND);
    assertThat(s.reads()).isEqualTo(2);
    assertThat(s.stale()).isEqualTo(1);
    assertThat(s.staleBeyondBound()).isZero();
    assertThat(s.maxLag()).isEqualTo(Duration.ofNanos(10));
  }

  @Test
  void anOutsideWriteMissedBeyondTheBoundIsNotLinearizable() {
    History h =
        outsideWrite(scenario().write(0, "x", 1, 0, 10), "x", 2, 20, 30)
            .read(1, "x", 1L, 300, 310)
            .history();
    assertThat(checker.check(OutsideWrites.withinBound(h, BOUND)).linearizable()).isFalse();
    assertThat(OutsideWrites.staleness(h, BOUND).staleBeyondBound()).isEqualTo(1);
  }

  @Test
  void anOutsideDeleteIsADeleteWithinTheBound() {
    History h =
        scenario()
            .write(0, "x", 1, 0, 10)
            .any(9, Action.OUTSIDE_DELETE, "x", null, null, EventType.OK, 20, 30)
            .read(1, "x", null, 200, 210)
            .history();
    assertThat(checker.check(OutsideWrites.withinBound(h, BOUND)).linearizable()).isTrue();
    assertThat(OutsideWrites.staleness(h, BOUND).stale()).isZero();
  }

  @Test
  void ownOperationsLeaveOutReadsThatOnlyOutsideWritesExplain() {
    History h =
        outsideWrite(scenario().write(0, "x", 1, 0, 10), "x", 2, 20, 30)
            .read(1, "x", 2L, 40, 50) // the outside value: judged by staleness, not here
            .read(2, "x", 1L, 60, 70) // the old value again within the bound: allowed
            .cas(0, "x", 2L, 3, 80, 90) // an update that found the outside value: a write of 3
            .read(1, "x", 3L, 100, 110)
            .any(9, Action.OUTSIDE_DELETE, "x", null, null, EventType.OK, 120, 130)
            .read(2, "x", null, 140, 150)
            .history();
    History own = OutsideWrites.ownOperations(h);
    assertThat(own.operations())
        .extracting(op -> op.action())
        .doesNotContain(Action.OUTSIDE_WRITE, Action.OUTSIDE_DELETE);
    assertThat(own.size()).isEqualTo(4);
    assertThat(checker.check(own).linearizable()).isTrue();
  }

  @Test
  void ownOperationsStillCatchAReadOfAnOwnValueAfterItWasReplaced() {
    History h =
        outsideWrite(scenario().write(0, "x", 1, 0, 10).write(0, "x", 3, 20, 30), "x", 2, 40, 50)
            .read(1, "x", 1L, 60, 70)
            .history();
    assertThat(checker.check(OutsideWrites.ownOperations(h)).linearizable()).isFalse();
  }

  @Test
  void thePlainCheckRefusesOutsideWrites() {
    History h = outsideWrite(scenario(), "x", 2, 20, 30).history();
    assertThatThrownBy(() -> checker.check(h))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("OutsideWrites.withinBound");
  }
}
