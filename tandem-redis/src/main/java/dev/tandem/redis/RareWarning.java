package dev.tandem.redis;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lets a recurring warning through at most once a minute, so that an outage or a bad entry read by
 * every request logs one stack trace, not one per call; the caller logs the others at DEBUG.
 * Thread-safe.
 */
final class RareWarning {

  private static final long INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final AtomicLong warnedAt = new AtomicLong(System.nanoTime() - INTERVAL_NANOS);

  /** Returns whether this occurrence is to be logged at WARN: the first one in a minute. */
  boolean warnNow() {
    long now = System.nanoTime();
    long last = warnedAt.get();
    return now - last >= INTERVAL_NANOS && warnedAt.compareAndSet(last, now);
  }
}
