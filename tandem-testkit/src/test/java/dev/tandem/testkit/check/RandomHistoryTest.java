package dev.tandem.testkit.check;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.testkit.history.Action;
import dev.tandem.testkit.history.EventType;
import dev.tandem.testkit.history.History;
import dev.tandem.testkit.history.Operation;
import dev.tandem.testkit.history.Outcome;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Seeded random histories: simulated registers must be accepted, their mutations rejected, and the
 * search must agree with the brute-force definition on tiny arbitrary histories. Each test prints
 * its base seed; replay with {@code -Dtandem.seed=<seed>}.
 */
class RandomHistoryTest {

  private final LinearizabilityChecker checker = LinearizabilityChecker.builder().build();

  private static long baseSeed(String test) {
    String fixed = System.getProperty("tandem.seed");
    long seed = fixed != null ? Long.parseLong(fixed) : new Random().nextLong();
    System.out.println(test + " base seed " + seed + " (replay with -Dtandem.seed=" + seed + ")");
    return seed;
  }

  @Test
  void simulatedRegisterHistoriesAreLinearizable() {
    long base = baseSeed("simulatedRegisterHistoriesAreLinearizable");
    for (int i = 0; i < 300; i++) {
      long seed = base + i;
      History history =
          RandomHistories.linearizable(seed, RandomHistories.Shape.small(new Random(seed)));
      CheckResult result = checker.check(history);
      assertThat(result.linearizable())
          .as("seed %d (base %d):%n%s", seed, base, result.report())
          .isTrue();
      assertThat(result.stale()).isZero();
      assertThat(result.lost()).isZero();
    }
  }

