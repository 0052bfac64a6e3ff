package dev.tandem.redis;

import dev.tandem.Ticker;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops calling a Redis that keeps failing, so that callers do not pile up behind timeouts.
 *
 * <p>Closed: every call goes through; {@value #THRESHOLD} failures in a row open the circuit. Open:
 * calls are refused at once for the open time; then one call at a time is let through as a probe. A
 * probe that succeeds closes the circuit, one that fails keeps it open for another open time. Any
 * success resets the count of failures.
 */
final class CircuitBreaker {

  /** Consecutive failures that open the circuit. */
  static final int THRESHOLD = 3;

  private static final Logger log = LoggerFactory.getLogger(CircuitBreaker.class);

  private final Ticker ticker;
  private final long openNanos;
  private final String name;
  private final AtomicInteger failures = new AtomicInteger();
  private final AtomicBoolean probing = new AtomicBoolean();
  private final AtomicLong opens = new AtomicLong();
  private final AtomicBoolean open = new AtomicBoolean();
  private volatile long openedAt;

  CircuitBreaker(Ticker ticker, long openNanos, String name) {
    this.ticker = ticker;
    this.openNanos = openNanos;
    this.name = name;
  }

  /**
   * Returns whether a call may go to Redis now; a caller that gets true must report its outcome.
   */
  boolean allow() {
    if (!open.get()) {
      return true;
    }
    if (ticker.read() - openedAt < openNanos) {
      return false;
    }
    return probing.compareAndSet(false, true);
  }

  /** Reports a call that Redis answered. */
  void succeeded() {
    if (open.get()) {
      failures.set(
          0); // before the circuit closes: a failure counted from now on belongs to the closed
      // circuit
      probing.set(false);
      if (open.compareAndSet(true, false)) {
        log.info("{}: Redis answers again; the circuit is closed", name);
      }
    } else if (failures.get() != 0) {
      failures.set(0);
    }
  }

  /** Reports a call that failed or timed out. */
  void failed(RuntimeException cause) {
    if (open.get()) {
      openedAt = ticker.read();
      probing.set(false);
      return;
    }
    if (failures.incrementAndGet() >= THRESHOLD) {
      open(THRESHOLD + " Redis calls in a row failed", cause);
    }
  }

  /**
   * Opens the circuit at once, as if {@value #THRESHOLD} calls had failed: for a tier that starts
   * while Redis cannot be reached. Its first probe comes after the open time.
   */
  void trip(RuntimeException cause) {
    failures.set(THRESHOLD);
    open("Redis cannot be reached", cause);
  }

  private void open(String why, RuntimeException cause) {
    openedAt = ticker.read();
    probing.set(false);
    if (open.compareAndSet(
        false, true)) { // one caller per opening counts and logs it, with the stack
      opens.incrementAndGet();
      log.warn(
          "{}: {}; the circuit is open: reads go to the database and writes are refused (or journaled, policy"
              + " AVAILABLE) until a probe succeeds; failures are logged at DEBUG until then",
          name,
          why,
          cause);
    }
  }

  /** Returns whether the circuit is open (refusing or probing). */
  boolean isOpen() {
    return open.get();
  }

  /** Returns how many times the circuit opened. */
  long opens() {
    return opens.get();
  }

  @Override
  public String toString() {
    return open.get() ? "open" : "closed";
  }
}
