package dev.tandem;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.local.LocalTier;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Builds engines over a {@link MemoryStore} (one batch at a time, the default, as the
 * choreographies expect) and runs the two-thread choreographies of the race tests.
 */
final class Harness implements AutoCloseable {
  final MemoryStore<String, String> store = new MemoryStore<>();
  final WriteThroughCache<String, String> tandem;
  private final ExecutorService threads = Executors.newCachedThreadPool();

  Harness() {
    this(LocalTier.<String, String>builder().maximumSize(1_000).executor(Runnable::run).build());
  }

  Harness(LocalTier<String, String> tier) {
    this(tier, 0);
  }

  /**
   * With {@code batches} > 0, that many group-commit batches at once; 0 for Tandem's default. Tests
   * of what queues behind a held commit use 1: with more, a writer that arrives during the commit
   * leads a batch of its own instead of queueing.
   */
  Harness(LocalTier<String, String> tier, int batches) {
    Tandem.Builder<String, String> builder = Tandem.builder(store).cacheTier(tier);
    if (batches > 0) {
      builder.maxConcurrentBatches(batches);
    }
    tandem = (WriteThroughCache<String, String>) builder.build();
  }

  /** A harness whose Tandem commits one group-commit batch at a time. */
  static Harness oneBatchAtATime() {
    return new Harness(
        LocalTier.<String, String>builder().maximumSize(1_000).executor(Runnable::run).build(), 1);
  }

  <T> Future<T> async(java.util.concurrent.Callable<T> task) {
    return threads.submit(task);
  }

  /**
   * Makes the next load of {@code key} stop after it read the store, until the returned gate opens.
   */
  Gate pauseNextLoadOf(String key) {
    Gate gate = new Gate();
    store.afterLoadRead =
        k -> {
          if (k.equals(key) && gate.reached.getCount() > 0) {
            gate.reached.countDown();
            await(gate.release);
          }
        };
    return gate;
  }

  static final class Gate {
    final CountDownLatch reached = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    void awaitReached() {
      Harness.await(reached);
    }

    void open() {
      release.countDown();
    }
  }

  static void await(CountDownLatch latch) {
    try {
      assertThat(latch.await(30, TimeUnit.SECONDS)).as("latch reached within 30 s").isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Waits for a condition, failing with a thread dump after a deadline (never a fixed sleep). */
  static void awaitCondition(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        StringBuilder dump = new StringBuilder();
        Thread.getAllStackTraces()
            .forEach(
                (t, stack) -> {
                  dump.append(t).append('\n');
                  for (StackTraceElement e : stack) {
                    dump.append("    at ").append(e).append('\n');
                  }
                });
        throw new AssertionError("timed out waiting for " + what + "\n" + dump);
      }
      Thread.onSpinWait();
      Thread.yield();
    }
  }

  /**
   * Runs {@code call} on a new thread, interrupts it once it waits, and returns what it threw;
   * fails if it returned, or if it threw without keeping its interrupt status.
   */
  static Throwable failureWhenInterrupted(Runnable call) {
    java.util.concurrent.CompletableFuture<Throwable> outcome =
        new java.util.concurrent.CompletableFuture<>();
    Thread caller =
        new Thread(
            () -> {
              try {
                call.run();
                outcome.complete(new AssertionError("returned despite the interrupt"));
              } catch (RuntimeException e) {
                outcome.complete(
                    Thread.currentThread().isInterrupted()
                        ? e
                        : new AssertionError("interrupt status lost", e));
              }
            });
    caller.start();
    awaitCondition("the caller to wait", () -> caller.getState() == Thread.State.TIMED_WAITING);
    caller.interrupt();
    return get(outcome);
  }

  static <T> T get(Future<T> future) {
    try {
      return future.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Override
  public void close() {
    threads.shutdownNow();
    tandem.close();
  }
}
