package dev.tandem;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.local.LocalTier;
import dev.tandem.spi.Cached;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Regression (found by the multi-node torture test, seed 602, Redis tier): two writes of one key
 * that commit in the same group-commit batch were published one after the other, so the tier
 * briefly served the first, older value while the database already held the second; a read on
 * another node that had loaded the newer state could be followed by a hit on the older one. A batch
 * now publishes each key once, with its newest entry.
 */
class BatchPublishesNewestTest {

  private final MemoryStore<String, String> store = new MemoryStore<>();
  private final HookedTier<String, String> tier =
      new HookedTier<>(
          LocalTier.<String, String>builder().maximumSize(100).executor(Runnable::run).build());
  private final WriteThroughCache<String, String> tandem =
      (WriteThroughCache<String, String>)
          Tandem.builder(store)
              .cacheTier(tier)
              .maxConcurrentBatches(1) // the writes of k queue behind the held commit of "lead"
              .build();
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final CountDownLatch firstCommitReached = new CountDownLatch(1);
  private final CountDownLatch releaseFirstCommit = new CountDownLatch(1);

  @AfterEach
  void close() {
    releaseFirstCommit.countDown();
    threads.shutdownNow();
    tandem.close();
  }

  @Test
  void theTierNeverServesAnEntryOlderThanTheDatabaseAfterABatchOfOneKey() {
    List<String> older = new CopyOnWriteArrayList<>();
    tier.afterApply =
        (key, applied) -> {
          Cached<String> served = tier.getIfPresent(key);
          long committed = store.rows.get(key).version();
          if (served != null && served.version() < committed) {
            older.add(
                key + " served v" + served.version() + " while the database held v" + committed);
          }
        };
    store.beforeCommit =
        () -> {
          if (firstCommitReached.getCount() > 0) {
            firstCommitReached.countDown();
            Harness.await(releaseFirstCommit);
          }
        };
    Future<Long> leader = threads.submit(() -> tandem.put("lead", "0"));
    Harness.await(firstCommitReached);
    Future<Long> first = threads.submit(() -> tandem.put("k", "v1"));
    Harness.awaitCondition("the first write to queue", () -> tandem.queuedWrites() == 1);
    Future<Long> second = threads.submit(() -> tandem.put("k", "v2"));
    Harness.awaitCondition("the second write to queue", () -> tandem.queuedWrites() == 2);
    long commitsBefore = store.commits.get();
    releaseFirstCommit.countDown();

    Harness.get(leader);
    long v1 = Harness.get(first);
    long v2 = Harness.get(second);
    assertThat(v2).isGreaterThan(v1);
    assertThat(store.commits.get() - commitsBefore)
        .as("the two writes shared one commit")
        .isEqualTo(2);
    assertThat(older).as("entries older than the database, seen right after a publish").isEmpty();
    assertThat(tandem.getVersioned("k"))
        .hasValueSatisfying(v -> assertThat(v.version()).isEqualTo(v2));
  }
}
