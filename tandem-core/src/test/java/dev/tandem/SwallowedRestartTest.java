package dev.tandem;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A transaction's work that catches {@link RuntimeException} around its calls cannot make it commit
 * part of its writes. When the work touches a key another writer holds, the engine abandons the
 * attempt by throwing through the work and runs it again with the key locked up front; work that
 * caught that throw returned normally, and the writes staged before it committed without the rest
 * (issue 16, item 3).
 */
class SwallowedRestartTest {

  private final Harness h = new Harness();
  private final CountDownLatch commitReached = new CountDownLatch(1);
  private final CountDownLatch releaseCommit = new CountDownLatch(1);

  @AfterEach
  void close() {
    releaseCommit.countDown();
    h.close();
  }

  @Test
  void aTransactionCommitsAllOfItsWritesOrThrowsEvenIfItsWorkSwallowsExceptions() {
    h.store.beforeCommit =
        () -> {
          if (commitReached.getCount() > 0) {
            commitReached.countDown();
            Harness.await(releaseCommit);
          }
        };
    Future<Long> holder = h.async(() -> h.tandem.put("b", "held")); // holds b's lock until released
    Harness.await(commitReached);

    AtomicInteger runs = new AtomicInteger();
    AtomicInteger finished = new AtomicInteger();
    Future<Object> transaction =
        h.async(
            () ->
                h.tandem.transaction(
                    tx -> {
                      runs.incrementAndGet();
                      tx.put("a", "1");
                      try {
                        tx.put("b", "2");
                      } catch (RuntimeException e) {
                        // a careless catch: the engine's restart must still happen
                      }
                      finished.incrementAndGet();
                      return null;
                    }));
    // after its first run it released a and waits for b: one key locked, no commit yet
    Harness.awaitCondition(
        "the transaction to wait for b after its first run",
        () -> finished.get() == 1 && h.tandem.lockedKeys() == 1 && h.store.commits.get() == 0);
    releaseCommit.countDown();
    Harness.get(holder);
    Harness.get(transaction);

    assertThat(runs.get()).as("abandoned, then run again with b locked").isEqualTo(2);
    assertThat(h.store.rows.get("a").value()).isEqualTo("1");
    assertThat(h.store.rows.get("b").value()).isEqualTo("2");
    assertThat(h.tandem.get("b")).contains("2");
  }
}
