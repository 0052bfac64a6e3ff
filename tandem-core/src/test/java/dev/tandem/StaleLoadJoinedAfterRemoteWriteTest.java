package dev.tandem;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.local.LocalTier;
import java.util.Optional;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Regression (found by the Redis tier's two-node tests, race H8): node B starts a database load and
 * reads v1; node A writes v2, publishes it to the shared tier and returns; the entry is evicted; a
 * read that starts on B only now misses and joins B's load, which is still running, and returned
 * v1, older than a write that had returned before it began. A write on A cannot drop B's loads, so
 * a joiner may take a load's result only if the tier accepted its fill under a still-valid lease
 * (no write was published since the load began); otherwise it reads again.
 *
 * <p>Two engines over one tier object and one store are two nodes sharing a cache tier.
 */
@Tag("race")
class StaleLoadJoinedAfterRemoteWriteTest {

  private final MemoryStore<String, String> store = new MemoryStore<>();
  private final LocalTier<String, String> shared =
      LocalTier.<String, String>builder().maximumSize(100).executor(Runnable::run).build();
  private final WriteThroughCache<String, String> nodeA =
      (WriteThroughCache<String, String>) Tandem.builder(store).cacheTier(shared).build();
  private final WriteThroughCache<String, String> nodeB =
      (WriteThroughCache<String, String>) Tandem.builder(store).cacheTier(shared).build();
  private final java.util.concurrent.ExecutorService threads =
      java.util.concurrent.Executors.newCachedThreadPool();

  @AfterEach
  void close() {
    threads.shutdownNow();
  }

  @Test
  void readThatBeginsAfterARemoteWriteNeverGetsTheOlderLoad() throws Exception {
    nodeA.put("k", "v1");
    shared.invalidate("k");
    java.util.concurrent.CountDownLatch reached = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    store.afterLoadRead =
        key -> {
          if (reached.getCount() > 0) {
            reached.countDown();
            Harness.await(release);
          }
        };
    Future<Optional<String>> first = threads.submit(() -> nodeB.get("k"));
    Harness.await(reached); // B's load has read v1

    nodeA.put("k", "v2"); // acknowledged on A
    shared.invalidate("k"); // and evicted before B reads again

    Future<Optional<String>> second =
        threads.submit(() -> nodeB.get("k")); // begins after A's put returned
    Harness.awaitCondition(
        "the second read to join B's load",
        () -> nodeB.flight("k") != null && nodeB.flight("k").getNumberOfDependents() == 1);
    release.countDown();

    assertThat(Harness.get(first)).contains("v1"); // overlapped A's write: allowed
    assertThat(Harness.get(second))
        .as("a read that began after v2 was acknowledged")
        .contains("v2");
    assertThat(nodeB.get("k")).contains("v2");
  }
}
