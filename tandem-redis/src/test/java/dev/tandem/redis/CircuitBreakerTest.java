package dev.tandem.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The circuit breaker on a fake clock. */
class CircuitBreakerTest {

  private final AtomicLong nanos = new AtomicLong();
  private final CircuitBreaker breaker =
      new CircuitBreaker(nanos::get, Duration.ofSeconds(1).toNanos(), "test");
  private final RedisException failure = new RedisException("down");

  @Test
  void opensAfterConsecutiveFailuresOnly() {
    breaker.failed(failure);
    breaker.failed(failure);
    breaker.succeeded(); // resets the count
    breaker.failed(failure);
    breaker.failed(failure);
    assertThat(breaker.isOpen()).isFalse();
    breaker.failed(failure);
    assertThat(breaker.isOpen()).isTrue();
    assertThat(breaker.allow()).isFalse();
  }

  @Test
  void letsOneProbeThroughAfterTheOpenTime() {
    open();
    nanos.addAndGet(Duration.ofMillis(999).toNanos());
    assertThat(breaker.allow()).isFalse();
    nanos.addAndGet(Duration.ofMillis(1).toNanos());
    assertThat(breaker.allow()).isTrue();
    assertThat(breaker.allow()).as("a second caller while the probe runs").isFalse();
    breaker.succeeded();
    assertThat(breaker.isOpen()).isFalse();
    assertThat(breaker.allow()).isTrue();
  }

  @Test
  void aFailedProbeKeepsItOpenForAnotherOpenTime() {
    open();
    nanos.addAndGet(Duration.ofSeconds(1).toNanos());
    assertThat(breaker.allow()).isTrue();
    breaker.failed(failure);
    assertThat(breaker.isOpen()).isTrue();
    assertThat(breaker.allow()).isFalse();
    nanos.addAndGet(Duration.ofSeconds(1).toNanos());
    assertThat(breaker.allow()).isTrue();
  }

  /** Each opening counts once: not the failures past the threshold, nor a failed probe. */
  @Test
  void countsEachOpeningOnce() {
    assertThat(breaker.opens()).isZero();
    open();
    breaker.failed(failure); // while open
    assertThat(breaker.opens()).isEqualTo(1);
    nanos.addAndGet(Duration.ofSeconds(1).toNanos());
    assertThat(breaker.allow()).isTrue();
    breaker.failed(failure); // a failed probe: still the same opening
    assertThat(breaker.opens()).isEqualTo(1);
    nanos.addAndGet(Duration.ofSeconds(1).toNanos());
    assertThat(breaker.allow()).isTrue();
    breaker.succeeded();
    open();
    assertThat(breaker.opens()).isEqualTo(2);
  }

  /** Callers failing at once from a closed circuit open it once: one count (and one warning). */
  @Test
  void concurrentFailuresCountOneOpening() throws Exception {
    long seed = seed();
    Random random = new Random(seed);
    for (int round = 0; round < 50; round++) {
      CircuitBreaker fresh =
          new CircuitBreaker(nanos::get, Duration.ofSeconds(1).toNanos(), "test");
      int threads = 2 + random.nextInt(7);
      List<Runnable> failing = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        failing.add(
            () -> {
              for (int i = 0; i < CircuitBreaker.THRESHOLD; i++) {
                fresh.failed(failure);
              }
            });
      }
      runTogether(failing);
      assertThat(fresh.isOpen()).isTrue();
      assertThat(fresh.opens())
          .as("round %d, %d threads (seed %d)", round, threads, seed)
          .isEqualTo(1);
    }
  }

  /**
   * A probe's success racing failures of other callers: the close starts a fresh count, so fewer
   * failures than the threshold after it leave the circuit closed, whichever way they interleave
   * with the close (a failure counted against the old count would reopen it at once).
   */
  @Test
  void theCloseStartsAFreshCount() throws Exception {
    long seed = seed();
    Random random = new Random(seed);
    for (int round = 0; round < 2_000; round++) {
      CircuitBreaker fresh =
          new CircuitBreaker(nanos::get, Duration.ofSeconds(1).toNanos(), "test");
      for (int i = 0; i < CircuitBreaker.THRESHOLD; i++) {
        fresh.failed(failure);
      }
      int failing = 1 + random.nextInt(CircuitBreaker.THRESHOLD - 1);
      List<Runnable> calls = new ArrayList<>();
      calls.add(fresh::succeeded);
      for (int t = 0; t < failing; t++) {
        calls.add(() -> fresh.failed(failure));
      }
      runTogether(calls);
      assertThat(fresh.isOpen())
          .as("round %d, %d failing (seed %d)", round, failing, seed)
          .isFalse();
      assertThat(fresh.opens()).isEqualTo(1);
    }
  }

  /** Returns the seed of a randomized test, printed; replay one with {@code -Dtandem.seed=N}. */
  private static long seed() {
    long seed = Long.getLong("tandem.seed", System.nanoTime());
    System.out.println("CircuitBreakerTest seed=" + seed);
    return seed;
  }

  /** Runs each call on a thread of its own, all released at once, and waits for them. */
  private static void runTogether(List<Runnable> calls) throws InterruptedException {
    CyclicBarrier start = new CyclicBarrier(calls.size());
    List<Thread> threads = new ArrayList<>();
    for (Runnable call : calls) {
      Thread thread =
          new Thread(
              () -> {
                try {
                  start.await();
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
                call.run();
              });
      threads.add(thread);
      thread.start();
    }
    for (Thread thread : threads) {
      thread.join();
    }
  }

  private void open() {
    for (int i = 0; i < CircuitBreaker.THRESHOLD; i++) {
      breaker.failed(failure);
    }
    assertThat(breaker.isOpen()).isTrue();
  }
}
