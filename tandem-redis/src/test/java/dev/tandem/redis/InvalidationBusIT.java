package dev.tandem.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.testkit.server.RedisServer;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** The invalidation channel against a real Redis. */
class InvalidationBusIT {

  /**
   * Lettuce completes SUBSCRIBE before it tells the connection's listeners, so without waiting for
   * the latter a near tier was built bypassed and kept no copy for its first reads (seen in 3 of 10
   * benchmark fills). The receiver here takes 50 ms to hear of the subscription, which widens that
   * window from microseconds to something a constructor that does not wait cannot miss.
   */
  @Test
  void theReceiverHearsTheSubscriptionBeforeTheConstructorReturns() {
    AtomicBoolean listening = new AtomicBoolean();
    InvalidationBus.Receiver slow =
        new InvalidationBus.Receiver() {
          @Override
          public void changed(String entryKey) {}

          @Override
          public void changedAll() {}

          @Override
          public void heartbeat(long sentAt) {}

          @Override
          public void deaf() {
            listening.set(false);
          }

          @Override
          public void listening() {
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
            listening.set(true);
          }
        };
    RedisClient client = RedisClient.create(RedisServer.shared().uri());
    try (InvalidationBus bus =
        new InvalidationBus(
            client, "bus-it-" + System.nanoTime(), "it", Duration.ofSeconds(5), slow)) {
      assertThat(listening).as("subscribed when the constructor returned").isTrue();
    } finally {
      client.shutdown();
    }
  }

  /** A receiver that fails on the subscription fails the constructor at once, with its cause. */
  @Test
  void aReceiverFailingOnTheSubscriptionFailsTheConstructorWithItsCause() {
    IllegalArgumentException cause = new IllegalArgumentException("cannot make the L1");
    InvalidationBus.Receiver failing =
        new InvalidationBus.Receiver() {
          @Override
          public void changed(String entryKey) {}

          @Override
          public void changedAll() {}

          @Override
          public void heartbeat(long sentAt) {}

          @Override
          public void deaf() {}

          @Override
          public void listening() {
            throw cause;
          }
        };
    RedisClient client = RedisClient.create(RedisServer.shared().uri());
    try {
      assertThatThrownBy(
              () ->
                  new InvalidationBus(
                      client, "bus-it-" + System.nanoTime(), "it", Duration.ofSeconds(30), failing))
          .isInstanceOf(IllegalStateException.class)
          .hasCause(cause);
    } finally {
      client.shutdown();
    }
  }
}
