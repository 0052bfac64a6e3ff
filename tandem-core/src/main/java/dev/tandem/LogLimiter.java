package dev.tandem;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lets one log record with a stack trace through per period, so that an outage that fails every
 * write logs one stack trace, not one per write; the others are logged without it, at debug level.
 */
final class LogLimiter {
  private final long periodNanos;
  private final AtomicLong next = new AtomicLong(System.nanoTime());

  LogLimiter(long period, TimeUnit unit) {
    this.periodNanos = unit.toNanos(period);
  }

  /** Returns whether this record may be logged in full; true at most once per period. */
  boolean permit() {
    long now = System.nanoTime();
    long due = next.get();
    return now - due >= 0 && next.compareAndSet(due, now + periodNanos);
  }
}
