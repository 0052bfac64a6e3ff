package dev.tandem.testkit.check;

import static java.util.Objects.requireNonNull;

import dev.tandem.testkit.history.Action;
import dev.tandem.testkit.history.Event;
import dev.tandem.testkit.history.EventType;
import dev.tandem.testkit.history.History;
import dev.tandem.testkit.history.Operation;
import dev.tandem.testkit.history.Outcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Histories with writes that bypass the system under test ({@link Action#OUTSIDE_WRITE}, {@link
 * Action#OUTSIDE_DELETE}): such a write is promised to reach every read within a bound after it
 * committed, not at once, and before the bound two reads may disagree on it. The promise is checked
 * in two parts: {@link #ownOperations} leaves out what only outside writes explain, and the {@link
 * LinearizabilityChecker} proves the system's own operations linearizable among themselves; {@link
 * #staleness} measures how long reads missed outside writes against the bound. {@link #withinBound}
 * is stricter: it makes each outside write one register write that takes effect at a single moment
 * up to the bound after it completed, so it also rejects reads that disagree within the bound.
 */
public final class OutsideWrites {

  /** Process numbers from here on are given to outside writes in {@link #withinBound}'s history. */
  public static final int PROCESS_BASE = 1 << 24;

  private OutsideWrites() {}

  /**
   * Returns {@code history} with every outside write turned into a write and every outside delete
   * into a delete, each completing {@code bound} later than it did and on a process of its own
   * (numbered from {@link #PROCESS_BASE}); the other operations are unchanged.
   *
   * @throws IllegalArgumentException if {@code bound} is negative
   */
  public static History withinBound(History history, Duration bound) {
    requireNonNull(history, "history");
    if (bound.isNegative()) {
      throw new IllegalArgumentException("bound must not be negative but was " + bound);
    }
    List<Event> events = new ArrayList<>();
    int process = PROCESS_BASE;
    for (Operation op : history.operations()) {
      boolean outside = op.action().isOutside();
      Action action =
          !outside
              ? op.action()
              : op.action() == Action.OUTSIDE_WRITE ? Action.WRITE : Action.DELETE;
      int p = outside ? process++ : op.process();
      Long written = action == Action.WRITE || action == Action.CAS ? op.value() : null;
      events.add(new Event(p, EventType.INVOKE, action, op.key(), null, written, op.invokeTime()));
      if (!op.isPending()) {
        long end = outside ? op.completeTime() + bound.toNanos() : op.completeTime();
        EventType type =
            switch (op.outcome()) {
              case OK -> EventType.OK;
              case FAIL -> EventType.FAIL;
              case INFO -> EventType.INFO;
            };
        events.add(
            new Event(
                p,
                type,
                action,
                op.key(),
                action == Action.CAS ? op.old() : null,
                action.isRead() && op.outcome() != Outcome.OK ? null : op.value(),
                end));
      }
    }
    events.sort(
        Comparator.comparingLong(Event::time)); // stable: a process's events keep their order
    return History.of(events);
  }

  /**
   * Returns the history of the system's own operations, to be checked for linearizability among
   * themselves: outside writes and deletes are left out, and so is what only they explain, since
   * their visibility is bounded, not immediate ({@link #staleness} judges it): a read that returned
   * a value an outside write wrote, and a read that returned absent once an outside delete of the
   * key had begun. An update (cas) that found an outside write's value becomes a write of its new
   * value. What remains must be linearizable: a read that returned one of the system's own values
   * after the system had replaced it is still caught.
   */
  public static History ownOperations(History history) {
    requireNonNull(history, "history");
    java.util.Set<Long> outsideValues = new java.util.HashSet<>();
    Map<String, Long> firstOutsideDelete = new TreeMap<>();
    for (Operation op : history.operations()) {
      if (op.action() == Action.OUTSIDE_WRITE && op.value() != null) {
        outsideValues.add(op.value());
      } else if (op.action() == Action.OUTSIDE_DELETE) {
        firstOutsideDelete.merge(op.key(), op.invokeTime(), Math::min);
      }
    }
    List<Event> events = new ArrayList<>();
    for (Operation op : history.operations()) {
      if (op.action().isOutside()) {
        continue;
      }
      boolean read = op.action().isRead() && op.outcome() == Outcome.OK;
      if (read && op.value() != null && outsideValues.contains(op.value())) {
        continue;
      }
      Long deleted = firstOutsideDelete.get(op.key());
      if (read && op.value() == null && deleted != null && deleted < op.completeTime()) {
        continue;
      }
      Action action = op.action();
      Long old = op.old();
      if (action == Action.CAS && old != null && outsideValues.contains(old)) {
        action = Action.WRITE;
        old = null;
      }
      Long invoked = action == Action.WRITE || action == Action.CAS ? op.value() : null;
      events.add(
          new Event(
              op.process(),
              EventType.INVOKE,
              action,
              op.key(),
              action == Action.CAS ? old : null,
              invoked,
              op.invokeTime()));
      if (!op.isPending()) {
        EventType type =
            switch (op.outcome()) {
              case OK -> EventType.OK;
              case FAIL -> EventType.FAIL;
              case INFO -> EventType.INFO;
            };
        events.add(
            new Event(
                op.process(),
                type,
                action,
                op.key(),
                action == Action.CAS ? old : null,
                action.isRead() && op.outcome() != Outcome.OK ? null : op.value(),
                op.completeTime()));
      }
    }
    events.sort(Comparator.comparingLong(Event::time));
    return History.of(events);
  }

  /**
   * What the reads saw after outside writes: a read counts when the last write of its key that
   * completed before the read began was an outside one, acknowledged, with no other write of the
   * key overlapping it or the read (so the read had exactly one right answer once the bound
   * passed).
   *
   * @param reads how many reads counted
   * @param stale how many of them returned something else than the outside write
   * @param staleBeyondBound how many of the stale ones began more than the bound after the write
   *     completed
   * @param maxLag the longest time from an outside write's completion to the start of a read that
   *     still did not see it (zero if none)
   */
  public record Staleness(long reads, long stale, long staleBeyondBound, Duration maxLag) {}

  /**
   * Measures {@link Staleness} of the reads through the cache in {@code history} against {@code
   * bound}.
   */
  public static Staleness staleness(History history, Duration bound) {
    Map<String, List<Operation>> byKey = new TreeMap<>();
    for (Operation op : history.operations()) {
      byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
    }
    long reads = 0;
    long stale = 0;
    long beyond = 0;
    long maxLag = 0;
    for (List<Operation> ops : byKey.values()) {
      List<Operation> writes =
          ops.stream().filter(o -> !o.action().isRead() && o.outcome() != Outcome.FAIL).toList();
      for (Operation read : ops) {
        if (read.action() != Action.READ || read.outcome() != Outcome.OK) {
          continue;
        }
        Operation last = null;
        for (Operation w : writes) {
          if (w.completeTime() < read.invokeTime()
              && (last == null || w.completeTime() > last.completeTime())) {
            last = w;
          }
        }
        if (last == null || !last.action().isOutside() || last.outcome() != Outcome.OK) {
          continue;
        }
        Operation w = last;
        boolean ambiguous =
            writes.stream()
                .anyMatch(
                    o ->
                        o != w
                            && o.invokeTime() < read.completeTime()
                            && o.completeTime() > w.invokeTime());
        if (ambiguous) {
          continue;
        }
        reads++;
        Long expected = w.action() == Action.OUTSIDE_WRITE ? w.value() : null;
        if (!Objects.equals(expected, read.value())) {
          stale++;
          long lag = read.invokeTime() - w.completeTime();
          maxLag = Math.max(maxLag, lag);
          if (lag > bound.toNanos()) {
            beyond++;
          }
        }
      }
    }
    return new Staleness(reads, stale, beyond, Duration.ofNanos(maxLag));
  }
}
