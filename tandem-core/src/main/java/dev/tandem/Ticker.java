package dev.tandem;

/**
 * A source of nanosecond time, used for expiry and latency measurement. Tests inject a manual
 * ticker so that they never sleep.
 */
@FunctionalInterface
public interface Ticker {

  /** Returns the current time in nanoseconds from an arbitrary, fixed origin. */
  long read();

  /** Returns the ticker backed by {@link System#nanoTime()}. */
  static Ticker system() {
    return System::nanoTime;
  }
}
