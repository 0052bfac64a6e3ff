package dev.tandem.testkit.check;

import static java.util.Objects.requireNonNull;

import dev.tandem.testkit.history.Operation;
import java.util.List;

/**
 * A definite violation found by the fast first pass, each one on its own enough to make the key not
 * linearizable.
 *
 * @param kind what went wrong
 * @param operation the read that returned what it could not, or the write that was lost
 * @param evidence the operations that prove it, as the explanation names them
 * @param explanation one line naming the operations and why they conflict
 */
public record Anomaly(
    Kind kind, Operation operation, List<Operation> evidence, String explanation) {

  /** The kinds of definite violations. */
  public enum Kind {
    /**
     * A read (or the old value of an {@code ok} cas) returned a value, or absent, that an
     * acknowledged write had definitely replaced before the read began: the value's write completed
     * before that write was invoked, and that write completed before the read was invoked.
     */
    STALE_READ,
    /**
     * A read returned a value that no operation could have written by then: never written, written
     * only by a failed write, or by a write invoked after the read completed.
     */
    IMPOSSIBLE_READ,
    /**
     * An acknowledged write (or delete) that a later direct read of the database ({@code db-read})
     * shows undone: the database holds a state definitely older than the write.
     */
    LOST_WRITE
  }

  /** Creates an anomaly. */
  public Anomaly {
    requireNonNull(kind, "kind");
    requireNonNull(operation, "operation");
    evidence = List.copyOf(evidence);
    requireNonNull(explanation, "explanation");
  }

  /** Returns the explanation. */
  @Override
  public String toString() {
    return explanation;
  }
}
