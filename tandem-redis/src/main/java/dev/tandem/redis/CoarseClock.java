package dev.tandem.redis;

import dev.tandem.Ticker;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A {@link Ticker} that a daemon thread advances every {@value #TICK_MILLIS} ms, so that reading
 * it costs one volatile load instead of a {@link System#nanoTime()} call (which costs more than a
 * whole Caffeine hit). The near tier's local copies expire by this clock: their lifetime is at
 * most the time to live plus one tick, as long as the clock thread runs; a caller that reads the
 * system clock anyway ({@link #advance}) moves it forward too, so a starved clock thread delays
 * expiry only while nothing else touches the tier.
 *
 * <p>One clock per JVM, started on first use.
 */
final class CoarseClock implements Ticker {

  /** How often the clock thread advances the time. */
  static final long TICK_MILLIS = 1;

  private static final CoarseClock INSTANCE = new CoarseClock();

  private volatile long now = System.nanoTime();

  private CoarseClock() {
    Thread thread = new Thread(this::run, "tandem-near-clock");
    thread.setDaemon(true);
    thread.start();
  }

  /** Returns the clock of this JVM. */
  static CoarseClock shared() {
    return INSTANCE;
  }

  @Override
  public long read() {
    return now;
  }

  /** Moves the clock to the system time now; called on paths that are slow anyway. */
  void advance() {
    long system = System.nanoTime();
    if (system - now > 0) {
      now = system; // a lost race may set it back by nanoseconds, which no expiry notices
    }
  }

  private void run() {
    long tick = TimeUnit.MILLISECONDS.toNanos(TICK_MILLIS);
    while (true) {
      LockSupport.parkNanos(tick);
      advance();
    }
  }
}
