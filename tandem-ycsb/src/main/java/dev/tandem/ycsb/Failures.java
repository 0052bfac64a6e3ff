package dev.tandem.ycsb;

import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import site.ycsb.Status;

/**
 * Turns a failed operation into YCSB's {@link Status#ERROR} (which YCSB counts as a failed
 * operation), logging the first few failures with their cause.
 */
final class Failures {

  private static final Logger log = LoggerFactory.getLogger(Failures.class);
  private static final int LOGGED = 10;
  private static final AtomicInteger COUNT = new AtomicInteger();

  private Failures() {}

  /** Logs the failure (the first {@value #LOGGED} only) and returns {@link Status#ERROR}. */
  static Status report(String operation, String key, Exception e) {
    int n = COUNT.incrementAndGet();
    if (n <= LOGGED) {
      log.warn(
          "{} of {} failed{}",
          operation,
          key,
          n == LOGGED ? " (further failures are not logged)" : "",
          e);
    }
    return Status.ERROR;
  }
}
