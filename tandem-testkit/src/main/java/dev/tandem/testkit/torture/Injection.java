package dev.tandem.testkit.torture;

import static java.util.Objects.requireNonNull;

/**
 * One fault a {@link RandomFaults} nemesis injected, and when, on the clock of the histories
 * ({@link System#nanoTime()}), so that anomalies can be laid against the faults in effect.
 *
 * @param fault the {@linkplain Fault#name() name} of the fault
 * @param injectedAt when its injection began
 * @param healedAt when its healing returned (equal to {@code injectedAt} for an instant fault)
 */
public record Injection(String fault, long injectedAt, long healedAt) {

  /** Creates an injection. */
  public Injection {
    requireNonNull(fault, "fault");
  }
}
