package dev.tandem.testkit.check;

import static java.util.Objects.requireNonNull;

import dev.tandem.testkit.history.History;
import dev.tandem.testkit.history.Operation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Checks that a recorded history is linearizable per key, the consistency Tandem promises: each key
 * behaves as one register (a value or absent; keys start absent) whose operations take effect
 * atomically at some instant between their invocation and their completion.
 *
 * <p>Keys are independent (linearizability is compositional), so each key is checked on its own:
 * first a fast scan for definite {@link Anomaly anomalies}, then a Wing–Gong–Lowe search with
 * memoisation, bounded per key by a step budget and a time budget. A key with an anomaly is not
 * searched: the anomaly proves it not linearizable and its operations are the counterexample. A key
 * whose search exceeds its budget is {@link Verdict#UNKNOWN}, which fails the check.
 *
 * <p>What the history must hold: values unique per key (so a read names its write); {@code fail}
 * operations did not take effect; {@code info} and never-completed operations may have taken effect
 * at any time after their invocation, or never. Equal times count as concurrent.
 *
 * <pre>{@code
 * CheckResult result = LinearizabilityChecker.builder().build().check(History.read(file));
 * System.out.print(result.report());
 * System.out.println(result.verdictLine(seed));
 * }</pre>
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class LinearizabilityChecker {

  /** The default step budget of one key's search. */
  public static final long DEFAULT_MAX_STEPS_PER_KEY = 20_000_000L;

  /** The default time budget of one key's search. */
  public static final Duration DEFAULT_TIMEOUT_PER_KEY = Duration.ofSeconds(10);

  private final long maxStepsPerKey;
  private final Duration timeoutPerKey;

  private LinearizabilityChecker(Builder builder) {
    this.maxStepsPerKey =
        builder.maxStepsPerKey != null ? builder.maxStepsPerKey : DEFAULT_MAX_STEPS_PER_KEY;
    this.timeoutPerKey =
        builder.timeoutPerKey != null ? builder.timeoutPerKey : DEFAULT_TIMEOUT_PER_KEY;
  }

  /** Returns a builder; {@code builder().build()} has the default budgets. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Checks {@code history}, key by key, in the calling thread.
   *
   * @throws IllegalArgumentException if two operations of a key that did not fail write the same
   *     value, or the history has outside writes (turn them into writes with {@link
   *     OutsideWrites#withinBound} first)
   */
  public CheckResult check(History history) {
    requireNonNull(history, "history");
    long start = System.nanoTime();
    Map<String, List<Operation>> byKey = new TreeMap<>();
    for (Operation op : history.operations()) {
      if (op.action().isOutside()) {
        throw new IllegalArgumentException(
            "operation "
                + op.describe()
                + " bypassed the cache: check"
                + " OutsideWrites.withinBound(history, bound) instead");
      }
      byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
    }
    List<KeyResult> results = new ArrayList<>(byKey.size());
    byKey.forEach((key, ops) -> results.add(checkKey(key, ops)));
    return new CheckResult(history.size(), results, Duration.ofNanos(System.nanoTime() - start));
  }

  private KeyResult checkKey(String key, List<Operation> ops) {
    List<Anomaly> anomalies = AnomalyScan.scan(key, ops);
    if (!anomalies.isEmpty()) {
      // already proven: the anomaly's own operations are the smallest window, no search needed
      Anomaly first =
          anomalies.stream()
              .filter(a -> a.kind() != Anomaly.Kind.LOST_WRITE)
              .findFirst()
              .orElse(anomalies.get(0));
      Counterexample counterexample = Counterexample.of(key, first);
      return new KeyResult(
          key,
          Verdict.NOT_LINEARIZABLE,
          ops.size(),
          0,
          anomalies,
          counterexample,
          explain(key, Verdict.NOT_LINEARIZABLE, counterexample, null, anomalies));
    }
    long deadline = System.nanoTime() + timeoutPerKey.toNanos();
    RegisterSearch.Result search = RegisterSearch.search(key, ops, maxStepsPerKey, deadline);
    String budget = null;
    if (search.verdict() == Verdict.UNKNOWN) {
      budget =
          "the search gave up after "
              + search.steps()
              + " steps (budget "
              + maxStepsPerKey
              + " steps or "
              + timeoutPerKey.toMillis()
              + " ms) on "
              + search.checkedOps()
              + " operations; not shown linearizable, so it counts as not linearizable";
    }
    return new KeyResult(
        key,
        search.verdict(),
        ops.size(),
        search.steps(),
        anomalies,
        search.counterexample(),
        explain(key, search.verdict(), search.counterexample(), budget, anomalies));
  }

  private static String explain(
      String key,
      Verdict verdict,
      @Nullable Counterexample counterexample,
      @Nullable String budget,
      List<Anomaly> anomalies) {
    if (verdict == Verdict.LINEARIZABLE) {
      return "";
    }
    StringBuilder sb = new StringBuilder();
    if (budget != null) {
      sb.append("key ").append(key).append(": ").append(budget).append('\n');
    }
    if (counterexample != null) {
      sb.append(counterexample);
    }
    int shown = 0;
    for (Anomaly a : anomalies) {
      if (shown++ == 20) {
        sb.append("  … and ").append(anomalies.size() - 20).append(" more anomalies\n");
        break;
      }
      sb.append("  ").append(a.kind()).append(": ").append(a).append('\n');
    }
    return sb.toString();
  }

  /**
   * Builds a {@link LinearizabilityChecker}. Each setting may be made once; a second call fails
   * with a message naming it.
   */
  public static final class Builder {
    private @Nullable Long maxStepsPerKey;
    private @Nullable Duration timeoutPerKey;

    private Builder() {}

    /**
     * Sets the most steps the search may take on one key before it gives up with {@link
     * Verdict#UNKNOWN}. Default: {@value LinearizabilityChecker#DEFAULT_MAX_STEPS_PER_KEY}.
     *
     * @throws IllegalStateException if it was already set
     * @throws IllegalArgumentException if {@code steps} is not positive
     */
    public Builder maxStepsPerKey(long steps) {
      if (maxStepsPerKey != null) {
        throw new IllegalStateException("max steps per key was already set to " + maxStepsPerKey);
      }
      if (steps <= 0) {
        throw new IllegalArgumentException("max steps per key must be positive but was " + steps);
      }
      maxStepsPerKey = steps;
      return this;
    }

    /**
     * Sets the longest time the search may take on one key before it gives up with {@link
     * Verdict#UNKNOWN}. Default: 10 seconds.
     *
     * @throws IllegalStateException if it was already set
     * @throws IllegalArgumentException if {@code timeout} is not positive
     */
    public Builder timeoutPerKey(Duration timeout) {
      requireNonNull(timeout, "timeout");
      if (timeoutPerKey != null) {
        throw new IllegalStateException("timeout per key was already set to " + timeoutPerKey);
      }
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout per key must be positive but was " + timeout);
      }
      timeoutPerKey = timeout;
      return this;
    }

    /** Returns the checker. */
    public LinearizabilityChecker build() {
      return new LinearizabilityChecker(this);
    }
  }
}
