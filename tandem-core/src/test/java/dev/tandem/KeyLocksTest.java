package dev.tandem;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Per-key locks: mutual exclusion per key, no deadlock across overlapping multi-key sets, no leak. */
class KeyLocksTest {

  private final KeyLocks<String> locks = new KeyLocks<>();

  @Test
  void locksAreDroppedWhenReleased() {
    try (KeyLocks.Held a = locks.lockExclusive(List.of("a")); KeyLocks.Held ab = locks.lockShared(List.of("b", "c", "b"))) {
      assertThat(locks.size()).isEqualTo(3);
    }
    assertThat(locks.size()).isZero();
  }

  @Test
  void sharedHoldersExcludeOnlyExclusiveLockers() {
    try (KeyLocks.Held first = locks.lockShared(List.of("k")); KeyLocks.Held second = locks.lockShared(List.of("k"))) {
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
    List<List<String>> sets = List.of(List.of("a", "b"), List.of("b", "a"), List.of("b", "c"), List.of("c", "a"));
    try {
      List<Future<?>> futures = new java.util.ArrayList<>();
      for (List<String> set : sets) {
        futures.add(pool.submit(() -> {
          for (int i = 0; i < 20_000; i++) {
            try (KeyLocks.Held held = locks.lockExclusive(set)) {
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
    assertThat(maxInside.get()).as("every pair of sets shares a key, so one holder at a time").isEqualTo(1);
    assertThat(locks.size()).isZero();
  }
}
