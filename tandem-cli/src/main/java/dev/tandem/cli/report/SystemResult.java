package dev.tandem.cli.report;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The measured results of one compared system.
 *
 * @param system the system's name, for example {@code tandem} or {@code raw-jdbc}
 * @param description what the system is, in a few words
 * @param seconds how long the measured phase lasted
 * @param operations how many operations completed in the measured phase
 * @param opsPerSec operations per second of the measured phase
 * @param latency the latencies of all operations together
 * @param hitRatio the fraction of reads answered by the cache in the measured phase, or null for a
 *     system without a cache
 * @param byOperation the results per kind of operation, in the workload's order
 * @param nodes with {@code bench --nodes N}, each node's own result (this one is their total);
 *     empty for a system that ran in one JVM
 */
public record SystemResult(
    String system,
    String description,
    double seconds,
    long operations,
    double opsPerSec,
    LatencySummary latency,
    @Nullable Double hitRatio,
    List<OperationResult> byOperation,
    List<SystemResult> nodes) {

  /** Creates the result; the lists are copied. */
  public SystemResult {
    requireNonNull(system, "system");
    requireNonNull(description, "description");
    requireNonNull(latency, "latency");
    byOperation = List.copyOf(requireNonNull(byOperation, "byOperation"));
    nodes = List.copyOf(requireNonNull(nodes, "nodes"));
  }

  /** Creates the result of a system that ran in one JVM. */
  public SystemResult(
      String system,
      String description,
      double seconds,
      long operations,
      double opsPerSec,
      LatencySummary latency,
      @Nullable Double hitRatio,
      List<OperationResult> byOperation) {
    this(
        system,
        description,
        seconds,
        operations,
        opsPerSec,
        latency,
        hitRatio,
        byOperation,
        List.of());
  }

  /** Returns this total with the results of the nodes it adds up. */
  public SystemResult withNodes(List<SystemResult> perNode) {
    return new SystemResult(
        system,
        description,
        seconds,
        operations,
        opsPerSec,
        latency,
        hitRatio,
        byOperation,
        perNode);
  }
}
