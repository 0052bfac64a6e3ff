package dev.tandem.cli.report;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Everything one {@code tandem bench} run measured, as the table, the JSON and the HTML report show
 * it.
 *
 * @param settings how the run was made
 * @param environment where it ran
 * @param baseline the system the ratios are taken against: {@code direct} when it ran, else the
 *     first system compared with Tandem
 * @param results one result per system, in the order they ran
 */
public record BenchResults(
    RunSettings settings, Environment environment, String baseline, List<SystemResult> results) {

  /**
   * Creates the results.
   *
   * @throws IllegalArgumentException if no result is of the baseline system
   */
  public BenchResults {
    requireNonNull(settings, "settings");
    requireNonNull(environment, "environment");
    requireNonNull(baseline, "baseline");
    results = List.copyOf(requireNonNull(results, "results"));
    if (results.stream().noneMatch(r -> r.system().equals(baseline))) {
      throw new IllegalArgumentException("the baseline " + baseline + " is not among the results");
    }
  }

  /**
   * Returns the throughput of {@code result} divided by the baseline's; 0 if the baseline did
   * nothing.
   */
  public double ratio(SystemResult result) {
    double base = baselineResult().opsPerSec();
    return base > 0 ? result.opsPerSec() / base : 0;
  }

  /** Returns the baseline's result. */
  public SystemResult baselineResult() {
    for (SystemResult result : results) {
      if (result.system().equals(baseline)) {
        return result;
      }
    }
    throw new AssertionError("checked in the constructor");
  }

  /** Returns the operations measured, in the order of the first system that has them. */
  public List<String> operations() {
    return results.stream()
        .flatMap(r -> r.byOperation().stream())
        .map(OperationResult::operation)
        .distinct()
        .toList();
  }
}
