package dev.tandem.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class WorkloadTest {

  @Test
  void drawsOperationsInYcsbsProportions() {
    assertThat(shares(Workload.A)).containsOnlyKeys(Operation.READ, Operation.UPDATE);
    assertThat(shares(Workload.A).get(Operation.READ)).isCloseTo(0.5, within(0.01));
    assertThat(shares(Workload.B).get(Operation.UPDATE)).isCloseTo(0.05, within(0.01));
    assertThat(shares(Workload.C)).containsOnlyKeys(Operation.READ);
    assertThat(shares(Workload.D).get(Operation.INSERT)).isCloseTo(0.05, within(0.01));
    assertThat(shares(Workload.F).get(Operation.READ_MODIFY_WRITE)).isCloseTo(0.5, within(0.01));
    assertThat(shares(Workload.WRITES)).containsOnlyKeys(Operation.UPDATE);
  }

  @Test
  void listsItsOperationsAndNamesItself() {
    assertThat(Workload.D.operations()).containsExactly(Operation.READ, Operation.INSERT);
    assertThat(Workload.F.operations())
        .containsExactly(Operation.READ, Operation.READ_MODIFY_WRITE);
    assertThat(Workload.WRITES.label()).isEqualTo("writes");
    assertThat(Workload.B.label()).isEqualTo("B");
    assertThat(Workload.D.readsLatest()).isTrue();
    assertThat(Workload.A.readsLatest()).isFalse();
  }

  private static Map<Operation, Double> shares(Workload workload) {
    SplittableRandom random = new SplittableRandom(7);
    Map<Operation, Double> shares = new EnumMap<>(Operation.class);
    int draws = 100_000;
    for (int i = 0; i < draws; i++) {
      shares.merge(workload.next(random), 1.0 / draws, Double::sum);
    }
    return shares;
  }
}
