package dev.tandem.testkit.check;

import static java.util.Objects.requireNonNull;

import dev.tandem.testkit.history.Operation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * A small window of one key's operations that cannot be linearized, and why.
 *
 * <p>When the first pass found a definite {@link Anomaly}, the window is that anomaly's two or
 * three operations, which cannot be linearized even on their own. Otherwise it comes from the
 * search, at the furthest point it reached: after linearizing as many acknowledged operations as it
 * could, in every order it tried, the operation {@link #blocked()} completed with no legal point
 * left to take effect, and the window holds the operations that could still take effect before that
 * completion.
 */
public final class Counterexample {

  private static final int WINDOW_PRINTED = 40;

  private final String key;
  private final Operation blocked;
  private final List<Operation> window;
  private final List<Operation> context;
  private final String summary;

  Counterexample(
      String key,
      Operation blocked,
      List<Operation> window,
      List<Operation> context,
      String summary) {
    this.key = requireNonNull(key);
    this.blocked = requireNonNull(blocked);
    List<Operation> sorted = new ArrayList<>(window);
    sorted.sort(Comparator.comparingLong(Operation::invokeTime).thenComparingInt(Operation::index));
    this.window = List.copyOf(sorted);
    this.context = List.copyOf(context);
    this.summary = requireNonNull(summary);
  }

  static Counterexample of(String key, Anomaly anomaly) {
    List<Operation> window = new ArrayList<>(anomaly.evidence());
    window.add(anomaly.operation());
    Operation blocked =
        anomaly.kind() == Anomaly.Kind.LOST_WRITE ? anomaly.evidence().get(0) : anomaly.operation();
    return new Counterexample(
        key,
        blocked,
        window,
        List.of(),
        anomaly.explanation() + "; these operations cannot be linearized even on their own");
  }

  /** Returns the key. */
  public String key() {
    return key;
  }

  /** Returns the operation that completed without any legal point to take effect. */
  public Operation blocked() {
    return blocked;
  }

  /** Returns the operations of the window by invocation time; it includes {@link #blocked()}. */
  public List<Operation> window() {
    return window;
  }

  /** Returns the reason in one line. */
  public String summary() {
    return summary;
  }

  /**
   * Returns the reason and the window on several lines (operations linearized just before the
   * window first, if any), times in microseconds from the first operation shown.
   */
  @Override
  public String toString() {
    long origin = Long.MAX_VALUE;
    for (Operation op : context) {
      origin = Math.min(origin, op.invokeTime());
    }
    for (Operation op : window) {
      origin = Math.min(origin, op.invokeTime());
    }
    StringBuilder sb = new StringBuilder();
    sb.append("key ").append(key).append(": ").append(summary).append('\n');
    if (!context.isEmpty()) {
      sb.append("  last linearized before the window:\n");
      for (Operation op : context) {
        line(sb, op, origin, "");
      }
    }
    sb.append("  window:\n");
    int printed = 0;
    for (Operation op : window) {
      if (printed++ == WINDOW_PRINTED) {
        sb.append("    … and ").append(window.size() - WINDOW_PRINTED).append(" more\n");
        break;
      }
      line(sb, op, origin, op == blocked ? "   ← cannot take effect" : "");
    }
    return sb.toString();
  }

  private static void line(StringBuilder sb, Operation op, long origin, String note) {
    String end = op.isPending() ? "∞" : micros(op.completeTime() - origin);
    sb.append(
        String.format(
            Locale.ROOT,
            "    %-40s [%s, %s]%s%n",
            op.describe(),
            micros(op.invokeTime() - origin),
            end,
            note));
  }

  private static String micros(long nanos) {
    return String.format(Locale.ROOT, "+%.3fµs", nanos / 1000.0);
  }
}
