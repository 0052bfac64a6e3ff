package dev.tandem.testkit.torture;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * One kind of fault a {@link RandomFaults} nemesis injects: what injecting it does, what healing it
 * does, and how long it lasts.
 *
 * @param name what the fault is, for the summary, such as {@code "latency burst"}
 * @param inject injects the fault; may block (a server restart does)
 * @param heal ends it; must be safe to call when it is not in effect
 * @param maxHold how long the fault stays in effect before it is healed, at most (the nemesis picks
 *     a random time up to this); zero for a fault that is over once injected
 * @param minInterval the least time between two injections of this fault (a restart is costly)
 * @param detail what the fault did, appended to the summary (for example how many connections a cut
 *     rule cut), or empty
 */
public record Fault(
    String name,
    Runnable inject,
    Runnable heal,
    Duration maxHold,
    Duration minInterval,
    Supplier<String> detail) {

  /** Creates a fault. */
  public Fault {
    requireNonNull(name, "name");
    requireNonNull(inject, "inject");
    requireNonNull(heal, "heal");
    requireNonNull(maxHold, "maxHold");
    requireNonNull(minInterval, "minInterval");
    requireNonNull(detail, "detail");
    if (maxHold.isNegative() || minInterval.isNegative()) {
      throw new IllegalArgumentException("durations of fault " + name + " must not be negative");
    }
  }

  /** Returns a fault that is over once injected, such as dropping every connection. */
  public static Fault instant(String name, Runnable inject) {
    return new Fault(name, inject, () -> {}, Duration.ZERO, Duration.ZERO, () -> "");
  }

  /**
   * Returns a fault that stays in effect for a random time up to {@code maxHold}, then is healed.
   */
  public static Fault held(String name, Runnable inject, Runnable heal, Duration maxHold) {
    return new Fault(name, inject, heal, maxHold, Duration.ZERO, () -> "");
  }

  /** Returns this fault, injected at most once per {@code interval}. */
  public Fault atMostEvery(Duration interval) {
    return new Fault(name, inject, heal, maxHold, interval, detail);
  }

  /** Returns this fault with a detail for the summary. */
  public Fault withDetail(Supplier<String> detail) {
    return new Fault(name, inject, heal, maxHold, minInterval, detail);
  }
}
