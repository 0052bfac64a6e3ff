package dev.tandem;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * How often and how patiently Tandem retries a transaction that failed for a passing reason
 * (serialization failure, deadlock, lock timeout, a connection refused before any statement was
 * sent; see {@link dev.tandem.spi.RetryableException}). A transaction whose commit outcome is
 * unknown is never retried.
 *
 * <p>The pause before retry {@code n} (from 1) is a random duration between half and all of {@code
 * min(maxBackoff, initialBackoff * 2^(n-1))}: capped exponential backoff with jitter, so that
 * writers who collided do not collide again in step.
 *
 * @param maxRetries retries after the first attempt; 0 disables retrying
 * @param initialBackoff the pause before the first retry
 * @param maxBackoff the longest pause
 */
public record RetryPolicy(int maxRetries, Duration initialBackoff, Duration maxBackoff) {

  /** Five retries, from 2 ms up to 100 ms. */
  public static final RetryPolicy DEFAULT =
      new RetryPolicy(5, Duration.ofMillis(2), Duration.ofMillis(100));

  /** No retries: a passing failure is reported at once as a {@link StoreException}. */
  public static final RetryPolicy NONE = new RetryPolicy(0, Duration.ZERO, Duration.ZERO);

  /**
   * Creates a policy.
   *
   * @throws IllegalArgumentException if a value is negative or the backoffs are out of order
   */
  public RetryPolicy {
    requireNonNull(initialBackoff, "initialBackoff");
    requireNonNull(maxBackoff, "maxBackoff");
    if (maxRetries < 0) {
      throw new IllegalArgumentException("max retries must not be negative but was " + maxRetries);
    }
    if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException(
          "backoff must satisfy 0 <= initial (" + initialBackoff + ") <= max (" + maxBackoff + ")");
    }
  }

  /** Returns the upper bound of the pause before retry {@code retry} (from 1). */
  Duration ceiling(int retry) {
    long initial = initialBackoff.toNanos();
    long cap = maxBackoff.toNanos();
    long doubled = retry >= 62 ? cap : initial << Math.min(retry - 1, 62);
    return Duration.ofNanos(doubled < 0 || doubled > cap ? cap : doubled);
  }

  /** Pauses the calling thread before retry {@code retry} (from 1). */
  void pause(int retry) {
    long ceiling = ceiling(retry).toNanos();
    if (ceiling > 0) {
      LockSupport.parkNanos(ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1));
    }
  }
}
