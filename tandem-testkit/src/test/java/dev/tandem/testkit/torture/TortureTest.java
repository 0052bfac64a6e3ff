package dev.tandem.testkit.torture;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.Tandem;
import dev.tandem.local.LocalTier;
import dev.tandem.testkit.check.CheckResult;
import dev.tandem.testkit.check.LinearizabilityChecker;
import dev.tandem.testkit.history.Action;
import dev.tandem.testkit.history.History;
import dev.tandem.testkit.history.HistoryRecorder;
import dev.tandem.testkit.history.Operation;
import dev.tandem.testkit.history.Outcome;
import dev.tandem.testkit.naive.NaiveWriteThrough;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The torture harness over an in-memory store: what it records, how it maps outcomes, and that its
 * check tells Tandem from the naive class. Seeds are printed; replay with {@code -Dtandem.seed=N}.
 */
class TortureTest {

  private static final LinearizabilityChecker CHECKER = LinearizabilityChecker.builder().build();

  private static long seed() {
    String fixed = System.getProperty("tandem.seed");
    long seed = fixed != null ? Long.parseLong(fixed) : System.nanoTime();
    System.out.println("seed=" + seed);
    return seed;
  }

  private static Tandem<String, Long> tandem(MemoryStore store) {
    return Tandem.builder(store)
        .cacheTier(
            LocalTier.<String, Long>builder()
                .maximumSize(2)
                .expireAfterWrite(Duration.ofMillis(5))
                .build())
        .build();
  }

  @Test
  void tandemOverACorrectStoreIsLinearizableAndEveryKeyIsReadAtTheEnd() throws Exception {
    MemoryStore store = new MemoryStore();
    try (Tandem<String, Long> tandem = tandem(store)) {
      TortureReport report =
          Torture.builder(tandem, store)
              .clients(4)
              .keys(6)
              .duration(Duration.ofSeconds(1))
              .seed(seed())
              .build()
              .run();

      History history = report.history();
      CheckResult result = CHECKER.check(history);
      assertThat(result.linearizable()).as(result.report()).isTrue();
      assertThat(report.clientsStopped()).isTrue();
      assertThat(report.surprises()).as(report.surpriseExamples().toString()).isZero();
      assertThat(report.invalidations()).isPositive();
      assertThat(history.operations())
          .extracting(Operation::action)
          .contains(Action.READ, Action.WRITE, Action.DELETE, Action.CAS, Action.DB_READ);
      List<Operation> finals =
          history.operations().stream().filter(op -> op.process() == 4).toList();
      assertThat(finals)
          .extracting(Operation::action)
          .containsExactly(
              Action.READ,
              Action.DB_READ,
              Action.READ,
              Action.DB_READ,
              Action.READ,
              Action.DB_READ,
              Action.READ,
              Action.DB_READ,
              Action.READ,
              Action.DB_READ,
              Action.READ,
              Action.DB_READ);
      assertThat(finals)
          .extracting(Operation::key)
          .containsExactly("k0", "k0", "k1", "k1", "k2", "k2", "k3", "k3", "k4", "k4", "k5", "k5");
      assertThat(history.operations())
          .filteredOn(op -> op.action() == Action.CAS && op.outcome() == Outcome.FAIL)
          .hasSize((int) report.absentUpdates());
    }
  }

  /** Two parts of one run, as two node processes run them, merge into one checkable history. */
  @Test
  void partsOfARunMergeIntoTheHistoryOfTheWholeRun() throws Exception {
    long seed = seed();
    MemoryStore store = new MemoryStore();
    try (Tandem<String, Long> tandem = tandem(store)) {
      List<java.util.concurrent.Future<TortureReport>> parts = new java.util.ArrayList<>();
      try (var pool = java.util.concurrent.Executors.newFixedThreadPool(2)) {
        for (int part = 0; part < 2; part++) {
          Torture run =
              Torture.builder(tandem, store)
                  .clients(4)
                  .keys(6)
                  .duration(Duration.ofMillis(500))
                  .seed(seed)
                  .partOf(part, 2)
                  .build();
          parts.add(pool.submit(run::run));
        }
      }
      HistoryRecorder databaseReads = new HistoryRecorder();
      Torture.readDatabase(
          store,
          databaseReads,
          4,
          6,
          (op, e) -> {
            throw e;
          });
      List<dev.tandem.testkit.history.Event> events =
          new java.util.ArrayList<>(databaseReads.events());
      for (int part = 0; part < 2; part++) {
        History history = parts.get(part).get().history();
        int p = part;
        assertThat(history.operations())
            .as("part %d", part)
            .allSatisfy(
                op -> {
                  assertThat(op.action()).isNotEqualTo(Action.DB_READ);
                  assertThat(op.process())
                      .isIn(op.process() >= 4 ? List.of(4 + p) : List.of(p, p + 2));
                  if (op.action() == Action.WRITE) {
                    assertThat(op.value() % 2).as("values of part %d", p).isEqualTo(p);
                  }
                });
        events.addAll(history.events());
      }
      events.sort(java.util.Comparator.comparingLong(dev.tandem.testkit.history.Event::time));
      History merged = History.of(events);
      CheckResult result = CHECKER.check(merged);
      assertThat(result.linearizable()).as(result.report()).isTrue();
      assertThat(merged.operations()).filteredOn(op -> op.action() == Action.DB_READ).hasSize(6);
      assertThat(merged.operations())
          .filteredOn(op -> op.process() >= 4 && op.action() == Action.READ)
          .hasSize(12);
    }
  }

