package dev.tandem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.spi.Mutation;
import dev.tandem.spi.Written;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The group committer alone, with a batch runner that the test controls. */
class GroupCommitterTest {

  /**
   * Completes every request of a batch as committed at version 7, as a runner does after its
   * commit.
   */
  private static <K> void commitAll(List<WriteRequest<K, String, ?>> batch) {
    batch.forEach(
        r -> {
          r.stageWritten(r.keys.stream().map(k -> new Written(7, false)).toList());
          r.succeed();
        });
  }

  private static WriteRequest<String, String, Long> put(String key) {
    return put(key, Duration.ofSeconds(30));
  }

  private static WriteRequest<String, String, Long> put(String key, Duration wait) {
    return WriteRequest.mutations(
        "put",
        List.of(key),
        List.of(new Mutation.Put<>(key, "v")),
        written -> 1L,
        System.nanoTime() + wait.toNanos());
  }

  /**
   * A leader whose own request sits behind another writer's (more queued than one batch holds)
   * meets an {@link Error} in that writer's batch: it fails that batch's requests with the error as
   * the cause and goes on leading until its own request is done. Before, it threw the error and
   * left its request queued: its caller saw a failure for a write that later committed, and the
   * writers parked behind that request were never woken.
   */
  @Test
  void aLeaderGoesOnLeadingPastAnErrorInAnotherWritersBatch() {
    List<List<String>> batches = new ArrayList<>();
    GroupCommitter<String, String> committer =
        new GroupCommitter<>(
            1,
            1,
            0,
            Duration.ofSeconds(30),
            batch -> {
              batches.add(batch.stream().map(r -> r.keys.get(0)).toList());
              if (batch.get(0).keys.contains("other")) {
                throw new AssertionError("driver assertion (injected)");
              }
              commitAll(batch);
            });
    WriteRequest<String, String, Long> other = put("other");
    committer.enqueue(other); // queued, its writer not yet trying to lead

    long version = committer.submit(put("own"));

    assertThat(version).isEqualTo(1L);
    assertThat(batches).containsExactly(List.of("other"), List.of("own"));
    assertThat(other.isDone()).isTrue();
    assertThat(committer.queued()).isZero();
    assertThatThrownBy(other::join)
        .isInstanceOf(StoreException.class)
        .cause()
        .isInstanceOf(AssertionError.class);
  }

  /**
   * A runner that records the keys of each batch and blocks the batch of {@code "first"} until
   * released.
   */
  private static final class BlockingRunner
      implements java.util.function.Consumer<List<WriteRequest<String, String, ?>>> {
    final List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
    final CountDownLatch running = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @Override
    public void accept(List<WriteRequest<String, String, ?>> batch) {
      batch.forEach(r -> seen.add(r.keys.get(0)));
      if (batch.get(0).keys.contains("first")) {
        running.countDown();
        Harness.await(release);
      }
      commitAll(batch);
    }
  }

  /**
   * A writer queued behind a commit that does not end gives up at its deadline with nothing
   * written, and the leader never runs it. Before, it waited as long as the commit ahead of it
   * (issue 16, item 2).
   */
  @Test
  void aQueuedWriterGivesUpAtItsDeadline() throws Exception {
    BlockingRunner runner = new BlockingRunner();
    GroupCommitter<String, String> committer =
        new GroupCommitter<>(8, 1, 0, Duration.ofMillis(100), runner);
    ExecutorService threads = Executors.newCachedThreadPool();
    try {
      Future<Long> first = threads.submit(() -> committer.submit(put("first")));
      Harness.await(runner.running);

      assertThatThrownBy(() -> committer.submit(put("second", Duration.ofMillis(100))))
          .isInstanceOf(WriteCancelledException.class)
          .hasMessage(
              "put of key second did not reach the database within the write timeout of PT0.1S; "
                  + "nothing was written");

      runner.release.countDown();
      assertThat(Harness.get(first)).isEqualTo(1L);
      assertThat(runner.seen).containsExactly("first");
      assertThat(committer.queued()).isZero();
    } finally {
      threads.shutdownNow();
    }
  }

  /**
   * A writer queued behind a commit can be interrupted: it fails at once, its interrupt status set.
   */
  @Test
  void aQueuedWriterCanBeInterrupted() throws Exception {
    BlockingRunner runner = new BlockingRunner();
    GroupCommitter<String, String> committer =
        new GroupCommitter<>(8, 1, 0, Duration.ofMinutes(5), runner);
    ExecutorService threads = Executors.newCachedThreadPool();
    try {
      Future<Long> first = threads.submit(() -> committer.submit(put("first")));
      Harness.await(runner.running);
      Throwable failure =
          Harness.failureWhenInterrupted(
              () -> committer.submit(put("second", Duration.ofMinutes(5))));

      assertThat(failure)
          .isInstanceOf(WriteCancelledException.class)
          .hasMessage(
              "put of key second was interrupted before it reached the database; nothing was written");
      runner.release.countDown();
      Harness.get(first);
      assertThat(runner.seen).containsExactly("first");
    } finally {
      threads.shutdownNow();
    }
  }

