package dev.tandem;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.local.LocalTier;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Regression (found by the multi-process torture test, seed 606, Redis tier): node B's load of a
 * key filled the shared tier, and the tier accepted it; before B handled the reply, node A wrote
 * the key and returned, and the entry was evicted; a read that began on B only then joined B's load
 * and returned its value, older than a write acknowledged before the read began. An accepted fill
 * proves the load as new as the writes published before the fill, not before the joiner began, so a
 * load stops taking joiners when its fill is sent.
 *
 * <p>Two engines over one tier object and one store are two nodes sharing a cache tier.
 */
class LoadJoinedAfterItsFillTest {

  private final MemoryStore<String, String> store = new MemoryStore<>();
  private final LocalTier<String, String> shared =
      LocalTier.<String, String>builder().maximumSize(100).executor(Runnable::run).build();
  private final HookedTier<String, String> seenFromB = new HookedTier<>(shared);
  private final WriteThroughCache<String, String> nodeA =
      (WriteThroughCache<String, String>) Tandem.builder(store).cacheTier(shared).build();
  private final WriteThroughCache<String, String> nodeB =
      (WriteThroughCache<String, String>) Tandem.builder(store).cacheTier(seenFromB).build();
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final CountDownLatch filled = new CountDownLatch(1);
  private final CountDownLatch releaseReply = new CountDownLatch(1);

  @AfterEach
  void close() {
    releaseReply.countDown();
    threads.shutdownNow();
  }

  @Test
  void aReadThatBeginsAfterTheFillWasSentLoadsAgain() {
    nodeA.put("k", "v1");
    shared.invalidate("k");
    seenFromB.afterAcceptedFill =
        (key, entry) -> {
          if (filled.getCount() > 0) {
            filled.countDown();
            Harness.await(releaseReply); // the fill's reply is slow to come back
          }
        };
    Future<Optional<String>> first = threads.submit(() -> nodeB.get("k"));
    Harness.await(filled); // B's fill of v1 was accepted; B has not handled the reply yet

    nodeA.put("k", "v2"); // acknowledged on A
    shared.invalidate("k"); // and evicted

    Future<Optional<String>> second =
        threads.submit(() -> nodeB.get("k")); // begins after A's put returned
    Harness.awaitCondition(
        "the second read to finish or to join B's load",
        () ->
            second.isDone()
                || (nodeB.flight("k") != null && nodeB.flight("k").getNumberOfDependents() == 1));
    releaseReply.countDown();

    assertThat(Harness.get(first)).contains("v1"); // overlapped A's write: allowed
    assertThat(Harness.get(second))
        .as("a read that began after v2 was acknowledged")
        .contains("v2");
  }
}
