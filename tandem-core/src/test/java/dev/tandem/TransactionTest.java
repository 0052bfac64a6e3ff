package dev.tandem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Multi-key transactions: all or nothing in the store, nothing cached before commit (H7), no
 * deadlock.
 */
@Tag("race")
class TransactionTest {

  private final Harness h = new Harness();

  @AfterEach
  void close() {
    h.close();
  }

  @Test
  void readsSeeOwnWritesAndCacheShowsNothingBeforeCommit() {
    h.tandem.put("a", "1");
    h.tandem.put("b", "2");
    String result =
        h.tandem.transaction(
            tx -> {
              tx.put("a", "10");
              assertThat(tx.get("a")).contains("10");
              assertThat(tx.remove("b")).isTrue();
              assertThat(tx.get("b")).isEmpty();
              tx.put("c", "30");
              assertThat(h.tandem.getIfCached("a"))
                  .as("nothing published before commit")
                  .contains("1");
              assertThat(h.tandem.getIfCached("b")).contains("2");
              assertThat(h.store.rows.get("a").value()).isEqualTo("1");
              return "done";
            });
    assertThat(result).isEqualTo("done");
    assertThat(h.tandem.getIfCached("a")).contains("10");
    assertThat(h.tandem.get("b")).isEmpty();
    assertThat(h.tandem.getIfCached("c")).contains("30");
    assertThat(h.store.rows).containsKeys("a", "c").doesNotContainKey("b");
    assertThat(h.store.commits.get()).isEqualTo(3);
  }

  @Test
  void failingWorkWritesNothingAndPassesItsExceptionThrough() {
    h.tandem.put("a", "1");
    assertThatThrownBy(
            () ->
                h.tandem.transaction(
                    tx -> {
                      tx.put("a", "2");
                      tx.put("b", "2");
                      throw new IllegalStateException("insufficient funds");
                    }))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("insufficient funds");
    assertThat(h.tandem.get("a")).contains("1");
    assertThat(h.tandem.get("b")).isEmpty();
    assertThat(h.store.rows.get("a").value()).isEqualTo("1");
    assertThat(h.tandem.lockedKeys()).isZero();
  }

  @Test
  void failedCommitPublishesNothing() {
    h.tandem.put("a", "1");
    h.store.failNextCommit(MemoryStore.CommitFault.FAIL);
    assertThatThrownBy(
            () ->
                h.tandem.transaction(
                    tx -> {
                      tx.put("a", "2");
                      tx.put("b", "2");
                      return null;
                    }))
        .isInstanceOf(StoreException.class);
    assertThat(h.tandem.getIfCached("a")).contains("1");
    assertThat(h.tandem.getIfCached("b")).isEmpty();
  }

  /** Two transactions lock the same two keys in opposite order; neither may deadlock. */
  @Test
  void oppositeLockOrdersDoNotDeadlock() {
    h.tandem.put("a", "0");
    h.tandem.put("b", "0");
    CountDownLatch bothHoldOne = new CountDownLatch(2);
    Future<Object> ab =
        h.async(
            () ->
                h.tandem.transaction(
                    tx -> {
                      tx.get("a");
                      bothHoldOne.countDown();
                      awaitOnce(bothHoldOne);
                      tx.put("b", "ab");
                      tx.put("a", "ab");
                      return null;
                    }));
    Future<Object> ba =
        h.async(
            () ->
                h.tandem.transaction(
                    tx -> {
                      tx.get("b");
                      bothHoldOne.countDown();
                      awaitOnce(bothHoldOne);
                      tx.put("a", "ba");
                      tx.put("b", "ba");
                      return null;
                    }));
    Harness.get(ab);
    Harness.get(ba);
    String a = h.tandem.get("a").orElseThrow();
    assertThat(a).isIn("ab", "ba");
    assertThat(h.tandem.get("b")).contains(a); // one ran entirely after the other
  }

  /** Waits for the latch only on the first run of the work (a re-run holds its keys already). */
  private static void awaitOnce(CountDownLatch latch) {
    if (latch.getCount() == 0) {
      return;
    }
    Harness.await(latch);
  }

  /**
   * The money transfer: concurrent transfers keep the total constant and no balance goes negative.
   */
  @Test
  void concurrentTransfersKeepTheTotal() {
    int accounts = 5;
    int initial = 100;
    for (int i = 0; i < accounts; i++) {
      h.tandem.put("acct" + i, Integer.toString(initial));
    }
    long seed = System.nanoTime();
    System.out.println("concurrentTransfersKeepTheTotal seed=" + seed);
    List<Future<Integer>> workers = new ArrayList<>();
    for (int t = 0; t < 6; t++) {
      SplittableRandom random = new SplittableRandom(seed + t);
      workers.add(
          h.async(
              () -> {
                int refused = 0;
                for (int i = 0; i < 300; i++) {
                  String from = "acct" + random.nextInt(accounts);
                  String to = "acct" + random.nextInt(accounts);
                  int amount = 1 + random.nextInt(40);
                  if (from.equals(to)) {
                    continue;
                  }
                  boolean done =
                      h.tandem.transaction(
                          tx -> {
                            int balance = Integer.parseInt(tx.get(from).orElseThrow());
                            if (balance < amount) {
                              return false; // the rule: never negative
                            }
                            int target = Integer.parseInt(tx.get(to).orElseThrow());
                            tx.put(from, Integer.toString(balance - amount));
                            tx.put(to, Integer.toString(target + amount));
                            return true;
                          });
                  refused += done ? 0 : 1;
                  if (i % 25 == 0) {
                    h.tandem.invalidate(from);
                  }
                }
                return refused;
              }));
    }
    workers.forEach(Harness::get);
    int storeTotal = 0;
    int cacheTotal = 0;
    for (int i = 0; i < accounts; i++) {
      int stored = Integer.parseInt(h.store.rows.get("acct" + i).value());
      assertThat(stored).isNotNegative();
      storeTotal += stored;
      Optional<String> cached = h.tandem.getIfCached("acct" + i);
      String key = "acct" + i;
      cached.ifPresent(
          c -> assertThat(c).as("cached %s", key).isEqualTo(h.store.rows.get(key).value()));
      cacheTotal += Integer.parseInt(h.tandem.get("acct" + i).orElseThrow());
    }
    assertThat(storeTotal).isEqualTo(accounts * initial);
    assertThat(cacheTotal).isEqualTo(accounts * initial);
    assertThat(h.tandem.lockedKeys()).isZero();
  }

  @Test
  void passingFailureRunsTheWorkAgain() {
    h.store.retryableBegins.set(1);
    int[] runs = {0};
    h.tandem.transaction(
        tx -> {
          runs[0]++;
          tx.put("a", "1");
          return null;
        });
    assertThat(runs[0]).isEqualTo(1); // the failure came at begin, before the work ran
    assertThat(h.tandem.stats().retryCount()).isEqualTo(1);
    assertThat(h.tandem.get("a")).contains("1");
  }

  @Test
  void nullWorkAndNullValuesAreRejected() {
    assertThatThrownBy(() -> h.tandem.transaction(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("work");
    assertThatThrownBy(
            () ->
                h.tandem.transaction(
                    tx -> {
                      tx.put("a", null);
                      return null;
                    }))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("value");
    assertThat(h.store.rows).isEmpty();
  }
}
