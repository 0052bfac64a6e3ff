package dev.tandem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.MemoryStore.CommitFault;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Group commit: writers that arrive while a commit is in flight share the next transaction; one bad
 * write fails alone; passing failures are retried; an unknown outcome is never retried.
 */
class GroupCommitTest {

  /** One batch at a time: writers that arrive during a held commit queue behind it. */
  private final Harness h = Harness.oneBatchAtATime();

  private final CountDownLatch firstCommitReached = new CountDownLatch(1);
  private final CountDownLatch releaseFirstCommit = new CountDownLatch(1);
  private final CountDownLatch secondCommitReached = new CountDownLatch(1);
  private final CountDownLatch releaseSecondCommit = new CountDownLatch(1);

  @AfterEach
  void close() {
    releaseFirstCommit.countDown();
    releaseSecondCommit.countDown();
    h.close();
  }

  /**
   * Tandem's default is two batches at once: a write of another key does not wait for a commit in
   * flight. With one batch at a time, where commits are cheap, a single leader ran every
   * transaction and the embedded database's writes used one core (docs/benchmarks.md).
   */
  @Test
  void byDefaultAWriteOfAnotherKeyCommitsWhileACommitIsHeld() {
    try (Harness two = new Harness()) {
      two.store.beforeCommit =
          () -> {
            if (firstCommitReached.getCount() > 0) {
              firstCommitReached.countDown();
              Harness.await(releaseFirstCommit);
            }
          };
      Future<Long> held = two.async(() -> two.tandem.put("a", "1"));
      Harness.await(firstCommitReached);

      Future<Long> other = two.async(() -> two.tandem.put("b", "2"));
      assertThat(Harness.get(other)).as("committed while a's commit is held").isPositive();
      assertThat(held).isNotDone();
      releaseFirstCommit.countDown();
      assertThat(Harness.get(held)).isPositive();
    }
  }

  /** Holds the first writing commit open until the test releases it. */
  private void holdFirstCommit() {
    h.store.beforeCommit =
        () -> {
          if (firstCommitReached.getCount() > 0) {
            firstCommitReached.countDown();
            Harness.await(releaseFirstCommit);
          }
        };
  }

