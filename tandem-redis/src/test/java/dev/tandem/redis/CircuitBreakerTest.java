package dev.tandem.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The circuit breaker on a fake clock. */
class CircuitBreakerTest {

  private final AtomicLong nanos = new AtomicLong();
  private final CircuitBreaker breaker = new CircuitBreaker(nanos::get, Duration.ofSeconds(1).toNanos(), "test");
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

  private void open() {
    for (int i = 0; i < CircuitBreaker.THRESHOLD; i++) {
      breaker.failed(failure);
    }
    assertThat(breaker.isOpen()).isTrue();
  }
}
