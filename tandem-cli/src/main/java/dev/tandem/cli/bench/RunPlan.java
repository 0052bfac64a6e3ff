package dev.tandem.cli.bench;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * What each system of a run does.
 *
 * @param workload the mix of operations
 * @param distribution how keys are chosen
 * @param records how many records are loaded before each system runs
 * @param valueSize the size of a value in characters (bytes: they are ASCII)
 * @param cacheSize how many entries each cache may hold
 * @param threads how many threads run operations
 * @param duration how long each system is measured, or null to run {@code operations}
 * @param operations how many operations each system runs when duration is null
 * @param warmup how long each system runs unmeasured first; zero for none
 * @param seed the seed of the values loaded and of every thread's random choices
 */
record RunPlan(
    Workload workload,
    Distribution distribution,
    long records,
    int valueSize,
    long cacheSize,
    int threads,
    @Nullable Duration duration,
    long operations,
    Duration warmup,
    long seed) {

  RunPlan {
    requireNonNull(workload, "workload");
    requireNonNull(distribution, "distribution");
    requireNonNull(warmup, "warmup");
    if (duration == null && operations < 1) {
      throw new IllegalArgumentException(
          "either a duration or a positive number of operations is needed");
    }
  }
}
