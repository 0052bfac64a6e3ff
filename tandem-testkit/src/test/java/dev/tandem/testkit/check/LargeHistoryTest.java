package dev.tandem.testkit.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testkit.history.Action;
import dev.tandem.testkit.history.Event;
import dev.tandem.testkit.history.EventType;
import dev.tandem.testkit.history.History;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The size a torture run produces: 100,000 operations of 8 processes on 20 keys. Prints how long
 * the check took; asserts only the verdicts.
 */
class LargeHistoryTest {

  private static final RandomHistories.Shape TORTURE =
      new RandomHistories.Shape(8, 20, 100_000, 2_000, 500, 0.01, 0.01);

  private final LinearizabilityChecker checker = LinearizabilityChecker.builder().build();

  private static long seed() {
    String fixed = System.getProperty("tandem.seed");
    long seed = fixed != null ? Long.parseLong(fixed) : new Random().nextLong();
    System.out.println("seed " + seed + " (replay with -Dtandem.seed=" + seed + ")");
    return seed;
  }

  @Test
  void hundredThousandOperationLinearizableHistoryIsAccepted() {
    long seed = seed();
    History history = RandomHistories.linearizable(seed, TORTURE);

    CheckResult result = checker.check(history);

    System.out.println(
        "checked "
            + result.ops()
            + " operations in "
            + result.elapsed().toMillis()
            + " ms: "
            + result.verdictLine(seed));
    assertThat(result.linearizable()).as(result.report()).isTrue();
    assertThat(result.ops()).isEqualTo(100_020);
  }

  @Test
  void hundredThousandOperationHistoryWithOneStaleReadIsRejected() {
    long seed = seed();
    History history =
        RandomHistories.withStaleRead(RandomHistories.linearizable(seed, TORTURE), new Random(seed))
            .orElseThrow();

    CheckResult result = checker.check(history);

    System.out.println(
        "checked "
            + result.ops()
            + " operations in "
            + result.elapsed().toMillis()
            + " ms: "
            + result.verdictLine(seed));
    System.out.print(result.report());
    assertThat(result.linearizable()).isFalse();
    assertThat(result.stale()).isEqualTo(1);
    assertThat(result.failures())
        .singleElement()
        .satisfies(r -> assertThat(r.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE));
  }

  @Test
  void hundredThousandOperationHistoryEndingInALostUpdateIsRejectedBySearch() {
    long seed = seed();
    History linearizable = RandomHistories.linearizable(seed, TORTURE);
    List<Event> events = new ArrayList<>(linearizable.events());
    long t = events.get(events.size() - 1).time();
    // two updates of k3 both swap the same old value: no single read is stale, only the search sees
    // it
    events.add(new Event(1, EventType.INVOKE, Action.WRITE, "k3", null, -1L, t + 1));
    events.add(new Event(1, EventType.OK, Action.WRITE, "k3", null, -1L, t + 2));
    events.add(new Event(1, EventType.INVOKE, Action.CAS, "k3", -1L, -2L, t + 3));
    events.add(new Event(2, EventType.INVOKE, Action.CAS, "k3", -1L, -3L, t + 4));
    events.add(new Event(1, EventType.OK, Action.CAS, "k3", -1L, -2L, t + 5));
    events.add(new Event(2, EventType.OK, Action.CAS, "k3", -1L, -3L, t + 6));

    CheckResult result = checker.check(History.of(events));

    KeyResult k3 = result.key("k3").orElseThrow();
    System.out.println(
        "checked "
            + result.ops()
            + " operations in "
            + result.elapsed().toMillis()
            + " ms, "
            + k3.steps()
            + " steps on k3: "
            + result.verdictLine(seed));
    System.out.print(result.report());
    assertThat(result.failures()).containsExactly(k3);
    assertThat(k3.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(k3.anomalies()).isEmpty();
  }

  @Test
  void hotKeyOfEightProcessesWithLongOverlapsIsAccepted() {
    long seed = seed();
    History history =
        RandomHistories.linearizable(
            seed, new RandomHistories.Shape(8, 1, 20_000, 5_000, 100, 0.02, 0.02));

    CheckResult result = checker.check(history);

    System.out.println(
        "checked one hot key of "
            + result.ops()
            + " operations in "
            + result.elapsed().toMillis()
            + " ms, "
            + result.keyResults().get(0).steps()
            + " steps: "
            + result.verdictLine(seed));
    assertThat(result.linearizable()).as(result.report()).isTrue();
  }
}
