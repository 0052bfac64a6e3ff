package dev.tandem.testkit.history;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * One line of a history: an invocation or a completion of an operation by a process.
 *
 * <p>{@code value} is the value written (write, and the new value of a cas) or read (on a read's
 * completion), null when absent or unknown. {@code old} is the expected value of a cas and is null
 * for every other action; in the file a cas carries {@code "value": [old, value]}.
 *
 * @param process the process (client) that performed the operation, never negative
 * @param type whether the operation began, or how it ended
 * @param action what the operation does ({@code "f"} in the file)
 * @param key the key the operation touches
 * @param old the expected value of a cas; null if unknown or not a cas
 * @param value the value written or read; null if absent or unknown
 * @param time a monotonic time in nanoseconds, comparable with the other events of the history
 */
public record Event(
    int process,
    EventType type,
    Action action,
    String key,
    @Nullable Long old,
    @Nullable Long value,
    long time) {

  /**
   * Creates an event.
   *
   * @throws IllegalArgumentException if {@code process} is negative, or {@code old} is given for an
   *     action other than {@link Action#CAS}
   */
  public Event {
    requireNonNull(type, "type");
    requireNonNull(action, "action");
    requireNonNull(key, "key");
    if (process < 0) {
      throw new IllegalArgumentException("process must not be negative but was " + process);
    }
    if (old != null && action != Action.CAS) {
      throw new IllegalArgumentException("only a cas has an old value, not a " + action.wireName());
    }
  }

  /** Returns this event as one line of the history file, without the line separator. */
  @Override
  public String toString() {
    return JsonLines.encode(this);
  }
}
