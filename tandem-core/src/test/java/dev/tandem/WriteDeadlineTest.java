package dev.tandem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.local.LocalTier;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every write waits for its turn only until its deadline, and can be interrupted while it waits.
 * Before, a write of a key held by a transaction that did not end waited as long as that
 * transaction, uninterruptibly, and the writers queued behind it with it (issue 16, item 2).
 */
class WriteDeadlineTest {

  private final MemoryStore<String, String> store = new MemoryStore<>();
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final CountDownLatch holding = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void close() {
    release.countDown();
    threads.shutdownNow();
  }

  private HookedTier<String, String> tier() {
    return new HookedTier<>(
        LocalTier.<String, String>builder().maximumSize(100).executor(Runnable::run).build());
  }

  /**
   * Starts a transaction that writes {@code key} and then holds its lock until {@link #release}.
   */
  private Future<Object> holdInTransaction(Tandem<String, String> tandem, String key) {
    Future<Object> transaction =
        threads.submit(
            () ->
                tandem.transaction(
                    tx -> {
                      tx.put(key, "held");
                      holding.countDown();
                      Harness.await(release);
                      return null;
                    }));
    Harness.await(holding);
    return transaction;
  }

  @Test
  void aWriteBehindAHeldKeyGivesUpAtItsTimeoutWithNothingWritten() {
    try (Tandem<String, String> tandem =
        Tandem.builder(store).cacheTier(tier()).writeTimeout(Duration.ofMillis(200)).build()) {
      Future<Object> transaction = holdInTransaction(tandem, "k");

      assertThatThrownBy(() -> tandem.put("k", "late"))
          .isInstanceOf(WriteCancelledException.class)
          .hasMessage(
              "put of key k did not reach the database within the write timeout of PT0.2S; nothing was written");
      assertThat(tandem.put("other", "free")).as("other keys are not held up").isPositive();

      release.countDown();
      Harness.get(transaction);
      assertThat(store.rows.get("k").value()).isEqualTo("held");
      assertThat(tandem.get("k")).contains("held");
      assertThat(tandem.stats().writeFailureCount()).isEqualTo(1);
    }
  }

  @Test
  void aWriteWaitingForItsKeyCanBeInterrupted() {
    try (Tandem<String, String> tandem = Tandem.builder(store).cacheTier(tier()).build()) {
      holdInTransaction(tandem, "k");
      assertThat(Harness.failureWhenInterrupted(() -> tandem.put("k", "late")))
          .isInstanceOf(WriteCancelledException.class)
          .hasMessage(
              "put of key k was interrupted before it reached the database; nothing was written");
    }
  }

  @Test
  void aWriteTimeoutThatOutlivesTheTiersFenceIsRefused() {
    HookedTier<String, String> tier = tier();
    tier.fenceTimeout = Duration.ofSeconds(5);
    Tandem.Builder<String, String> builder =
        Tandem.builder(store).cacheTier(tier).writeTimeout(Duration.ofSeconds(5));
    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "write timeout (PT5S) must be shorter than the cache tier's write fence timeout (PT5S), "
                + "so that a write never outlives its fence");
  }

  /** By default a write gives up at half the tier's fence timeout when that is under 10 s. */
  @Test
  void theDefaultTimeoutStaysWithinTheTiersFence() {
    HookedTier<String, String> tier = tier();
    tier.fenceTimeout = Duration.ofMillis(400);
    try (Tandem<String, String> tandem = Tandem.builder(store).cacheTier(tier).build()) {
      holdInTransaction(tandem, "k");
      assertThatThrownBy(() -> tandem.put("k", "late"))
          .isInstanceOf(WriteCancelledException.class)
          .hasMessageContaining("within the write timeout of PT0.2S");
    }
  }

  @Test
  void badTimeoutsAreRefused() {
    Tandem.Builder<String, String> builder = Tandem.builder(store);
    assertThatThrownBy(() -> builder.writeTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("write timeout must be positive but was PT0S");
    builder.writeTimeout(Duration.ofSeconds(1));
    assertThatThrownBy(() -> builder.writeTimeout(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("write timeout was already set to PT1S");
  }
}
