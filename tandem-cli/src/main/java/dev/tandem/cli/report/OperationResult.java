package dev.tandem.cli.report;

import static java.util.Objects.requireNonNull;

/**
 * The measured results of one kind of operation of one system.
 *
 * @param operation the operation: {@code read}, {@code update}, {@code insert} or {@code
 *     read-modify-write}
 * @param opsPerSec completed operations of this kind per second of the measured phase
 * @param latency the latencies, from call to return
 */
public record OperationResult(String operation, double opsPerSec, LatencySummary latency) {

  /** Creates the result. */
  public OperationResult {
    requireNonNull(operation, "operation");
    requireNonNull(latency, "latency");
  }
}
