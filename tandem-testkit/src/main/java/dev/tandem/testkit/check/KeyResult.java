package dev.tandem.testkit.check;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** The check of one key: its verdict, its definite anomalies and, if it failed, why. */
public final class KeyResult {

  private final String key;
  private final Verdict verdict;
  private final int ops;
  private final long steps;
  private final List<Anomaly> anomalies;
  private final @Nullable Counterexample counterexample;
  private final String explanation;

  KeyResult(
      String key,
      Verdict verdict,
      int ops,
      long steps,
      List<Anomaly> anomalies,
      @Nullable Counterexample counterexample,
      String explanation) {
    this.key = requireNonNull(key);
    this.verdict = requireNonNull(verdict);
    this.ops = ops;
    this.steps = steps;
    this.anomalies = List.copyOf(anomalies);
    this.counterexample = counterexample;
    this.explanation = requireNonNull(explanation);
  }

  /** Returns the key. */
  public String key() {
    return key;
  }

  /** Returns the verdict; anything but {@link Verdict#LINEARIZABLE} fails the check. */
  public Verdict verdict() {
    return verdict;
  }

  /** Returns true if the verdict is {@link Verdict#LINEARIZABLE}. */
  public boolean linearizable() {
    return verdict == Verdict.LINEARIZABLE;
  }

  /** Returns the number of operations of the key in the history, whatever their outcome. */
  public int ops() {
    return ops;
  }

  /** Returns the number of steps the search took (0 if it was not needed). */
  public long steps() {
    return steps;
  }

  /** Returns the definite anomalies the first pass found, in the order of the history. */
  public List<Anomaly> anomalies() {
    return anomalies;
  }

  /** Returns the number of {@link Anomaly.Kind#STALE_READ} anomalies. */
  public int stale() {
    return count(Anomaly.Kind.STALE_READ);
  }

  /** Returns the number of {@link Anomaly.Kind#LOST_WRITE} anomalies. */
  public int lost() {
    return count(Anomaly.Kind.LOST_WRITE);
  }

  /** Returns the number of {@link Anomaly.Kind#IMPOSSIBLE_READ} anomalies. */
  public int impossibleReads() {
    return count(Anomaly.Kind.IMPOSSIBLE_READ);
  }

  private int count(Anomaly.Kind kind) {
    int count = 0;
    for (Anomaly a : anomalies) {
      if (a.kind() == kind) {
        count++;
      }
    }
    return count;
  }

  /**
   * Returns a small window of operations that cannot be linearized: the operations of the first
   * anomaly if the first pass found one, else the window where the search failed. Empty if the key
   * is linearizable, or the search ran out of budget.
   */
  public Optional<Counterexample> counterexample() {
    return Optional.ofNullable(counterexample);
  }

  /**
   * Returns why the key failed, on several lines: the counterexample or the budget exceeded, then
   * the anomalies; empty if the key is linearizable.
   */
  public String explanation() {
    return explanation;
  }

  /** Returns a summary such as {@code k7: NOT_LINEARIZABLE (812 ops, 2 stale, 0 lost)}. */
  @Override
  public String toString() {
    return key + ": " + verdict + " (" + ops + " ops, " + stale() + " stale, " + lost() + " lost)";
  }
}
