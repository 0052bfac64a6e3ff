package dev.tandem.testkit.check;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The check of a whole history: linearizable only if every key is.
 *
 * <p>The last line a torture run prints is {@link #verdictLine(long)}; {@link #report()} explains
 * every failed key.
 */
public final class CheckResult {

  private final int ops;
  private final List<KeyResult> keyResults;
  private final Duration elapsed;

  CheckResult(int ops, List<KeyResult> keyResults, Duration elapsed) {
    this.ops = ops;
    this.keyResults = List.copyOf(keyResults);
    this.elapsed = elapsed;
  }

  /** Returns true if every key is {@link Verdict#LINEARIZABLE}. */
  public boolean linearizable() {
    for (KeyResult r : keyResults) {
      if (!r.linearizable()) {
        return false;
      }
    }
    return true;
  }

  /** Returns the number of operations in the history, whatever their outcome. */
  public int ops() {
    return ops;
  }

  /** Returns the number of distinct keys in the history. */
  public int keys() {
    return keyResults.size();
  }

  /** Returns the number of definitely stale reads, over all keys. */
  public int stale() {
    return keyResults.stream().mapToInt(KeyResult::stale).sum();
  }

  /** Returns the number of acknowledged writes a later db-read showed undone, over all keys. */
  public int lost() {
    return keyResults.stream().mapToInt(KeyResult::lost).sum();
  }

  /**
   * Returns the number of reads of values that could not have been written by then, over all keys.
   */
  public int impossibleReads() {
    return keyResults.stream().mapToInt(KeyResult::impossibleReads).sum();
  }

  /** Returns the result of every key, ordered by key. */
  public List<KeyResult> keyResults() {
    return keyResults;
  }

  /** Returns the result of {@code key}, or empty if the history has no operation on it. */
  public Optional<KeyResult> key(String key) {
    return keyResults.stream().filter(r -> r.key().equals(key)).findFirst();
  }

  /** Returns the keys that are not {@link Verdict#LINEARIZABLE}, ordered by key. */
  public List<KeyResult> failures() {
    return keyResults.stream().filter(r -> !r.linearizable()).toList();
  }

  /** Returns the definite anomalies of all keys. */
  public List<Anomaly> anomalies() {
    List<Anomaly> all = new ArrayList<>();
    keyResults.forEach(r -> all.addAll(r.anomalies()));
    return all;
  }

  /**
   * Returns the largest staleness among the definite stale reads: for each, how long after the
   * acknowledgement of the write that had replaced the value it returned the read began (a lower
   * bound of how old the value was). Empty if there is no stale read. This is what a tier that
   * promises bounded staleness, not linearizability, is measured by.
   */
  public Optional<Duration> maxStaleness() {
    long max = -1;
    for (Anomaly a : anomalies()) {
      if (a.kind() == Anomaly.Kind.STALE_READ && !a.evidence().isEmpty()) {
        max = Math.max(max, a.operation().invokeTime() - a.evidence().getLast().completeTime());
      }
    }
    return max < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(max));
  }

  /** Returns how long the check took. */
  public Duration elapsed() {
    return elapsed;
  }

  /**
   * Returns the verdict line {@code linearizable: yes|no ops=N keys=K stale=S lost=L seed=X}.
   *
   * @param seed the seed of the run that produced the history, printed so that it can be replayed
   */
  public String verdictLine(long seed) {
    return summary() + " seed=" + seed;
  }

  private String summary() {
    return "linearizable: "
        + (linearizable() ? "yes" : "no")
        + " ops="
        + ops
        + " keys="
        + keys()
        + " stale="
        + stale()
        + " lost="
        + lost();
  }

  /**
   * Returns a report on several lines: a summary, then the explanation of each failed key (the
   * counterexample or the budget exceeded, and its anomalies); just the summary if linearizable.
   */
  public String report() {
    StringBuilder sb = new StringBuilder(summary());
    sb.append(" impossible=")
        .append(impossibleReads())
        .append(" in ")
        .append(elapsed.toMillis())
        .append(" ms\n");
    for (KeyResult r : failures()) {
      sb.append(r).append('\n').append(r.explanation());
    }
    return sb.toString();
  }

  /** Returns the verdict line without a seed. */
  @Override
  public String toString() {
    return summary();
  }
}
