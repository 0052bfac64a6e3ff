package dev.tandem.testkit.check;

import dev.tandem.testkit.history.Action;
import dev.tandem.testkit.history.Event;
import dev.tandem.testkit.history.EventType;
import dev.tandem.testkit.history.History;
import dev.tandem.testkit.history.Operation;
import dev.tandem.testkit.history.Outcome;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Random;
import org.jspecify.annotations.Nullable;

/**
 * Generates linearizable histories by simulating real registers: each operation takes effect at a
 * random instant inside its interval (an unknown-outcome one at any later instant, or never), so
 * the history is linearizable by construction. Also mutates histories into definitely broken ones.
 */
final class RandomHistories {

  /** The shape of a simulated run; times are in abstract nanoseconds. */
  record Shape(
      int processes,
      int keys,
      int operations,
      int maxDuration,
      int maxThink,
      double infoRate,
      double failRate) {

    static Shape small(Random random) {
      return new Shape(
          2 + random.nextInt(4),
          1 + random.nextInt(3),
          20 + random.nextInt(200),
          1 + random.nextInt(50),
          random.nextInt(20),
          random.nextDouble() * 0.1,
          random.nextDouble() * 0.1);
    }
  }

  private RandomHistories() {}

  private static final class Op {
    final int process;
    final Action action;
    final String key;
    final @Nullable Long value;
    EventType outcome;
    @Nullable Long old;
    @Nullable Long observed;

    Op(int process, Action action, String key, @Nullable Long value, EventType outcome) {
      this.process = process;
      this.action = action;
      this.key = key;
      this.value = value;
      this.outcome = outcome;
    }
  }

  private record Step(long time, long seq, int kind, int process, @Nullable Op op) {}

  private static final int INVOKE = 0;
  private static final int APPLY = 1;
  private static final int COMPLETE = 2;

  /** Returns a linearizable history of {@code shape}, ending with one db-read per key. */
  static History linearizable(long seed, Shape shape) {
    Random random = new Random(seed);
    PriorityQueue<Step> queue =
        new PriorityQueue<>(
            (a, b) ->
                a.time() != b.time()
                    ? Long.compare(a.time(), b.time())
                    : Long.compare(a.seq(), b.seq()));
    long[] seq = {0};
    for (int p = 0; p < shape.processes(); p++) {
      queue.add(new Step(random.nextInt(shape.maxThink() + 1), seq[0]++, INVOKE, p, null));
    }
    Map<String, Long> registers = new HashMap<>();
    List<Event> events = new ArrayList<>();
    long counter = 0;
    int invoked = 0;
    long now = 0;
    while (!queue.isEmpty()) {
      Step step = queue.poll();
      now = step.time();
      switch (step.kind()) {
        case INVOKE -> {
          if (invoked == shape.operations()) {
            continue;
          }
          invoked++;
          String key = "k" + random.nextInt(shape.keys());
          int r = random.nextInt(100);
          Action action =
              r < 45 ? Action.READ : r < 70 ? Action.WRITE : r < 80 ? Action.DELETE : Action.CAS;
          Long value = action == Action.WRITE || action == Action.CAS ? ++counter : null;
          double o = random.nextDouble();
          EventType outcome =
              o < shape.failRate()
                  ? EventType.FAIL
                  : o < shape.failRate() + shape.infoRate() ? EventType.INFO : EventType.OK;
          Op op = new Op(step.process(), action, key, value, outcome);
          events.add(new Event(step.process(), EventType.INVOKE, action, key, null, value, now));
          long duration = random.nextInt(shape.maxDuration() + 1);
          if (outcome == EventType.OK) {
            queue.add(
                new Step(
                    now + (long) (random.nextDouble() * (duration + 1)),
                    seq[0]++,
                    APPLY,
                    op.process,
                    op));
          } else if (outcome == EventType.INFO && random.nextBoolean()) {
            queue.add(
                new Step(
                    now + random.nextInt(3 * shape.maxDuration() + 1),
                    seq[0]++,
                    APPLY,
                    op.process,
                    op));
          }
          queue.add(new Step(now + duration, seq[0]++, COMPLETE, op.process, op));
        }
        case APPLY -> {
          Op op = step.op();
          Long current = registers.get(op.key);
          switch (op.action) {
            case READ, DB_READ -> op.observed = current;
            case WRITE -> registers.put(op.key, op.value);
            case DELETE -> registers.remove(op.key);
            case CAS -> {
              if (current == null) {
                if (op.outcome == EventType.OK) {
                  op.outcome = EventType.FAIL; // an update of an absent key fails
                }
              } else {
                op.old = current;
                registers.put(op.key, op.value);
              }
            }
          }
        }
        case COMPLETE -> {
          Op op = step.op();
          Long value =
              op.action.isRead() ? (op.outcome == EventType.OK ? op.observed : null) : op.value;
          events.add(new Event(op.process, op.outcome, op.action, op.key, op.old, value, now));
          queue.add(
              new Step(
                  now + random.nextInt(shape.maxThink() + 1), seq[0]++, INVOKE, op.process, null));
        }
        default -> throw new AssertionError(step);
      }
    }
    int reader = shape.processes();
    for (int k = 0; k < shape.keys(); k++) {
      String key = "k" + k;
      events.add(new Event(reader, EventType.INVOKE, Action.DB_READ, key, null, null, ++now));
      events.add(
          new Event(reader, EventType.OK, Action.DB_READ, key, null, registers.get(key), ++now));
    }
    return History.of(events);
  }

