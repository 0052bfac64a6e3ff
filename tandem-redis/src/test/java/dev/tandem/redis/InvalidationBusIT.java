package dev.tandem.redis;

import static org.assertj.core.api.Assertions.assertThat;

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
    InvalidationBus.Receiver slow = new InvalidationBus.Receiver() {
      @Override public void changed(String entryKey) {}
      @Override public void changedAll() {}
      @Override public void deaf() {
        listening.set(false);
      }
      @Override public void listening() {
        LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        listening.set(true);
      }
    };
    RedisClient client = RedisClient.create(RedisServer.shared().uri());
    try (InvalidationBus bus = new InvalidationBus(client, "bus-it-" + System.nanoTime(), Duration.ofSeconds(5), slow)) {
      assertThat(listening).as("subscribed when the constructor returned").isTrue();
    } finally {
      client.shutdown();
    }
  }
}
