package dev.tandem.testkit.torture;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A nemesis that injects a seeded random sequence of {@link Fault faults} on a thread of its own: a
 * quiet pause, then one fault, held for a while and healed, then another pause, and so on. The
 * first faults go through every kind once, in a random order, so that a short run still sees them
 * all; later ones are drawn at random.
 *
 * <p>The order of faults replays from the seed; their effect on the clients depends on timing. A
 * fault that fails to inject (the database is restarting, say) is counted and skipped.
 */
public final class RandomFaults implements Nemesis {

  private final List<Fault> faults;
  private final SplittableRandom random;
  private final Duration maxQuiet;
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final Map<String, int[]> counts = new LinkedHashMap<>(); // name -> {injected, failed}
  private final Map<String, Long> lastInjected = new LinkedHashMap<>();
  private final List<String> failures = new ArrayList<>();
  private final List<Injection> injections = new ArrayList<>();
  private @Nullable Thread thread;
  private volatile @Nullable Fault active;

  /**
   * Creates the nemesis.
   *
   * @param faults the kinds of fault to inject; none makes a nemesis that does nothing
   * @param seed the seed of the sequence
   * @param maxQuiet the longest pause between two faults (each pause is random up to this)
   */
  public RandomFaults(List<Fault> faults, long seed, Duration maxQuiet) {
    this.faults = List.copyOf(faults);
    this.random = new SplittableRandom(seed);
    this.maxQuiet = requireNonNull(maxQuiet, "maxQuiet");
    if (maxQuiet.isNegative() || maxQuiet.isZero()) {
      throw new IllegalArgumentException("maxQuiet must be positive but was " + maxQuiet);
    }
    this.faults.forEach(f -> counts.put(f.name(), new int[2]));
  }

  @Override
  public synchronized void start() {
    if (thread != null) {
      throw new IllegalStateException("the nemesis was already started");
    }
    thread = Thread.ofPlatform().name("torture-nemesis").daemon().start(this::run);
  }

  @Override
  public void stop() {
    stopped.countDown();
    Thread t;
    synchronized (this) {
      t = thread;
    }
    if (t != null) {
      try {
        t.join(); // a restart in progress finishes first
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (Fault f : faults) {
      heal(f);
    }
  }

  @Override
  public synchronized List<String> summary() {
    List<String> lines = new ArrayList<>();
    for (Fault f : faults) {
      int[] c = counts(f);
      if (c[0] == 0 && c[1] == 0) {
        continue;
      }
      String detail = f.detail().get();
      lines.add(
          f.name()
              + ": "
              + c[0]
              + (c[0] == 1 ? " time" : " times")
              + (detail.isEmpty() ? "" : ", " + detail)
              + (c[1] == 0 ? "" : " (" + c[1] + " could not be injected)"));
    }
    if (!failures.isEmpty()) {
      lines.add("first injection failure: " + failures.get(0));
    }
    return lines;
  }

  /**
   * Returns every fault injected so far, in order, with when it was injected and healed; a fault
   * still in effect is not listed.
   */
  public synchronized List<Injection> injections() {
    return List.copyOf(injections);
  }

  private void run() {
    List<Fault> firstRound = new ArrayList<>(faults);
    for (int i = firstRound.size() - 1; i > 0; i--) { // a seeded shuffle
      int j = random.nextInt(i + 1);
      firstRound.set(j, firstRound.set(i, firstRound.get(j)));
    }
    int round = 0;
    while (!faults.isEmpty()
        && !pause(random.nextLong(maxQuiet.toNanos() / 4, maxQuiet.toNanos() + 1))) {
      Fault fault =
          round < firstRound.size()
              ? firstRound.get(round++)
              : faults.get(random.nextInt(faults.size()));
      if (!due(fault)) {
        continue;
      }
      long hold =
          fault.maxHold().isZero()
              ? 0
              : random.nextLong(fault.maxHold().toNanos() / 4, fault.maxHold().toNanos() + 1);
      long injectedAt = System.nanoTime();
      if (!inject(fault)) {
        continue;
      }
      boolean stopping = hold > 0 && pause(hold);
      heal(fault);
      synchronized (this) {
        injections.add(
            new Injection(fault.name(), injectedAt, hold > 0 ? System.nanoTime() : injectedAt));
      }
      if (stopping) {
        return;
      }
    }
  }

  /**
   * Returns the counters of a fault: {injected, failed}; the constructor made them for every fault.
   */
  private synchronized int[] counts(Fault fault) {
    return requireNonNull(counts.get(fault.name()));
  }

  private synchronized boolean due(Fault fault) {
    Long last = lastInjected.get(fault.name());
    return last == null || System.nanoTime() - last >= fault.minInterval().toNanos();
  }

  private boolean inject(Fault fault) {
    active = fault;
    try {
      fault.inject().run();
      synchronized (this) {
        counts(fault)[0]++;
        lastInjected.put(fault.name(), System.nanoTime());
      }
      return true;
    } catch (RuntimeException e) {
      synchronized (this) {
        counts(fault)[1]++;
        if (failures.isEmpty()) {
          failures.add(fault.name() + ": " + e);
        }
      }
      heal(fault);
      return false;
    } finally {
      active = null;
    }
  }

  private void heal(Fault fault) {
    try {
      fault.heal().run();
    } catch (RuntimeException e) {
      synchronized (this) {
        if (failures.isEmpty()) {
          failures.add("healing " + fault.name() + ": " + e);
        }
      }
    }
  }

  /** Waits {@code nanos} unless stopped first; returns true if stopped. */
  private boolean pause(long nanos) {
    try {
      return stopped.await(nanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return true;
    }
  }

  @Override
  public String toString() {
    Fault f = active;
    return "RandomFaults{"
        + faults.size()
        + " kinds"
        + (f != null ? ", injecting " + f.name() : "")
        + "}";
  }
}
