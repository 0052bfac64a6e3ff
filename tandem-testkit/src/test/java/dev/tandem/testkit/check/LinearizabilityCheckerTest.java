package dev.tandem.testkit.check;

import static dev.tandem.testkit.check.Scenario.scenario;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.testkit.history.EventType;
import dev.tandem.testkit.history.History;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Hand-written histories that are, and are not, linearizable. Times are abstract nanoseconds. */
class LinearizabilityCheckerTest {

  private final LinearizabilityChecker checker = LinearizabilityChecker.builder().build();

  private CheckResult check(Scenario s) {
    CheckResult result = checker.check(s.history());
    System.out.print(result.report());
    return result;
  }

  private KeyResult checkKey(Scenario s, String key) {
    return check(s).key(key).orElseThrow();
  }

  @Test
  void readOfAbsentKeyBeforeAnyWriteIsLinearizable() {
    CheckResult result = check(scenario().read(0, "x", null, 0, 5).write(0, "x", 1, 10, 20));
    assertThat(result.linearizable()).isTrue();
    assertThat(result.verdictLine(7))
        .isEqualTo("linearizable: yes ops=2 keys=1 stale=0 lost=0 seed=7");
  }

  @Test
  void sequentialWritesAndReadsOfTheLatestValueAreLinearizable() {
    CheckResult result =
        check(
            scenario()
                .write(0, "x", 1, 0, 10)
                .read(1, "x", 1L, 11, 20)
                .write(0, "x", 2, 21, 30)
                .read(1, "x", 2L, 31, 40)
                .delete(0, "x", 41, 50)
                .read(1, "x", null, 51, 60));
    assertThat(result.linearizable()).isTrue();
    assertThat(result.keyResults())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.verdict()).isEqualTo(Verdict.LINEARIZABLE);
              assertThat(r.explanation()).isEmpty();
              assertThat(r.counterexample()).isEmpty();
            });
  }

  @Test
  void staleReadAfterAnAcknowledgedOverwriteIsNotLinearizable() {
    KeyResult r =
        checkKey(
            scenario().write(0, "x", 1, 0, 10).write(0, "x", 2, 20, 30).read(1, "x", 1L, 40, 50),
            "x");
    assertThat(r.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(r.stale()).isEqualTo(1);
    assertThat(r.anomalies())
        .singleElement()
        .satisfies(
            a -> {
              assertThat(a.kind()).isEqualTo(Anomaly.Kind.STALE_READ);
              assertThat(a.operation().index()).isEqualTo(2);
              assertThat(a.evidence()).extracting(op -> op.index()).containsExactly(0, 1);
            });
    assertThat(r.counterexample())
        .hasValueSatisfying(
            c -> {
              assertThat(c.blocked().index()).isEqualTo(2);
              assertThat(c.window()).extracting(op -> op.index()).containsExactly(0, 1, 2);
              assertThat(c.toString()).contains("#2 p1 read x → 1 ok", "← cannot take effect");
            });
  }

  @Test
  void stalenessIsMeasuredFromTheReplacingWritesAcknowledgementToTheReadsStart() {
    CheckResult stale =
        check(
            scenario()
                .write(0, "x", 1, 0, 10)
                .write(0, "x", 2, 20, 30)
                .read(1, "x", 1L, 40, 50)
                .write(2, "y", 5, 0, 100)
                .read(3, "y", null, 107, 110));
    assertThat(stale.maxStaleness()).contains(java.time.Duration.ofNanos(10));
    assertThat(check(scenario().write(0, "x", 1, 0, 10).read(1, "x", 1L, 40, 50)).maxStaleness())
        .isEmpty();
  }

  @Test
  void readOfAnOldValueWhileItsOverwriteIsStillRunningIsLinearizable() {
    CheckResult result =
        check(
            scenario()
                .write(0, "x", 1, 0, 10)
                .write(0, "x", 2, 20, 100)
                .read(1, "x", 1L, 40, 50)
                .read(1, "x", 2L, 60, 70));
    assertThat(result.linearizable()).isTrue();
  }

  @Test
  void readOfTheOldValueAfterAnotherReadSawTheNewOneIsNotLinearizable() {
    // the overwrite is still running, so no single read is definitely stale: only the search sees
    // it
    KeyResult r =
        checkKey(
            scenario()
                .write(0, "x", 1, 0, 10)
                .write(0, "x", 2, 20, 100)
                .read(1, "x", 2L, 40, 50)
                .read(2, "x", 1L, 60, 70),
            "x");
    assertThat(r.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(r.anomalies()).isEmpty();
    assertThat(r.counterexample())
        .hasValueSatisfying(
            c -> {
              assertThat(c.blocked().index()).isEqualTo(3);
              assertThat(c.summary())
                  .contains("after 3 of 4 acknowledged operations the register held 2");
              assertThat(c.window()).extracting(op -> op.index()).containsExactly(3);
            });
  }

  @Test
  void lostUpdateFromTwoConcurrentCasOfTheSameOldValueIsNotLinearizable() {
    KeyResult r =
        checkKey(
            scenario()
                .write(0, "x", 1, 0, 10)
                .cas(1, "x", 1L, 2, 20, 40)
                .cas(2, "x", 1L, 3, 25, 45),
            "x");
    assertThat(r.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(r.anomalies()).isEmpty();
  }

  @Test
  void lostUpdateFromTwoSequentialCasOfTheSameOldValueIsAStaleRead() {
    KeyResult r =
        checkKey(
            scenario()
                .write(0, "x", 1, 0, 10)
                .cas(1, "x", 1L, 2, 20, 30)
                .cas(2, "x", 1L, 3, 40, 50),
            "x");
    assertThat(r.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(r.stale()).isEqualTo(1);
  }

  @Test
  void casChainsAreLinearizable() {
    CheckResult result =
        check(
            scenario()
                .write(0, "x", 1, 0, 10)
                .cas(1, "x", 1L, 2, 20, 40)
                .cas(2, "x", 2L, 3, 25, 45)
                .cas(0, "x", 1L, 4, 30, 50, EventType.FAIL)
                .read(0, "x", 3L, 60, 70));
    assertThat(result.linearizable()).isTrue();
  }

  @Test
  void casWithUnknownOldValueRequiresThePresentKey() {
    assertThat(check(scenario().cas(0, "x", null, 1, 0, 10)).linearizable()).isFalse();
    assertThat(
            check(
                    scenario()
                        .write(0, "x", 5, 0, 10)
                        .cas(0, "x", null, 6, 20, 30)
                        .read(1, "x", 6L, 40, 50))
                .linearizable())
        .isTrue();
  }

  @Test
  void readOfAValueBeforeItsWriteWasInvokedIsNotLinearizable() {
    KeyResult r = checkKey(scenario().read(0, "x", 1L, 0, 10).write(1, "x", 1, 20, 30), "x");
    assertThat(r.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(r.impossibleReads()).isEqualTo(1);
    assertThat(r.anomalies().get(0).explanation()).contains("before its write");
  }

  @Test
  void readOfAValueNeverWrittenIsNotLinearizable() {
    KeyResult r = checkKey(scenario().write(1, "x", 1, 0, 10).read(0, "x", 9L, 20, 30), "x");
    assertThat(r.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(r.anomalies())
        .singleElement()
        .satisfies(a -> assertThat(a.kind()).isEqualTo(Anomaly.Kind.IMPOSSIBLE_READ));
  }

  @Test
  void readOfAFailedWriteIsNotLinearizable() {
    KeyResult r =
        checkKey(scenario().write(1, "x", 1, 0, 10, EventType.FAIL).read(0, "x", 1L, 20, 30), "x");
    assertThat(r.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(r.impossibleReads()).isEqualTo(1);
  }

  @Test
  void failedOperationsAreIgnored() {
    CheckResult result =
        check(
            scenario()
                .write(0, "x", 1, 0, 10)
                .write(1, "x", 2, 20, 30, EventType.FAIL)
                .delete(1, "x", 31, 35, EventType.FAIL)
                .read(0, "x", 1L, 40, 50));
    assertThat(result.linearizable()).isTrue();
    assertThat(result.ops()).isEqualTo(4);
  }

  @Test
  void unknownWriteThatAppliedIsLinearizable() {
    CheckResult result =
        check(scenario().write(0, "x", 1, 0, 10, EventType.INFO).read(1, "x", 1L, 20, 30));
    assertThat(result.linearizable()).isTrue();
  }

  @Test
  void unknownWriteThatNeverAppliedIsLinearizable() {
    CheckResult result =
        check(
            scenario()
                .write(0, "x", 1, 0, 10)
                .write(0, "x", 2, 20, 30, EventType.INFO)
                .read(1, "x", 1L, 40, 50)
                .read(1, "x", 1L, 60, 70));
    assertThat(result.linearizable()).isTrue();
  }

  @Test
  void unknownWriteMayApplyAfterItsCompletionAndAfterLaterWrites() {
    CheckResult result =
        check(
            scenario()
                .write(0, "x", 1, 0, 10, EventType.INFO)
                .write(0, "x", 2, 20, 30)
                .read(1, "x", 2L, 40, 50)
                .read(1, "x", 1L, 60, 70));
    assertThat(result.linearizable()).isTrue();
  }

  @Test
  void unknownWriteAppliesAtMostOnce() {
    CheckResult result =
        check(
            scenario()
                .write(0, "x", 1, 0, 10, EventType.INFO)
                .read(1, "x", 1L, 20, 30)
                .write(0, "x", 2, 40, 50)
                .read(1, "x", 1L, 60, 70));
    assertThat(result.linearizable()).isFalse();
    assertThat(result.stale()).isZero(); // its write is unknown: only the search can tell
  }

  @Test
  void unknownDeleteMayExplainAnAbsentRead() {
    assertThat(
            check(
                    scenario()
                        .write(0, "x", 1, 0, 10)
                        .delete(0, "x", 20, 30, EventType.INFO)
                        .read(1, "x", null, 40, 50))
                .linearizable())
        .isTrue();
    assertThat(check(scenario().write(0, "x", 1, 0, 10).read(1, "x", null, 40, 50)).stale())
        .isEqualTo(1);
  }

  @Test
  void pendingOperationCountsAsUnknown() {
    History history =
        scenario()
            .pendingWrite(0, "x", 1, 0)
            .read(1, "x", null, 5, 10)
            .read(1, "x", 1L, 20, 30)
            .history();
    assertThat(history.operations().get(0).isPending()).isTrue();
    assertThat(checker.check(history).linearizable()).isTrue();
  }

  @Test
  void deleteThenReadOfTheResurrectedValueIsNotLinearizable() {
    KeyResult r =
        checkKey(
            scenario().write(0, "x", 1, 0, 10).delete(0, "x", 20, 30).read(1, "x", 1L, 40, 50),
            "x");
    assertThat(r.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(r.stale()).isEqualTo(1);
  }

  @Test
  void concurrentOverlappingOperationsAreFineInAnyOrder() {
    CheckResult result =
        check(
            scenario()
                .write(0, "x", 1, 0, 100)
                .write(1, "x", 2, 0, 100)
                .delete(2, "x", 0, 100)
                .read(3, "x", 2L, 10, 20)
                .read(3, "x", null, 30, 40)
                .read(3, "x", 1L, 50, 60)
                .read(4, "x", 1L, 110, 120));
    assertThat(result.linearizable()).isTrue();
  }

  @Test
  void equalTimesCountAsConcurrent() {
    assertThat(check(scenario().write(0, "x", 1, 0, 10).read(1, "x", null, 10, 20)).linearizable())
        .isTrue();
    assertThat(check(scenario().write(0, "x", 1, 0, 10).read(1, "x", null, 11, 20)).linearizable())
        .isFalse();
  }

  @Test
  void dbReadShowingAnOlderValueCountsTheLaterWritesAsLost() {
    CheckResult result =
        check(
            scenario()
                .write(0, "x", 1, 0, 10)
                .write(0, "x", 2, 20, 30)
                .cas(0, "x", 2L, 3, 40, 50)
                .read(1, "x", 3L, 60, 70)
                .dbRead(2, "x", 1L, 100, 110));
    assertThat(result.linearizable()).isFalse();
    assertThat(result.lost()).isEqualTo(2);
    assertThat(result.stale()).isEqualTo(1);
    assertThat(result.verdictLine(42))
        .isEqualTo("linearizable: no ops=5 keys=1 stale=1 lost=2 seed=42");
  }

  @Test
  void dbReadFindingTheKeyAbsentCountsUndeletedWritesAsLost() {
    CheckResult result =
        check(
            scenario()
                .write(0, "x", 1, 0, 10)
                .delete(0, "x", 20, 30)
                .write(0, "x", 2, 40, 50)
                .dbRead(2, "x", null, 100, 110));
    assertThat(result.lost()).isEqualTo(1);
    assertThat(result.key("x").orElseThrow().anomalies())
        .filteredOn(a -> a.kind() == Anomaly.Kind.LOST_WRITE)
        .singleElement()
        .satisfies(a -> assertThat(a.operation().index()).isEqualTo(2));
  }

  @Test
  void keysAreCheckedIndependently() {
    CheckResult result =
        check(
            scenario()
                .write(0, "a", 1, 0, 10)
                .write(0, "b", 2, 20, 30)
                .read(1, "a", 1L, 40, 50)
                .read(2, "b", null, 40, 50));
    assertThat(result.keys()).isEqualTo(2);
    assertThat(result.failures()).extracting(KeyResult::key).containsExactly("b");
    assertThat(result.report()).contains("b: NOT_LINEARIZABLE").doesNotContain("a: NOT");
  }

  @Test
  void searchBeyondItsStepBudgetIsUnknownAndFailsTheCheck() {
    Scenario s = scenario();
    for (int p = 0; p < 10; p++) {
      s.write(p, "x", p + 1, 0, 1000);
    }
    s.read(20, "x", 1L, 2000, 2001);
    CheckResult result =
        LinearizabilityChecker.builder().maxStepsPerKey(5).build().check(s.history());
    System.out.print(result.report());
    KeyResult r = result.key("x").orElseThrow();
    assertThat(r.verdict()).isEqualTo(Verdict.UNKNOWN);
    assertThat(r.explanation()).contains("gave up after 5 steps");
    assertThat(result.linearizable()).isFalse();
    assertThat(result.verdictLine(1)).startsWith("linearizable: no ");
    assertThat(checker.check(s.history()).linearizable()).isTrue();
  }

  @Test
  void keyWithADefiniteAnomalyIsDecidedWithoutSearch() {
    Scenario s =
        scenario().write(0, "x", 1, 0, 10).write(0, "x", 2, 20, 30).read(1, "x", 1L, 40, 50);
    KeyResult r =
        LinearizabilityChecker.builder()
            .maxStepsPerKey(1)
            .build()
            .check(s.history())
            .key("x")
            .orElseThrow();
    assertThat(r.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(r.steps()).isZero();
    assertThat(r.explanation()).contains("cannot be linearized even on their own", "STALE_READ");
  }

  @Test
  void chainOfUnknownOperationsCanExplainARead() {
    assertThat(
            check(
                    scenario()
                        .write(0, "x", 1, 0, 10, EventType.INFO)
                        .cas(1, "x", 1L, 2, 0, 10, EventType.INFO)
                        .read(2, "x", 2L, 20, 30))
                .linearizable())
        .isTrue();
    assertThat(
            check(
                    scenario()
                        .write(0, "x", 1, 0, 10)
                        .delete(1, "x", 20, 30, EventType.INFO)
                        .write(1, "x", 2, 40, 50, EventType.INFO)
                        .read(2, "x", null, 60, 70)
                        .read(2, "x", 2L, 80, 90))
                .linearizable())
        .isTrue();
  }

  @Test
  void unknownOperationCannotApplyTwice() {
    assertThat(
            check(
                    scenario()
                        .write(0, "x", 1, 0, 10)
                        .delete(1, "x", 20, 30, EventType.INFO)
                        .read(2, "x", null, 40, 50)
                        .write(0, "x", 2, 60, 70)
                        .read(2, "x", null, 80, 90))
                .linearizable())
        .isFalse();
  }

  @Test
  void duplicateValuesOfAKeyAreRejected() {
    History h = scenario().write(0, "x", 1, 0, 10).write(1, "x", 1, 20, 30).history();
    assertThatThrownBy(() -> checker.check(h))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("value 1 of key x is written by both");
  }

  @Test
  void builderRejectsASettingMadeTwiceOrOutOfRange() {
    assertThatThrownBy(() -> LinearizabilityChecker.builder().maxStepsPerKey(1).maxStepsPerKey(2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("max steps per key was already set to 1");
    assertThatThrownBy(() -> LinearizabilityChecker.builder().maxStepsPerKey(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                LinearizabilityChecker.builder()
                    .timeoutPerKey(Duration.ofSeconds(1))
                    .timeoutPerKey(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("timeout per key was already set to PT1S");
    assertThatThrownBy(() -> LinearizabilityChecker.builder().timeoutPerKey(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