  @Test
  void theSameRunCatchesTheNaiveWriteThrough() throws Exception {
    long seed = seed();
    for (int attempt = 0; attempt < 5; attempt++) {
      MemoryStore store = new MemoryStore();
      try (NaiveWriteThrough<String, Long> naive = new NaiveWriteThrough<>(store, 2)) {
        TortureReport report =
            Torture.builder(naive, store)
                .clients(4)
                .keys(6)
                .duration(Duration.ofSeconds(1))
                .seed(seed + attempt)
                .build()
                .run();
        CheckResult result = CHECKER.check(report.history());
        System.out.println("naive, attempt " + attempt + ": " + result.verdictLine(seed + attempt));
        if (!result.linearizable()) {
          return;
        }
      }
    }
    throw new AssertionError("five runs did not catch the naive class");
  }

  @Test
  void aCommitWhoseAnswerIsLostIsRecordedAsUnknownAndStillChecksOut() throws Exception {
    MemoryStore store = new MemoryStore();
    store.ambiguousCommitWhen(value -> value % 10 == 3);
    try (Tandem<String, Long> tandem = tandem(store)) {
      TortureReport report =
          Torture.builder(tandem, store)
              .clients(4)
              .keys(6)
              .duration(Duration.ofMillis(500))
              .seed(seed())
              .build()
              .run();

      List<Operation> unknown =
          report.history().operations().stream()
              .filter(op -> op.outcome() == Outcome.INFO)
              .toList();
      // a write shares its commit with the batch it joined: all of them get the unknown outcome
      assertThat(unknown).anyMatch(op -> op.value() != null && op.value() % 10 == 3);
      assertThat(report.history().operations())
          .filteredOn(
              op -> op.action() == Action.WRITE && op.value() != null && op.value() % 10 == 3)
          .isNotEmpty()
          .noneMatch(op -> op.outcome() == Outcome.OK);
      assertThat(report.surprises()).as(report.surpriseExamples().toString()).isZero();
      CheckResult result = CHECKER.check(report.history());
      assertThat(result.linearizable()).as(result.report()).isTrue();
    }
  }

  @Test
  void clientsThatDoNotStopAreReportedWithTheirStacks() throws Exception {
    MemoryStore store = new MemoryStore();
    CountDownLatch release = new CountDownLatch(1);
    store.beforeLoad(
        key -> {
          if (Thread.currentThread().getName().startsWith("torture-client-")) {
            try {
              release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        });
    try (Tandem<String, Long> tandem = tandem(store)) {
      TortureReport report =
          Torture.builder(tandem, store)
              .clients(2)
              .keys(1)
              .duration(Duration.ofMillis(200))
              .stopGrace(Duration.ofMillis(100))
              .seed(seed())
              .build()
              .run();

      assertThat(report.clientsStopped()).isFalse();
      assertThat(report.stuckClients()).contains("torture-client-", "MemoryStore.load");
    } finally {
      release.countDown();
    }
  }

  @Test
  void theBuilderNamesWhatIsMissingOrSetTwice() {
    MemoryStore store = new MemoryStore();
    try (Tandem<String, Long> tandem = tandem(store)) {
      Torture.Builder builder = Torture.builder(tandem, store).clients(2);
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> builder.clients(3))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("clients was already set to 2");
      org.assertj.core.api.Assertions.assertThatThrownBy(builder::build)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("seed must be set");
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> Torture.builder(tandem, store).keys(0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("keys must be at least 1 but was 0");
    }
  }
}
