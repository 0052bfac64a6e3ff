package dev.tandem;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Per-key locks: mutual exclusion per key, no deadlock across overlapping multi-key sets, no leak.
 */
class KeyLocksTest {

  private final KeyLocks<String> locks = new KeyLocks<>();

  private KeyLocks.Held exclusive(List<String> keys) {
    return lockWithin(keys, true, Duration.ofSeconds(30));
  }

  private KeyLocks.Held shared(List<String> keys) {
    return lockWithin(keys, false, Duration.ofSeconds(30));
  }

  private KeyLocks.@Nullable Held lockWithin(List<String> keys, boolean exclusive, Duration wait) {
    long deadline = System.nanoTime() + wait.toNanos();
    try {
      return exclusive ? locks.lockExclusive(keys, deadline) : locks.lockShared(keys, deadline);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * A writer waits for a key held by a transaction only until its deadline, then holds nothing:
   * before, it waited without bound, and every writer of the key queued behind it (issue 16, item
   * 2).
   */
  @Test
  void aLockerGivesUpAtItsDeadlineHoldingNothing() {
    try (KeyLocks.Held held = exclusive(List.of("b"))) {
      // another thread: the holder's own thread could take the read lock of its write lock
      java.util.concurrent.CompletableFuture<KeyLocks.@Nullable Held> other =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () -> lockWithin(List.of("a", "b", "c"), false, Duration.ofMillis(50)));
      assertThat(Harness.get(other)).isNull();
      assertThat(locks.size()).as("only the holder's key keeps a lock").isEqualTo(1);
      try (KeyLocks.Held a = exclusive(List.of("a"));
          KeyLocks.Held c = exclusive(List.of("c"))) {
        assertThat(locks.size()).isEqualTo(3); // a and c were released, not left locked
      }
    }
    assertThat(locks.size()).isZero();
  }

  /**
   * A writer waiting for a key can be interrupted; it then holds nothing and the key stays usable.
   */
  @Test
  void aWaitingLockerCanBeInterrupted() throws Exception {
    try (KeyLocks.Held held = exclusive(List.of("k"))) {
      java.util.concurrent.CompletableFuture<Throwable> outcome =
          new java.util.concurrent.CompletableFuture<>();
      Thread waiter =
          new Thread(
              () -> {
                try {
                  locks.lockShared(
                      List.of("k"), System.nanoTime() + Duration.ofMinutes(5).toNanos());
                  outcome.complete(null);
                } catch (InterruptedException e) {
                  outcome.complete(e);
                }
              });
      waiter.start();
      Harness.awaitCondition(
          "the waiter to park", () -> waiter.getState() == Thread.State.TIMED_WAITING);
      waiter.interrupt();
      assertThat(outcome.get(30, java.util.concurrent.TimeUnit.SECONDS))
          .isInstanceOf(InterruptedException.class);
    }
    assertThat(locks.size()).isZero();
  }

  @Test
  void locksAreDroppedWhenReleased() {
    try (KeyLocks.Held a = exclusive(List.of("a"));
        KeyLocks.Held ab = shared(List.of("b", "c", "b"))) {
      assertThat(locks.size()).isEqualTo(3);
    }
    assertThat(locks.size()).isZero();
  }

  @Test
  void sharedHoldersExcludeOnlyExclusiveLockers() {
    try (KeyLocks.Held first = shared(List.of("k"));
        KeyLocks.Held second = shared(List.of("k"))) {
      assertThat(locks.tryLockExclusive("k")).isNull();
    }
    KeyLocks.Held exclusive = locks.tryLockExclusive("k");
    assertThat(exclusive).isNotNull();
    exclusive.close();
    assertThat(locks.size()).isZero();
  }

  @Test
  void overlappingMultiKeyLockersNeitherDeadlockNorOverlap() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger maxInside = new AtomicInteger();
    List<List<String>> sets =
        List.of(List.of("a", "b"), List.of("b", "a"), List.of("b", "c"), List.of("c", "a"));
    try {
      List<Future<?>> futures = new java.util.ArrayList<>();
      for (List<String> set : sets) {
        futures.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 20_000; i++) {
                    try (KeyLocks.Held held = exclusive(set)) {
                      maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
                      inside.decrementAndGet();
                    }
                  }
                }));
      }
      for (Future<?> f : futures) {
        Harness.get(f);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(maxInside.get())
        .as("every pair of sets shares a key, so one holder at a time")
        .isEqualTo(1);
    assertThat(locks.size()).isZero();
  }
}