  /** A leader fails the queued requests whose deadline passed instead of committing them. */
  @Test
  void aLeaderDoesNotCommitExpiredRequests() {
    BlockingRunner runner = new BlockingRunner();
    GroupCommitter<String, String> committer =
        new GroupCommitter<>(8, 1, 0, Duration.ofMillis(1), runner);
    WriteRequest<String, String, Long> expired = put("expired", Duration.ofNanos(-1));
    committer.enqueue(expired);

    committer.submit(put("own"));

    assertThat(runner.seen).containsExactly("own");
    assertThatThrownBy(expired::join).isInstanceOf(WriteCancelledException.class);
  }

  /** Returns a put of several keys. */
  private static WriteRequest<String, String, Long> put(String key, String... more) {
    List<String> keys = new ArrayList<>(List.of(key));
    keys.addAll(List.of(more));
    List<Mutation<String, String>> puts =
        keys.stream().<Mutation<String, String>>map(k -> new Mutation.Put<>(k, "v")).toList();
    return WriteRequest.mutations(
        "put", keys, puts, written -> 1L, System.nanoTime() + Duration.ofSeconds(30).toNanos());
  }

  /**
   * Batches of disjoint keys commit at once: a second writer does not wait for a commit that holds
   * other keys.
   */
  @Test
  void batchesOfOtherKeysCommitWhileOneIsHeld() {
    BlockingRunner runner = new BlockingRunner();
    GroupCommitter<String, String> committer =
        new GroupCommitter<>(8, 2, 0, Duration.ofSeconds(30), runner);
    ExecutorService threads = Executors.newCachedThreadPool();
    try {
      Future<Long> first = threads.submit(() -> committer.submit(put("first")));
      Harness.await(runner.running);

      assertThat(committer.submit(put("second"))).as("committed while first is held").isEqualTo(1L);

      runner.release.countDown();
      Harness.get(first);
      assertThat(runner.seen).containsExactly("first", "second");
    } finally {
      threads.shutdownNow();
    }
  }

  /**
   * A write of a key in flight waits for that batch to publish, and so does every later write that
   * shares a key with it; writes of other keys behind it go ahead.
   */
  @Test
  void aKeyInFlightHoldsBackItsLaterWritesOnly() {
    BlockingRunner runner = new BlockingRunner();
    GroupCommitter<String, String> committer =
        new GroupCommitter<>(8, 2, 0, Duration.ofSeconds(30), runner);
    ExecutorService threads = Executors.newCachedThreadPool();
    try {
      Future<Long> first = threads.submit(() -> committer.submit(put("first")));
      Harness.await(runner.running);
      WriteRequest<String, String, Long> again = put("first");
      WriteRequest<String, String, Long> sharing = put("j", "first");
      committer.enqueue(again);
      committer.enqueue(sharing);

      assertThat(committer.submit(put("j2"))).isEqualTo(1L);
      assertThat(runner.seen).containsExactly("first", "j2");
      assertThat(again.isDone()).isFalse();
      assertThat(sharing.isDone()).as("shares a key with a write passed over").isFalse();

      runner.release.countDown();
      Harness.get(first);
      assertThat(committer.submit(put("last"))).isEqualTo(1L); // leads what waited, then its own
      assertThat(again.isDone()).isTrue();
      assertThat(sharing.isDone()).isTrue();
      assertThat(runner.seen).containsExactly("first", "j2", "first", "j", "last");
    } finally {
      threads.shutdownNow();
    }
  }