  /**
   * Returns {@code history} with one {@code ok} read's value replaced by a value that an
   * acknowledged mutation definitely overwrote before the read began; empty if no read qualifies.
   */
  static Optional<History> withStaleRead(History history, Random random) {
    List<Operation> reads =
        history.operations().stream()
            .filter(op -> op.action() == Action.READ && op.outcome() == Outcome.OK)
            .toList();
    Map<String, List<Operation>> mutationsByKey = new HashMap<>();
    for (Operation op : history.operations()) {
      if (op.outcome() == Outcome.OK && !op.action().isRead()) {
        mutationsByKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
      }
    }
    for (int attempt = 0; attempt < 200 && !reads.isEmpty(); attempt++) {
      Operation read = reads.get(random.nextInt(reads.size()));
      List<Operation> mutations = mutationsByKey.getOrDefault(read.key(), List.of());
      for (Operation overwritten : mutations) {
        if (overwritten.action() == Action.DELETE || overwritten.value().equals(read.value())) {
          continue;
        }
        boolean replaced =
            mutations.stream()
                .anyMatch(
                    m ->
                        overwritten.completeTime() < m.invokeTime()
                            && m.completeTime() < read.invokeTime());
        if (replaced) {
          return Optional.of(replaceReadValue(history, read, overwritten.value()));
        }
      }
    }
    return Optional.empty();
  }

  /**
   * Returns {@code history} with one {@code ok} read's value replaced by the value of a write
   * invoked after the read completed; empty if no read qualifies.
   */
  static Optional<History> withReadFromTheFuture(History history, Random random) {
    List<Operation> ops = history.operations();
    for (int attempt = 0; attempt < 200; attempt++) {
      Operation read = ops.get(random.nextInt(ops.size()));
      if (read.action() != Action.READ || read.outcome() != Outcome.OK) {
        continue;
      }
      for (Operation w : ops) {
        if (w.key().equals(read.key())
            && w.action() == Action.WRITE
            && w.outcome() != Outcome.FAIL
            && w.invokeTime() > read.completeTime()) {
          return Optional.of(replaceReadValue(history, read, w.value()));
        }
      }
    }
    return Optional.empty();
  }

  static History replaceReadValue(History history, Operation read, @Nullable Long value) {
    List<Event> events = new ArrayList<>(history.events());
    Map<Integer, Integer> open = new HashMap<>();
    int invocations = 0;
    for (int i = 0; i < events.size(); i++) {
      Event e = events.get(i);
      if (e.type() == EventType.INVOKE) {
        open.put(e.process(), invocations++);
      } else if (open.remove(e.process()) == read.index()) {
        events.set(
            i, new Event(e.process(), e.type(), e.action(), e.key(), e.old(), value, e.time()));
        return History.of(events);
      }
    }
    throw new AssertionError("no completion for " + read);
  }
}
