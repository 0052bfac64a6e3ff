package dev.tandem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.local.LocalTier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Field updates ({@code update(key, Columns)}) and the read-free path of {@code update(key, fn)}
 * over a store that declares them: results cached under the store's versions, batches applied in
 * queue order, and a moved version (race H13) falling back to the locked read.
 */
class FieldUpdateTest {

  /** A value of two "columns": a=...;b=... */
  private static String patch(String value, Map<String, ?> columns) {
    String a = value.split(";")[0].substring(2);
    String b = value.split(";")[1].substring(2);
    if (columns.containsKey("a")) {
      a = String.valueOf(columns.get("a"));
    }
    if (columns.containsKey("b")) {
      b = String.valueOf(columns.get("b"));
    }
    return "a=" + a + ";b=" + b;
  }

  private final MemoryStore<String, String> store = new MemoryStore<>();
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final List<Tandem<String, String>> opened = new ArrayList<>();

  private WriteThroughCache<String, String> tandem() {
    return tandem(0);
  }

  /** With {@code batches} > 0, that many group-commit batches at once; else Tandem's default. */
  private WriteThroughCache<String, String> tandem(int batches) {
    Tandem.Builder<String, String> builder =
        Tandem.builder(store)
            .cacheTier(
                LocalTier.<String, String>builder()
                    .maximumSize(100)
                    .executor(Runnable::run)
                    .build())
            .updatesFromCache();
    if (batches > 0) {
      builder.maxConcurrentBatches(batches);
    }
    WriteThroughCache<String, String> t = (WriteThroughCache<String, String>) builder.build();
    opened.add(t);
    return t;
  }

  private void declareAll() {
    store.patchColumns = Set.of("a", "b");
    store.patcher = FieldUpdateTest::patch;
    store.putsIfVersion = true;
  }

  @AfterEach
  void close() {
    threads.shutdownNow();
    opened.forEach(Tandem::close);
  }

  @Test
  void aStoreThatDeclaresNoColumnsRefusesFieldUpdatesBeforeAnyIo() {
    WriteThroughCache<String, String> tandem = tandem();
    assertThatThrownBy(() -> tandem.update("k", Columns.set("a", 1)))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("does not apply field updates");
    assertThat(store.commits).hasValue(0);
  }

  @Test
  void anUnknownColumnIsRefusedByNameBeforeAnyIo() {
    declareAll();
    WriteThroughCache<String, String> tandem = tandem();
    tandem.put("k", "a=1;b=2");
    long commits = store.commits.get();
    assertThatThrownBy(() -> tandem.update("k", Columns.set("a", 5).and("departure", 7)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("column departure");
    assertThat(store.commits).hasValue(commits);
    assertThat(tandem.get("k")).contains("a=1;b=2");
  }

  @Test
  void aFieldUpdateCachesTheStoresRowUnderItsNewVersionWithoutReadingFirst() {
    declareAll();
    WriteThroughCache<String, String> tandem = tandem();
    tandem.put("k", "a=1;b=2");
    long loads = store.loads.get();

    assertThat(tandem.update("k", Columns.set("b", 9))).contains("a=1;b=9");

    assertThat(store.lockedReads).hasValue(0);
    assertThat(tandem.getVersioned("k")).contains(store.rows.get("k"));
    assertThat(store.loads).hasValue(loads); // answered from the cache
  }

  @Test
  void aFieldUpdateOfAnAbsentKeyWritesNothingAndCachesNoValue() {
    declareAll();
    WriteThroughCache<String, String> tandem = tandem();
    assertThat(tandem.update("k", Columns.set("a", 1))).isEmpty();
    assertThat(store.rows).doesNotContainKey("k");
    assertThat(tandem.get("k")).isEmpty();
  }

  @Test
  void writesOfOneKeyInOneBatchApplyInQueueOrderAndTheLastIsCached() throws Exception {
    declareAll();
    WriteThroughCache<String, String> tandem = tandem(1); // the updates queue behind a held commit
    tandem.put("k", "a=0;b=0");
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    store.beforeCommit =
        () -> {
          if (held.getCount() > 0) {
            held.countDown();
            Harness.await(release);
          }
        };
    Future<Long> leader = threads.submit(() -> tandem.put("lead", "a=0;b=0"));
    Harness.await(held);
    Future<Optional<String>> first = threads.submit(() -> tandem.update("k", Columns.set("a", 1)));
    Harness.awaitCondition("the first update to queue", () -> tandem.queuedWrites() == 1);
    Future<Long> put = threads.submit(() -> tandem.put("k", "a=5;b=5"));
    Harness.awaitCondition("the put to queue", () -> tandem.queuedWrites() == 2);
    Future<Optional<String>> last = threads.submit(() -> tandem.update("k", Columns.set("b", 2)));
    Harness.awaitCondition("the last update to queue", () -> tandem.queuedWrites() == 3);
    long commits = store.commits.get();
    release.countDown();
    leader.get();

    assertThat(first.get()).contains("a=1;b=0");
    put.get();
    assertThat(last.get()).contains("a=5;b=2");
    assertThat(store.commits.get() - commits).isEqualTo(2); // the leader's, then one for all three
    assertThat(tandem.getVersioned("k")).contains(store.rows.get("k"));
  }

  @Test
  void anUpdateOfACachedKeyWritesConditionallyWithoutTheLockedRead() {
    declareAll();
    WriteThroughCache<String, String> tandem = tandem();
    tandem.put("k", "a=1;b=1");
    AtomicInteger calls = new AtomicInteger();

    assertThat(
            tandem.update(
                "k",
                v -> {
                  calls.incrementAndGet();
                  return patch(v, Map.of("a", 2));
                }))
        .contains("a=2;b=1");

    assertThat(calls).hasValue(1);
    assertThat(store.lockedReads).hasValue(0);
    assertThat(tandem.conditionalMisses()).isZero();
    assertThat(tandem.getVersioned("k")).contains(store.rows.get("k"));
  }

  /**
   * Race H13: another node wrote after this one cached the key; the update must not overwrite it.
   */
  @Test
  void aVersionMovedByAnotherNodeFallsBackToTheLockedReadAndNeverOverwrites() {
    declareAll();
    WriteThroughCache<String, String> here = tandem();
    WriteThroughCache<String, String> there = tandem();
    here.put("k", "a=0;b=0");
    assertThat(here.get("k")).contains("a=0;b=0"); // cached here
    List<String> given = new ArrayList<>();

    Optional<String> result =
        here.update(
            "k",
            v -> {
              given.add(v);
              if (given.size() == 1) {
                there.put("k", "a=100;b=0"); // between the cached read and the conditional write
              }
              return patch(v, Map.of("a", Integer.parseInt(v.split(";")[0].substring(2)) + 1));
            });

    assertThat(given).containsExactly("a=0;b=0", "a=100;b=0");
    assertThat(result).contains("a=101;b=0");
    assertThat(store.rows.get("k").value()).isEqualTo("a=101;b=0");
    assertThat(here.conditionalMisses()).isEqualTo(1);
    assertThat(store.lockedReads).hasValue(1);
    assertThat(here.getVersioned("k")).contains(store.rows.get("k"));
  }

  @Test
  void aStoreWithoutConditionalPutsKeepsTheLockedRead() {
    WriteThroughCache<String, String> tandem = tandem();
    tandem.put("k", "a=1;b=1");
    assertThat(tandem.update("k", v -> "a=2;b=2")).contains("a=2;b=2");
    assertThat(store.lockedReads).hasValue(1);
  }
}