  /**
   * Many writers of random overlapping key sets: no two batches in flight ever share a key, and
   * every write completes. Prints its seed; replay with -Dtandem.seed=N.
   */
  @Test
  void batchesInFlightNeverShareAKey() throws Exception {
    long seed = Long.getLong("tandem.seed", System.nanoTime());
    System.out.println("batchesInFlightNeverShareAKey seed: " + seed);
    java.util.Set<String> running = java.util.concurrent.ConcurrentHashMap.newKeySet();
    java.util.concurrent.atomic.AtomicInteger overlaps =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger parallel =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger maxParallel =
        new java.util.concurrent.atomic.AtomicInteger();
    GroupCommitter<String, String> committer =
        new GroupCommitter<>(
            4,
            3,
            0,
            Duration.ofSeconds(30),
            batch -> {
              maxParallel.accumulateAndGet(parallel.incrementAndGet(), Math::max);
              java.util.Set<String> keys = new java.util.HashSet<>();
              batch.forEach(r -> keys.addAll(r.keys));
              for (String key : keys) {
                if (!running.add(key)) {
                  overlaps.incrementAndGet();
                }
              }
              Thread.yield();
              running.removeAll(keys);
              parallel.decrementAndGet();
              commitAll(batch);
            });
    ExecutorService threads = Executors.newFixedThreadPool(8);
    try {
      List<Future<Long>> writes = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        java.util.Random random = new java.util.Random(seed + t);
        writes.add(
            threads.submit(
                () -> {
                  long done = 0;
                  for (int i = 0; i < 500; i++) {
                    String a = "k" + random.nextInt(12);
                    String b = "k" + random.nextInt(12);
                    done +=
                        random.nextBoolean() || a.equals(b)
                            ? committer.submit(put(a))
                            : committer.submit(put(a, b));
                  }
                  return done;
                }));
      }
      for (Future<Long> w : writes) {
        assertThat(Harness.get(w)).isEqualTo(500L);
      }
    } finally {
      threads.shutdownNow();
    }
    assertThat(overlaps.get()).as("seed " + seed).isZero();
    assertThat(committer.queued()).isZero();
    System.out.println("batches in flight at once, at most: " + maxParallel.get());
  }

  /**
   * A leader whose own request expired while it scanned leaves waking the next writer: nothing else
   * may be in flight to do it. Before, it left as an idle leader, and a writer that had queued
   * during its scan (and found the lead taken) waited out its whole deadline on a healthy database
   * (found by review).
   */
  @Test
  void aLeaderWhoseOwnRequestExpiredWakesTheNextWriter() throws Exception {
    List<String> seen = java.util.Collections.synchronizedList(new ArrayList<>());
    GroupCommitter<String, String> committer =
        new GroupCommitter<>(
            8,
            1,
            0,
            Duration.ofSeconds(30),
            batch -> {
              batch.forEach(r -> seen.add(r.keys.get(0)));
              commitAll(batch);
            });
    ExecutorService threads = Executors.newCachedThreadPool();
    try {
      java.util.concurrent.atomic.AtomicReference<Future<Long>> late =
          new java.util.concurrent.atomic.AtomicReference<>();
      committer.afterIdleScan =
          () -> { // a writer arrives now, while the lead is still taken
            committer.afterIdleScan = () -> {};
            Future<Long> w = threads.submit(() -> committer.submit(put("late")));
            late.set(w);
            Harness.awaitCondition(
                "the late writer to queue and wait", () -> committer.queued() == 1);
          };
      assertThatThrownBy(() -> committer.submit(put("expired", Duration.ofNanos(-1))))
          .isInstanceOf(WriteCancelledException.class);

      assertThat(Harness.get(late.get()))
          .as("woken and committed, not left to its deadline")
          .isEqualTo(1L);
      assertThat(seen).containsExactly("late");
    } finally {
      threads.shutdownNow();
    }
  }

  /**
   * A key whose hashCode throws while a batch forms: what was taken fails, nothing stays queued or
   * in flight.
   */
  @Test
  void aThrowWhileFormingFailsWhatWasTakenAndLeavesNothingBehind() {
    List<Object> run = java.util.Collections.synchronizedList(new ArrayList<>());
    GroupCommitter<Object, String> committer =
        new GroupCommitter<>(
            8,
            1,
            0,
            Duration.ofSeconds(30),
            batch -> {
              batch.forEach(r -> run.addAll(r.keys));
              commitAll(batch);
            });
    Object poisoned =
        new Object() {
          @Override
          public int hashCode() {
            throw new IllegalStateException("hashCode (injected)");
          }

          @Override
          public String toString() {
            return "poisoned";
          }
        };
    WriteRequest<Object, String, Long> bad =
        WriteRequest.mutations(
            "put",
            List.of(poisoned),
            List.of(new Mutation.Put<>(poisoned, "v")),
            written -> 1L,
            System.nanoTime() + Duration.ofSeconds(30).toNanos());
    assertThatThrownBy(() -> committer.submit(bad))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("hashCode (injected)");
    assertThat(bad.isDone()).isTrue();
    assertThatThrownBy(bad::join).as("failed as not committed").isInstanceOf(StoreException.class);
    assertThat(committer.queued()).isZero();
    WriteRequest<Object, String, Long> good =
        WriteRequest.mutations(
            "put",
            List.of("k"),
            List.of(new Mutation.Put<>("k", "v")),
            written -> 1L,
            System.nanoTime() + Duration.ofSeconds(30).toNanos());
    assertThat(committer.submit(good)).isEqualTo(1L);
    assertThat(run)
        .as("the poisoned request was never run, and the lead was given back")
        .containsExactly("k");
  }
}
