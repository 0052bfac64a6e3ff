package dev.tandem.testkit.torture;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Exceptions that the API does not document for an operation: each one is recorded as an unknown
 * outcome (it may have taken effect), counted, and the first few are kept as examples.
 */
final class Surprises {

  private static final int EXAMPLES = 5;

  private final LongAdder count = new LongAdder();
  private final List<String> examples = new ArrayList<>();

  void record(String operation, Throwable e) {
    count.increment();
    synchronized (examples) {
      if (examples.size() < EXAMPLES) {
        examples.add(operation + ": " + e);
      }
    }
  }

  long count() {
    return count.sum();
  }

  List<String> examples() {
    synchronized (examples) {
      return List.copyOf(examples);
    }
  }
}
