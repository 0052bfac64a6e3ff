package dev.tandem.testkit.check;

import dev.tandem.testkit.history.Action;
import dev.tandem.testkit.history.Event;
import dev.tandem.testkit.history.EventType;
import dev.tandem.testkit.history.History;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Hand-written histories: each call adds one operation of a process on a key with its invocation
 * and completion times; {@link #history()} orders the events by time.
 */
final class Scenario {

  private record Timed(Event event, long seq) {}

  private final List<Timed> events = new ArrayList<>();

  static Scenario scenario() {
    return new Scenario();
  }

  Scenario write(int p, String key, long value, long start, long end) {
    return op(p, Action.WRITE, key, null, value, value, EventType.OK, start, end);
  }

  Scenario write(int p, String key, long value, long start, long end, EventType outcome) {
    return op(p, Action.WRITE, key, null, value, value, outcome, start, end);
  }

  Scenario read(int p, String key, @Nullable Long value, long start, long end) {
    return op(p, Action.READ, key, null, null, value, EventType.OK, start, end);
  }

  Scenario dbRead(int p, String key, @Nullable Long value, long start, long end) {
    return op(p, Action.DB_READ, key, null, null, value, EventType.OK, start, end);
  }

  Scenario delete(int p, String key, long start, long end) {
    return op(p, Action.DELETE, key, null, null, null, EventType.OK, start, end);
  }

  Scenario delete(int p, String key, long start, long end, EventType outcome) {
    return op(p, Action.DELETE, key, null, null, null, outcome, start, end);
  }

  Scenario cas(int p, String key, @Nullable Long old, long value, long start, long end) {
    return cas(p, key, old, value, start, end, EventType.OK);
  }

  Scenario cas(
      int p, String key, @Nullable Long old, long value, long start, long end, EventType outcome) {
    events.add(
        new Timed(
            new Event(p, EventType.INVOKE, Action.CAS, key, old, value, start), events.size()));
    events.add(new Timed(new Event(p, outcome, Action.CAS, key, old, value, end), events.size()));
    return this;
  }

  /** Any operation; a read's value goes on its completion only. */
  Scenario any(
      int p,
      Action action,
      String key,
      @Nullable Long old,
      @Nullable Long value,
      EventType outcome,
      long start,
      long end) {
    return action.isRead()
        ? op(
            p, action, key, null, null, outcome == EventType.OK ? value : null, outcome, start, end)
        : op(p, action, key, old, value, value, outcome, start, end);
  }

  /** An operation invoked and never completed. */
  Scenario pendingWrite(int p, String key, long value, long start) {
    events.add(
        new Timed(
            new Event(p, EventType.INVOKE, Action.WRITE, key, null, value, start), events.size()));
    return this;
  }

  private Scenario op(
      int p,
      Action action,
      String key,
      @Nullable Long old,
      @Nullable Long invoked,
      @Nullable Long completed,
      EventType outcome,
      long start,
      long end) {
    events.add(
        new Timed(new Event(p, EventType.INVOKE, action, key, old, invoked, start), events.size()));
    events.add(new Timed(new Event(p, outcome, action, key, old, completed, end), events.size()));
    return this;
  }

  History history() {
    // by time, else in the order added: each process's operations are added in its own order
    List<Event> sorted =
        events.stream()
            .sorted(
                Comparator.comparingLong((Timed t) -> t.event().time())
                    .thenComparingLong(Timed::seq))
            .map(Timed::event)
            .toList();
    return History.of(sorted);
  }
}
