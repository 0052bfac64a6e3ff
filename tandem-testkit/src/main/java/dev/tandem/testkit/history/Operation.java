package dev.tandem.testkit.history;

import static java.util.Objects.requireNonNull;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * An invocation paired with the same process's next completion.
 *
 * <p>{@code value} is what the operation wrote (write; the new value of a cas) or, for an {@code
 * ok} read, what it read (null = absent); it is null for a delete and for a read that did not
 * complete {@code ok}. {@code old} is the value a cas expected, taken from its completion (or its
 * invocation when the completion lacks it); null if unknown or not a cas.
 *
 * @param index the position of the operation's invocation among the history's invocations, from 0
 * @param process the process that performed it
 * @param action what it does
 * @param key the key it touches
 * @param outcome how it ended; {@link Outcome#INFO} if it never completed
 * @param old the value a cas expected; null if unknown or not a cas
 * @param value the value written or read; null if absent or unknown
 * @param invokeTime the time of the invocation
 * @param completeTime the time of the completion; {@link Long#MAX_VALUE} if it never completed
 */
public record Operation(
    int index,
    int process,
    Action action,
    String key,
    Outcome outcome,
    @Nullable Long old,
    @Nullable Long value,
    long invokeTime,
    long completeTime) {

  /**
   * Creates an operation.
   *
   * @throws IllegalArgumentException if it completes before it was invoked, or {@code old} is given
   *     for an action other than {@link Action#CAS}
   */
  public Operation {
    requireNonNull(action, "action");
    requireNonNull(key, "key");
    requireNonNull(outcome, "outcome");
    if (completeTime < invokeTime) {
      throw new IllegalArgumentException(
          "operation #"
              + index
              + " completes at "
              + completeTime
              + ", before its invocation at "
              + invokeTime);
    }
    if (old != null && action != Action.CAS) {
      throw new IllegalArgumentException("only a cas has an old value, not a " + action.wireName());
    }
  }

  /** Returns true if the operation never completed (it counts as {@link Outcome#INFO}). */
  public boolean isPending() {
    return completeTime == Long.MAX_VALUE;
  }

  /**
   * Returns the operation in one line, such as {@code #12 p3 cas k7 [41→43] ok} or {@code #13 p1
   * read k7 → absent ok}, without times.
   */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    sb.append('#').append(index).append(" p").append(process).append(' ').append(action.wireName());
    sb.append(' ').append(key);
    switch (action) {
      case READ, DB_READ -> {
        if (outcome == Outcome.OK) {
          sb.append(" → ").append(value == null ? "absent" : value.toString());
        }
      }
      case WRITE, OUTSIDE_WRITE -> sb.append(' ').append(value);
      case DELETE, OUTSIDE_DELETE -> {}
      case CAS ->
          sb.append(" [")
              .append(old == null ? "?" : old.toString())
              .append('→')
              .append(value == null ? "?" : value.toString())
              .append(']');
    }
    sb.append(' ').append(isPending() ? "pending" : outcome.name().toLowerCase(Locale.ROOT));
    return sb.toString();
  }

  /** Returns {@link #describe()} followed by the invocation and completion times. */
  @Override
  public String toString() {
    return describe()
        + " ["
        + invokeTime
        + ", "
        + (isPending() ? "∞" : Long.toString(completeTime))
        + "]";
  }
}
