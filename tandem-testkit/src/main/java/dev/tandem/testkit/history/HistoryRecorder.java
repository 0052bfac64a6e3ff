package dev.tandem.testkit.history;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Records a history as clients run: each client calls {@link #invoke} just before it starts an
 * operation and completes the returned {@link Invocation} just after the operation returns.
 *
 * <p>Thread-safe. Each event is stamped and appended under one short lock, so the events are in the
 * order of their times and an invocation's time is never later than the true start of the
 * operation, nor a completion's earlier than its true end: the recorded intervals contain the real
 * ones, which is what a linearizability check needs. Events are kept in memory until {@link
 * #history()} or {@link #write} is called.
 *
 * <p>A process is one client: it may have one operation in flight at a time.
 */
public final class HistoryRecorder {

  private final LongSupplier clock;
  private final ReentrantLock lock = new ReentrantLock();
  private final ArrayList<Event> events = new ArrayList<>();
  private final Map<Integer, Invocation> inFlight = new HashMap<>();

  /** Creates a recorder stamping events with {@link System#nanoTime()}. */
  public HistoryRecorder() {
    this(System::nanoTime);
  }

  /**
   * Creates a recorder stamping events with {@code clock}, which must be monotonic (tests pass a
   * counter so that histories are reproducible).
   */
  public HistoryRecorder(LongSupplier clock) {
    this.clock = requireNonNull(clock, "clock");
  }

  /**
   * Records that {@code process} begins an operation and returns the handle to complete it with.
   *
   * <p>{@code value} is the value a write writes, or the new value of a {@link Action#CAS} whose
   * old value is not yet known (use {@link #invokeCas} when it is); it must be null for a read, a
   * db-read and a delete.
   *
   * @throws IllegalArgumentException if {@code process} is negative, or {@code value} is missing or
   *     present against the rule above
   * @throws IllegalStateException if {@code process} has an operation in flight
   */
  public Invocation invoke(int process, Action action, String key, @Nullable Long value) {
    requireNonNull(action, "action");
    requireNonNull(key, "key");
    boolean needsValue =
        action == Action.WRITE || action == Action.OUTSIDE_WRITE || action == Action.CAS;
    if (needsValue && value == null) {
      throw new IllegalArgumentException(
          "a " + action.wireName() + " must be invoked with its value");
    }
    if (!needsValue && value != null) {
      throw new IllegalArgumentException("a " + action.wireName() + " is invoked without a value");
    }
    return begin(new Invocation(this, process, action, key, null, value));
  }

  /**
   * Records that {@code process} begins a compare-and-set (an update) of {@code key} from {@code
   * old} (null if not yet known) to {@code value}, and returns the handle to complete it with.
   *
   * @throws IllegalArgumentException if {@code process} is negative
   * @throws IllegalStateException if {@code process} has an operation in flight
   */
  public Invocation invokeCas(int process, String key, @Nullable Long old, long value) {
    requireNonNull(key, "key");
    return begin(new Invocation(this, process, Action.CAS, key, old, value));
  }

  private Invocation begin(Invocation invocation) {
    if (invocation.process < 0) {
      throw new IllegalArgumentException(
          "process must not be negative but was " + invocation.process);
    }
    lock.lock();
    try {
      Invocation previous = inFlight.putIfAbsent(invocation.process, invocation);
      if (previous != null) {
        throw new IllegalStateException(
            "process "
                + invocation.process
                + " invokes a "
                + invocation.action.wireName()
                + " of "
                + invocation.key
                + " before completing its "
                + previous.action.wireName()
                + " of "
                + previous.key);
      }
      events.add(
          new Event(
              invocation.process,
              EventType.INVOKE,
              invocation.action,
              invocation.key,
              invocation.old,
              invocation.value,
              clock.getAsLong()));
    } finally {
      lock.unlock();
    }
    return invocation;
  }

  void complete(Invocation invocation, EventType type, @Nullable Long old, @Nullable Long value) {
    lock.lock();
    try {
      if (inFlight.get(invocation.process) != invocation) {
        throw new IllegalStateException(
            "the "
                + invocation.action.wireName()
                + " of "
                + invocation.key
                + " by process "
                + invocation.process
                + " was already completed");
      }
      inFlight.remove(invocation.process);
      events.add(
          new Event(
              invocation.process,
              type,
              invocation.action,
              invocation.key,
              old,
              value,
              clock.getAsLong()));
    } finally {
      lock.unlock();
    }
  }

  /** Returns a snapshot of the events recorded so far, in the order of their times. */
  public List<Event> events() {
    lock.lock();
    try {
      return List.copyOf(events);
    } finally {
      lock.unlock();
    }
  }

  /** Returns the number of events recorded so far. */
  public int size() {
    lock.lock();
    try {
      return events.size();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Returns the history recorded so far. Operations still in flight are pending: they count as
   * {@link Outcome#INFO}, as they may yet take effect.
   */
  public History history() {
    return History.of(events());
  }

  /**
   * Writes the events recorded so far to {@code file} in the JSON Lines format.
   *
   * @throws java.io.UncheckedIOException if the file cannot be written
   */
  public void write(Path file) {
    history().write(file);
  }
}
