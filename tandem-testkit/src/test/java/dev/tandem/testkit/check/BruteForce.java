package dev.tandem.testkit.check;

import dev.tandem.testkit.history.Operation;
import dev.tandem.testkit.history.Outcome;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The definition of linearizability for one key, executed literally: tries every order of the
 * operations that respects real time (A before B when A completed {@code ok} strictly before B was
 * invoked), letting each unknown-outcome operation take effect anywhere after its invocation or
 * never. It remembers the (operations placed, state) pairs that led nowhere, nothing else: no
 * pruning of operations, no pools, no subsumption. The reference the search is compared with.
 */
final class BruteForce {

  private record Config(BitSet done, @Nullable Long state) {}

  private final List<Operation> ops;
  private final Set<Config> failed = new HashSet<>();

  private BruteForce(List<Operation> ops) {
    this.ops = ops;
  }

  static boolean linearizable(List<Operation> ops) {
    List<Operation> relevant =
        ops.stream()
            .filter(
                op ->
                    op.outcome() != Outcome.FAIL
                        && !(op.outcome() == Outcome.INFO && op.action().isRead()))
            .toList();
    return new BruteForce(relevant).search(new BitSet(), null);
  }

  private boolean search(BitSet done, @Nullable Long state) {
    // the two earliest completions of acknowledged operations not yet placed
    long first = Long.MAX_VALUE;
    long second = Long.MAX_VALUE;
    int firstOp = -1;
    for (int j = 0; j < ops.size(); j++) {
      Operation op = ops.get(j);
      if (!done.get(j) && op.outcome() == Outcome.OK) {
        if (op.completeTime() < first) {
          second = first;
          first = op.completeTime();
          firstOp = j;
        } else if (op.completeTime() < second) {
          second = op.completeTime();
        }
      }
    }
    if (firstOp < 0) {
      return true; // every acknowledged operation is placed; the unknown ones left never apply
    }
    Config config = new Config((BitSet) done.clone(), state);
    if (failed.contains(config)) {
      return false;
    }
    for (int i = 0; i < ops.size(); i++) {
      Operation op = ops.get(i);
      // op may come next only if no other operation still to place completed before it began
      long mustPrecede = i == firstOp ? second : first;
      if (done.get(i) || mustPrecede < op.invokeTime()) {
        continue;
      }
      Long[] after = new Long[1];
      if (!apply(op, state, after)) {
        continue;
      }
      done.set(i);
      boolean found = search(done, after[0]);
      done.clear(i);
      if (found) {
        return true;
      }
    }
    failed.add(config);
    return false;
  }

  private static boolean apply(Operation op, @Nullable Long state, @Nullable Long[] after) {
    switch (op.action()) {
      case READ, DB_READ -> {
        after[0] = state;
        return Objects.equals(op.value(), state);
      }
      case WRITE -> {
        after[0] = op.value();
        return true;
      }
      case DELETE -> {
        after[0] = null;
        return true;
      }
      case CAS -> {
        after[0] = op.value();
        return op.old() == null ? state != null : op.old().equals(state);
      }
    }
    throw new AssertionError(op);
  }
}