  @Test
  void historiesWithAStaleReadSwappedInAreRejectedByTheSearchAndTheScan() {
    long base = baseSeed("historiesWithAStaleReadSwappedInAreRejectedByTheSearchAndTheScan");
    int mutated = 0;
    for (int i = 0; i < 300; i++) {
      long seed = base + i;
      Random random = new Random(seed);
      History history = RandomHistories.linearizable(seed, RandomHistories.Shape.small(random));
      Optional<History> broken = RandomHistories.withStaleRead(history, random);
      if (broken.isEmpty()) {
        continue;
      }
      mutated++;
      CheckResult result = checker.check(broken.get());
      assertThat(result.linearizable()).as("seed %d (base %d)", seed, base).isFalse();
      assertThat(result.stale()).as("seed %d (base %d)", seed, base).isEqualTo(1);
      KeyResult failed = result.failures().get(0);
      assertThat(failed.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
      assertThat(search(broken.get(), failed.key()).verdict())
          .as("the search rejects it on its own, seed %d", seed)
          .isEqualTo(Verdict.NOT_LINEARIZABLE);
    }
    assertThat(mutated).as("histories with a read to mutate").isGreaterThan(100);
  }

  @Test
  void historiesWithAReadFromTheFutureAreRejected() {
    long base = baseSeed("historiesWithAReadFromTheFutureAreRejected");
    int mutated = 0;
    for (int i = 0; i < 200; i++) {
      long seed = base + i;
      Random random = new Random(seed);
      History history = RandomHistories.linearizable(seed, RandomHistories.Shape.small(random));
      Optional<History> broken = RandomHistories.withReadFromTheFuture(history, random);
      if (broken.isEmpty()) {
        continue;
      }
      mutated++;
      CheckResult result = checker.check(broken.get());
      assertThat(result.linearizable()).as("seed %d (base %d)", seed, base).isFalse();
      assertThat(result.impossibleReads()).as("seed %d (base %d)", seed, base).isEqualTo(1);
      assertThat(search(broken.get(), result.failures().get(0).key()).verdict())
          .as("the search rejects it on its own, seed %d", seed)
          .isEqualTo(Verdict.NOT_LINEARIZABLE);
    }
    assertThat(mutated).isGreaterThan(50);
  }

  @Test
  void searchAgreesWithTheBruteForceDefinitionOnTinyArbitraryHistories() {
    long base = baseSeed("searchAgreesWithTheBruteForceDefinitionOnTinyArbitraryHistories");
    int linearizable = 0;
    int anomalous = 0;
    for (int i = 0; i < 5_000; i++) {
      long seed = base + i;
      History history = tinyArbitraryHistory(new Random(seed));
      boolean expected = BruteForce.linearizable(history.operations());
      CheckResult result = checker.check(history);
      assertThat(result.linearizable())
          .as("seed %d (base %d): %s%n%s", seed, base, history.operations(), result.report())
          .isEqualTo(expected);
      assertThat(search(history, "x").verdict())
          .as("search alone, seed %d (base %d): %s", seed, base, history.operations())
          .isEqualTo(expected ? Verdict.LINEARIZABLE : Verdict.NOT_LINEARIZABLE);
      if (!result.anomalies().isEmpty()) {
        anomalous++;
        assertThat(expected)
            .as("anomalies must be sound, seed %d: %s", seed, result.anomalies())
            .isFalse();
      }
      linearizable += expected ? 1 : 0;
    }
    System.out.println(
        "tiny histories: " + linearizable + " linearizable, " + anomalous + " with anomalies");
    assertThat(linearizable).as("both verdicts are exercised").isBetween(500, 4_500);
    assertThat(anomalous).isGreaterThan(100);
  }

  @Test
  void searchAgreesWithTheReferenceOnSimulatedHistoriesWithOneReadChanged() {
    long base = baseSeed("searchAgreesWithTheReferenceOnSimulatedHistoriesWithOneReadChanged");
    int[] verdicts = new int[2];
    for (int i = 0; i < 300; i++) {
      long seed = base + i;
      Random random = new Random(seed);
      RandomHistories.Shape shape =
          new RandomHistories.Shape(
              2 + random.nextInt(3),
              1,
              10 + random.nextInt(50),
              1 + random.nextInt(40),
              random.nextInt(10),
              random.nextDouble() * 0.3,
              random.nextDouble() * 0.1);
      History history = RandomHistories.linearizable(seed, shape);
      List<Operation> reads =
          history.operations().stream()
              .filter(op -> op.action() == Action.READ && op.outcome() == Outcome.OK)
              .toList();
      if (reads.isEmpty()) {
        continue;
      }
      List<Long> values =
          history.operations().stream()
              .map(Operation::value)
              .filter(v -> v != null)
              .distinct()
              .toList();
      Long changed =
          values.isEmpty() || random.nextInt(4) == 0
              ? null
              : values.get(random.nextInt(values.size()));
      History mutated =
          RandomHistories.replaceReadValue(
              history, reads.get(random.nextInt(reads.size())), changed);

      boolean expected = BruteForce.linearizable(mutated.operations());

      assertThat(search(mutated, "k0").verdict())
          .as("seed %d (base %d): %s", seed, base, mutated.operations())
          .isEqualTo(expected ? Verdict.LINEARIZABLE : Verdict.NOT_LINEARIZABLE);
      assertThat(checker.check(mutated).linearizable())
          .as("seed %d (base %d)", seed, base)
          .isEqualTo(expected);
      verdicts[expected ? 1 : 0]++;
    }
    System.out.println(
        "changed histories: " + verdicts[1] + " linearizable, " + verdicts[0] + " not");
    assertThat(verdicts[0]).as("not linearizable").isGreaterThan(30);
    assertThat(verdicts[1]).as("linearizable").isGreaterThan(30);
  }

  static RegisterSearch.Result search(History history, String key) {
    return RegisterSearch.search(
        key,
        history.operations().stream().filter(op -> op.key().equals(key)).toList(),
        Long.MAX_VALUE,
        System.nanoTime() + 60_000_000_000L);
  }

  /** A few operations of 2–3 processes on one key, with values and outcomes drawn at random. */
  private static History tinyArbitraryHistory(Random random) {
    Scenario s = Scenario.scenario();
    int processes = 2 + random.nextInt(2);
    int ops = 3 + random.nextInt(5);
    long[] free = new long[processes];
    long written = 0;
    for (int i = 0; i < ops; i++) {
      int p = random.nextInt(processes);
      long start = free[p] + random.nextInt(4);
      long end = start + random.nextInt(5);
      free[p] = end;
      int o = random.nextInt(100);
      EventType outcome = o < 70 ? EventType.OK : o < 85 ? EventType.INFO : EventType.FAIL;
      int a = random.nextInt(100);
      Action action =
          a < 40 ? Action.READ : a < 70 ? Action.WRITE : a < 82 ? Action.DELETE : Action.CAS;
      switch (action) {
        case READ -> {
          int v = random.nextInt(5); // 0 = absent; may name a value not (yet) written
          s.any(p, action, "x", null, v == 0 ? null : (long) v, outcome, start, end);
        }
        case WRITE -> s.any(p, action, "x", null, ++written, outcome, start, end);
        case DELETE -> s.any(p, action, "x", null, null, outcome, start, end);
        default -> {
          int old = random.nextInt(5); // 0 = unknown old value
          s.any(p, action, "x", old == 0 ? null : (long) old, ++written, outcome, start, end);
        }
      }
    }
    return s.history();
  }
}