  /**
   * Starts a put of key "lead" that holds the first commit, then {@code others} puts that must
   * queue behind it.
   */
  private List<Future<Long>> queueBehindHeldCommit(List<String> values) {
    holdFirstCommit();
    Future<Long> leader = h.async(() -> h.tandem.put("lead", "0"));
    Harness.await(firstCommitReached);
    List<Future<Long>> others = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      String key = "k" + i;
      String value = values.get(i);
      others.add(h.async(() -> h.tandem.put(key, value)));
    }
    Harness.awaitCondition(
        values.size() + " writes to queue", () -> h.tandem.queuedWrites() == values.size());
    releaseFirstCommit.countDown();
    assertThat(Harness.get(leader)).isPositive();
    return others;
  }

  /**
   * Starts a put of key "lead", whose commit the test's {@code beforeCommit} hook holds until
   * {@link #releaseFirstCommit}, queues puts a=1 and b=2 behind it, releases it and returns the
   * two.
   */
  private List<Future<Long>> queueTwoBehindTheFirstCommit() {
    Future<Long> leader = h.async(() -> h.tandem.put("lead", "0"));
    Harness.await(firstCommitReached);
    Future<Long> a = h.async(() -> h.tandem.put("a", "1"));
    Future<Long> b = h.async(() -> h.tandem.put("b", "2"));
    Harness.awaitCondition("two writes to queue", () -> h.tandem.queuedWrites() == 2);
    releaseFirstCommit.countDown();
    Harness.get(leader);
    return List.of(a, b);
  }

  @Test
  void writersArrivingDuringACommitShareTheNextOne() {
    List<Future<Long>> queued =
        queueBehindHeldCommit(List.of("a", "b", "c", "d", "e", "f", "g", "h"));
    for (Future<Long> f : queued) {
      assertThat(Harness.get(f)).isPositive();
    }
    assertThat(h.store.commits.get())
        .as("one commit for the leader, one for the eight that queued")
        .isEqualTo(2);
    for (int i = 0; i < 8; i++) {
      assertThat(h.tandem.getIfCached("k" + i)).contains(String.valueOf((char) ('a' + i)));
      assertThat(h.store.rows.get("k" + i).value()).isEqualTo(String.valueOf((char) ('a' + i)));
    }
    assertThat(h.tandem.stats().writeCount()).isEqualTo(9);
  }

  @Test
  void oneBadWriteInABusyBatchFailsAloneAndTheOthersCommit() throws Exception {
    h.store.rejects = v -> v.equals("unencodable");
    h.store.failsStatement = v -> v.equals("violates-check");
    List<Future<Long>> queued =
        queueBehindHeldCommit(List.of("a", "unencodable", "b", "violates-check", "c"));

    assertThat(Harness.get(queued.get(0))).isPositive();
    assertThat(failureOf(queued.get(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key k1")
        .hasMessageContaining("unencodable");
    assertThat(Harness.get(queued.get(2))).isPositive();
    assertThat(failureOf(queued.get(3)))
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("put of key k3 failed")
        .hasMessageContaining("check constraint violated");
    assertThat(Harness.get(queued.get(4))).isPositive();

    assertThat(h.store.rows).containsKeys("lead", "k0", "k2", "k4").doesNotContainKeys("k1", "k3");
    assertThat(h.tandem.get("k3")).isEmpty();
    assertThat(h.tandem.stats().writeFailureCount()).isEqualTo(2);
  }

  @Test
  void unknownOutcomeFailsTheWholeBatchAndIsNeverRetried() throws Exception {
    h.store.beforeCommit =
        () -> {
          if (firstCommitReached.getCount() > 0) {
            firstCommitReached.countDown();
            Harness.await(releaseFirstCommit);
          } else {
            h.store.failNextCommit(CommitFault.AMBIGUOUS_APPLIED);
          }
        };
    List<Future<Long>> queued = queueTwoBehindTheFirstCommit();
    Future<Long> a = queued.get(0);
    Future<Long> b = queued.get(1);

    assertThat(failureOf(a))
        .isInstanceOf(CommitOutcomeUnknownException.class)
        .hasMessageContaining("key a");
    assertThat(failureOf(b))
        .isInstanceOf(CommitOutcomeUnknownException.class)
        .hasMessageContaining("key b");
    assertThat(h.store.commits.get()).isEqualTo(2);
    assertThat(h.tandem.get("a")).contains("1"); // it did apply, and the cache learned it
    assertThat(h.tandem.get("b")).contains("2");
  }

  /**
   * A store that throws an {@link Error} (pgjdbc 42.7.8's assertion when its connection is cut
   * during a batch, with {@code -ea}) fails its batch with an unknown outcome, the error as the
   * cause, and the writer queued behind that batch is still woken and committed. Found by the
   * torture test: the leader left by the error without waking the next writer, and every writer
   * queued after it waited forever.
   */
  @Test
  void anErrorInABatchFailsItAndTheWriterQueuedBehindItStillCommits() throws Exception {
    AtomicInteger writingCommits = new AtomicInteger();
    h.store.beforeCommit =
        () -> {
          int n = writingCommits.incrementAndGet();
          if (n == 1) {
            firstCommitReached.countDown();
            Harness.await(releaseFirstCommit);
          } else if (n == 2) {
            secondCommitReached.countDown();
            Harness.await(releaseSecondCommit);
            throw new AssertionError("driver assertion (injected)");
          }
        };
    List<Future<Long>> queued = queueTwoBehindTheFirstCommit();
    Future<Long> a = queued.get(0);
    Future<Long> b = queued.get(1);
    Harness.await(secondCommitReached); // a's and b's batch, held open
    FutureTask<Long> c = new FutureTask<>(() -> h.tandem.put("c", "3"));
    Thread writerC = new Thread(c, "writer-c");
    writerC.setDaemon(true);
    writerC.start();
    Harness.awaitCondition(
        "c to queue and park behind the batch",
        () -> h.tandem.queuedWrites() == 1 && writerC.getState() == Thread.State.TIMED_WAITING);
    releaseSecondCommit.countDown();

    assertThat(Harness.get(c)).as("the writer queued behind the failed batch commits").isPositive();
    for (Future<Long> writer : List.of(a, b)) { // the leader's caller as well as the other
      assertThat(failureOf(writer))
          .as("outcome unknown, and why")
          .isInstanceOf(CommitOutcomeUnknownException.class)
          .cause()
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("injected");
    }
    assertThat(h.tandem.stats().outcomeUnknownCount()).isEqualTo(2);
    assertThat(h.tandem.get("a")).isEmpty(); // the error came before the rows were applied
    assertThat(h.tandem.get("c")).contains("3");
    assertThat(h.tandem.put("d", "4")).isPositive();
  }

  /**
   * An error thrown after the commit applied: the engine cannot know the outcome, so it must not
   * leave the old value cached (the local tier keeps serving a key's value while its write is in
   * flight, until the write publishes or is abandoned).
   */
  @Test
  void anErrorAfterTheCommitAppliedLeavesNoStaleValueCached() {
    h.tandem.put("k", "old");
    assertThat(h.tandem.get("k")).contains("old");
    assertThat(h.tandem.getIfCached("k")).contains("old");
    AtomicBoolean once = new AtomicBoolean(true);
    h.store.afterCommit =
        () -> {
          if (once.getAndSet(false)) {
            throw new AssertionError("driver assertion after the commit (injected)");
          }
        };
    assertThatThrownBy(() -> h.tandem.put("k", "new"))
        .isInstanceOf(CommitOutcomeUnknownException.class)
        .cause()
        .isInstanceOf(AssertionError.class);

    assertThat(h.store.rows.get("k").value()).isEqualTo("new");
    assertThat(h.tandem.getIfCached("k")).as("read back after the unknown outcome").contains("new");
    assertThat(h.tandem.get("k")).contains("new");
    assertThat(h.tandem.stats().outcomeUnknownCount()).isEqualTo(1);
  }

  /**
   * The same through {@code transaction}: an error from its commit leaves no stale value cached.
   */
  @Test
  void anErrorAfterATransactionsCommitLeavesNoStaleValueCached() {
    h.tandem.put("k", "old");
    assertThat(h.tandem.get("k")).contains("old");
    AtomicBoolean once = new AtomicBoolean(true);
    h.store.afterCommit =
        () -> {
          if (once.getAndSet(false)) {
            throw new AssertionError("driver assertion after the commit (injected)");
          }
        };
    assertThatThrownBy(
            () ->
                h.tandem.transaction(
                    tx -> {
                      tx.put("k", "new");
                      return null;
                    }))
        .isInstanceOf(AssertionError.class);

    assertThat(h.store.rows.get("k").value()).isEqualTo("new");
    assertThat(h.tandem.get("k")).contains("new");
    assertThat(h.tandem.stats().outcomeUnknownCount()).isEqualTo(1);
  }

  @Test
  void passingFailuresAreRetried() {
    h.store.retryableBegins.set(2);
    assertThat(h.tandem.put("k", "v")).isPositive();
    assertThat(h.tandem.stats().retryCount()).isEqualTo(2);
    assertThat(h.tandem.get("k")).contains("v");
  }

  @Test
  void retriesAreBoundedByThePolicy() {
    try (Tandem<String, String> noRetry =
        Tandem.builder(h.store).retryPolicy(RetryPolicy.NONE).maxConcurrentBatches(1).build()) {
      h.store.retryableBegins.set(1);
      assertThatThrownBy(() -> noRetry.put("k", "v"))
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("serialization failure");
      assertThat(noRetry.stats().retryCount()).isZero();
      assertThat(h.store.rows).doesNotContainKey("k");
    }
  }

  @Test
  void retryPolicyBackoffIsCappedAndValidated() {
    RetryPolicy policy =
        new RetryPolicy(10, java.time.Duration.ofMillis(2), java.time.Duration.ofMillis(50));
    assertThat(policy.ceiling(1)).isEqualTo(java.time.Duration.ofMillis(2));
    assertThat(policy.ceiling(3)).isEqualTo(java.time.Duration.ofMillis(8));
    assertThat(policy.ceiling(10)).isEqualTo(java.time.Duration.ofMillis(50));
    assertThat(policy.ceiling(200)).isEqualTo(java.time.Duration.ofMillis(50));
    assertThatThrownBy(() -> new RetryPolicy(-1, java.time.Duration.ZERO, java.time.Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                new RetryPolicy(
                    1, java.time.Duration.ofSeconds(2), java.time.Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** Writes of one hot key share a batch and are applied in queue order (not one commit each). */
  @Test
  void writesOfOneKeyShareABatchInQueueOrder() {
    holdFirstCommit();
    Future<Long> leader = h.async(() -> h.tandem.put("lead", "0"));
    Harness.await(firstCommitReached);
    List<Future<Long>> writes = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      String value = Integer.toString(i);
      writes.add(h.async(() -> h.tandem.put("k", value)));
      int queued = i;
      Harness.awaitCondition("write " + i + " to queue", () -> h.tandem.queuedWrites() == queued);
    }
    Future<java.util.Optional<String>> update = h.async(() -> h.tandem.update("k", v -> v + "!"));
    Harness.awaitCondition("the update to queue", () -> h.tandem.queuedWrites() == 6);
    releaseFirstCommit.countDown();
    Harness.get(leader);

    long previous = 0;
    for (Future<Long> f : writes) {
      long version = Harness.get(f);
      assertThat(version).as("versions follow queue order").isGreaterThan(previous);
      previous = version;
    }
    String last = Harness.get(update).orElseThrow();
    assertThat(h.store.commits.get()).as("the leader's commit, then one for all six").isEqualTo(2);
    assertThat(h.store.rows.get("k").value()).isEqualTo(h.tandem.get("k").orElseThrow());
    assertThat(h.tandem.getIfCached("k")).contains(h.store.rows.get("k").value());
    assertThat(last).as("the update was queued last: it saw the fifth put").isEqualTo("5!");
  }

  @Test
  void builderValidatesBatchSettings() {
    assertThatThrownBy(() -> Tandem.builder(h.store).maxBatchSize(0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Tandem.builder(h.store).maxBatchSize(2).maxBatchSize(3))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("max batch size was already set to 2");
    assertThatThrownBy(() -> Tandem.builder(h.store).maxBatchWait(java.time.Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                Tandem.builder(h.store)
                    .retryPolicy(RetryPolicy.NONE)
                    .retryPolicy(RetryPolicy.DEFAULT))
        .isInstanceOf(IllegalStateException.class);
  }

  /**
   * An {@link Error} thrown by one caller's update function fails that caller alone, with the error
   * itself; the writer that shares its batch commits. Before, the error ended the whole batch as of
   * unknown outcome: innocent writers got {@link CommitOutcomeUnknownException} although nothing
   * had committed (issue 16, item 3).
   */
  @Test
  void anErrorFromOneCallersFunctionFailsThatCallerAlone() throws Exception {
    h.tandem.put("u", "0");
    holdFirstCommit();
    Future<Long> leader = h.async(() -> h.tandem.put("lead", "0"));
    Harness.await(firstCommitReached);
    Future<java.util.Optional<String>> bad =
        h.async(
            () ->
                h.tandem.update(
                    "u",
                    v -> {
                      throw new AssertionError("the caller's own error");
                    }));
    Future<Long> b = h.async(() -> h.tandem.put("b", "2"));
    Harness.awaitCondition("two writes to queue", () -> h.tandem.queuedWrites() == 2);
    releaseFirstCommit.countDown();
    Harness.get(leader);

    assertThat(failureOf(bad))
        .isInstanceOf(AssertionError.class)
        .hasMessage("the caller's own error");
    assertThat(Harness.get(b)).isPositive();
    assertThat(h.store.rows.get("b").value()).isEqualTo("2");
    assertThat(h.store.rows.get("u").value()).isEqualTo("0");
    assertThat(h.tandem.stats().outcomeUnknownCount()).isZero();
    assertThat(h.tandem.get("u")).contains("0");
  }

  private static Throwable failureOf(Future<?> future) throws InterruptedException {
    try {
      future.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("timed out", e);
    }
    throw new AssertionError("expected a failure");
  }
}
