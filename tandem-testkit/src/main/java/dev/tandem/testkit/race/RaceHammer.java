package dev.tandem.testkit.race;

import static java.util.Objects.requireNonNull;

import dev.tandem.Tandem;
import dev.tandem.TandemException;
import dev.tandem.Versioned;
import dev.tandem.spi.Store;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Hammers few keys from many threads with reads, puts, removes, updates and invalidations, and
 * checks two invariants that a correct write-through cache keeps and the naive one breaks:
 *
 * <ol>
 *   <li><b>No stale read</b> (during the run): a read that starts after a put of its key returned
 *       sees that put's version or a newer one (races H1, H2, H6).
 *   <li><b>Convergence</b> (after quiescence): every key the cache holds equals the database, in
 *       value and in presence (races H1, H3, H6 leave a difference behind).
 * </ol>
 *
 * Values are unique per run (a global counter), so a read identifies the write it saw. The run is
 * bounded by an operation count and a deadline, and replays from its seed as far as thread
 * scheduling allows.
 */
public final class RaceHammer {

  /**
   * How to hammer.
   *
   * @param threads concurrent clients
   * @param keys distinct keys ("k0", "k1", ...): few, so that operations collide
   * @param operationsPerThread operations each client performs
   * @param maxDuration the run stops early when this much time has passed
   * @param seed the seed of the operation mix
   */
  public record Config(
      int threads, int keys, int operationsPerThread, Duration maxDuration, long seed) {
    /**
     * @throws IllegalArgumentException if a count is not positive
     */
    public Config {
      if (threads < 1 || keys < 1 || operationsPerThread < 1) {
        throw new IllegalArgumentException("threads, keys and operations must be positive");
      }
      requireNonNull(maxDuration, "maxDuration");
    }
  }

  /**
   * What a run found.
   *
   * @param operations operations performed
   * @param staleReads reads older than a put that returned before they began
   * @param divergentKeys keys whose cached state differs from the database after quiescence
   * @param failures operations that threw (a correct engine over a healthy database has none)
   * @param examples up to 20 descriptions of violations
   */
  public record Report(
      long operations, long staleReads, long divergentKeys, long failures, List<String> examples) {
    /** Returns whether both invariants held. */
    public boolean consistent() {
      return staleReads == 0 && divergentKeys == 0;
    }

    @Override
    public String toString() {
      return "ops="
          + operations
          + " stale="
          + staleReads
          + " divergent="
          + divergentKeys
          + " failures="
          + failures
          + (examples.isEmpty() ? "" : " e.g. " + examples.get(0));
    }
  }

  private RaceHammer() {}

  /**
   * Runs the hammer. {@code cache} must be a fresh cache over {@code store}, over an empty table.
   */
  public static Report run(Tandem<String, Long> cache, Store<String, Long> store, Config config)
      throws InterruptedException {
    System.out.println(
        "RaceHammer seed="
            + config.seed()
            + " threads="
            + config.threads()
            + " keys="
            + config.keys());
    AtomicLongArray ackedPutVersion = new AtomicLongArray(config.keys());
    AtomicLong values = new AtomicLong();
    LongAdder operations = new LongAdder();
    LongAdder stale = new LongAdder();
    LongAdder failures = new LongAdder();
    List<String> examples = Collections.synchronizedList(new ArrayList<>());
    long deadline = System.nanoTime() + config.maxDuration().toNanos();
    CountDownLatch start = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(config.threads());
    List<Thread> clients = new ArrayList<>();
    for (int t = 0; t < config.threads(); t++) {
      SplittableRandom random = new SplittableRandom(config.seed() * 31 + t);
      Thread client =
          Thread.ofPlatform()
              .name("hammer-" + t)
              .start(
                  () -> {
                    try {
                      start.await();
                      for (int i = 0;
                          i < config.operationsPerThread() && System.nanoTime() < deadline;
                          i++) {
                        int k = random.nextInt(config.keys());
                        String key = "k" + k;
                        int dice = random.nextInt(100);
                        try {
                          if (dice < 45) {
                            long before = ackedPutVersion.get(k);
                            Optional<Versioned<Long>> read = cache.getVersioned(key);
                            if (read.isPresent() && read.get().version() < before) {
                              stale.increment();
                              note(
                                  examples,
                                  "stale read of "
                                      + key
                                      + ": version "
                                      + read.get().version()
                                      + " after a put of version "
                                      + before
                                      + " had returned");
                            }
                          } else if (dice < 75) {
                            long version = cache.put(key, values.incrementAndGet());
                            ackedPutVersion.accumulateAndGet(k, version, Math::max);
                          } else if (dice < 83) {
                            cache.remove(key);
                          } else if (dice < 91) {
                            cache.update(key, v -> values.incrementAndGet());
                          } else {
                            cache.invalidate(key);
                          }
                        } catch (TandemException | IllegalStateException e) {
                          failures.increment();
                          note(examples, "operation on " + key + " failed: " + e);
                        }
                        operations.increment();
                      }
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    } finally {
                      done.countDown();
                    }
                  });
      clients.add(client);
    }
    start.countDown();
    long waitSeconds = config.maxDuration().toSeconds() + 60;
    if (!done.await(waitSeconds, TimeUnit.SECONDS)) {
      StringBuilder dump = new StringBuilder("hammer clients did not finish; thread dump:\n");
      for (Thread c : clients) {
        dump.append(c).append('\n');
        for (StackTraceElement e : c.getStackTrace()) {
          dump.append("    at ").append(e).append('\n');
        }
      }
      clients.forEach(Thread::interrupt);
      throw new IllegalStateException(dump.toString());
    }
    long divergent = 0;
    for (int k = 0; k < config.keys(); k++) {
      String key = "k" + k;
      Optional<Long> cached = cache.getIfCached(key);
      Optional<Long> database = store.load(key).map(Versioned::value);
      boolean cachedAbsence = cached.isEmpty();
      if (!cachedAbsence && !cached.equals(database)) {
        divergent++;
        note(
            examples,
            "after quiescence "
                + key
                + " is cached as "
                + cached.get()
                + " but the database has "
                + database);
      } else if (cachedAbsence && database.isPresent() && !cache.get(key).equals(database)) {
        divergent++;
        note(
            examples,
            "after quiescence " + key + " reads as absent but the database has " + database.get());
      }
    }
    return new Report(
        operations.sum(), stale.sum(), divergent, failures.sum(), List.copyOf(examples));
  }

  private static void note(List<String> examples, String example) {
    if (examples.size() < 20) {
      examples.add(example);
    }
  }
}
