package dev.tandem.testkit.check;

/** The verdict on one key's history. */
public enum Verdict {
  /** Some order of the operations, consistent with real time, is a legal register history. */
  LINEARIZABLE,
  /** No such order exists. */
  NOT_LINEARIZABLE,
  /**
   * The search exceeded its step or time budget before deciding; it counts as not linearizable,
   * since the history could not be shown correct.
   */
  UNKNOWN
}
