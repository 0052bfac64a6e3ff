package dev.tandem.cli.report;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * How a benchmark ran.
 *
 * @param commandLine the command line that ran it, for the report's "reproduce" line
 * @param workload the workload's name: {@code A}, {@code B}, {@code C}, {@code D}, {@code F} or
 *     {@code writes}
 * @param workloadDescription what the workload does, for example "50% reads, 50% updates"
 * @param distribution how keys were chosen, for example {@code zipfian}
 * @param records how many records the table held at the start
 * @param valueSize the size of a value in bytes
 * @param cacheSize how many entries the caches could hold
 * @param threads how many threads ran operations
 * @param duration how long each system was measured, or null when a number of operations was set
 * @param operations how many operations each system ran, or 0 when a duration was set
 * @param warmup how long each system ran before it was measured
 * @param seed the seed of every random choice
 */
public record RunSettings(
    String commandLine,
    String workload,
    String workloadDescription,
    String distribution,
    long records,
    int valueSize,
    long cacheSize,
    int threads,
    @Nullable Duration duration,
    long operations,
    Duration warmup,
    long seed) {

  /** Creates the settings. */
  public RunSettings {
    requireNonNull(commandLine, "commandLine");
    requireNonNull(workload, "workload");
    requireNonNull(workloadDescription, "workloadDescription");
    requireNonNull(distribution, "distribution");
    requireNonNull(warmup, "warmup");
  }
}
