package dev.tandem.cli.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * The workloads of {@code tandem bench}: YCSB's core workloads A, B, C, D and F (E, short scans, is
 * left out: a key-value cache has nothing to offer scans) and {@code writes}, updates only. The
 * proportions are YCSB's.
 */
enum Workload {
  /** Update heavy: 50% reads, 50% updates. */
  A("50% reads, 50% updates", 0.5, 0.5, 0, 0),
  /** Read mostly: 95% reads, 5% updates. */
  B("95% reads, 5% updates", 0.95, 0.05, 0, 0),
  /** Read only. */
  C("100% reads", 1.0, 0, 0, 0),
  /** Read latest: 95% reads, 5% inserts, the newest records read most. */
  D("95% reads of the latest records, 5% inserts", 0.95, 0, 0.05, 0),
  /** Read-modify-write: 50% reads, 50% read-modify-writes. */
  F("50% reads, 50% read-modify-writes", 0.5, 0, 0, 0.5),
  /** Write only: every operation overwrites an existing record. */
  WRITES("100% updates", 0, 1.0, 0, 0);

  private final String description;
  private final double read;
  private final double update;
  private final double insert;
  private final List<Operation> operations;

  Workload(String description, double read, double update, double insert, double readModifyWrite) {
    this.description = description;
    this.read = read;
    this.update = update;
    this.insert = insert;
    List<Operation> ops = new ArrayList<>();
    if (read > 0) {
      ops.add(Operation.READ);
    }
    if (update > 0) {
      ops.add(Operation.UPDATE);
    }
    if (insert > 0) {
      ops.add(Operation.INSERT);
    }
    if (readModifyWrite > 0) {
      ops.add(Operation.READ_MODIFY_WRITE);
    }
    this.operations = List.copyOf(ops);
  }

  /** Returns the name on the command line and in reports: A, B, C, D, F or writes. */
  String label() {
    return this == WRITES ? "writes" : name();
  }

  /** Returns what the workload does, for example "50% reads, 50% updates". */
  String description() {
    return description;
  }

  /** Returns whether the workload reads the latest inserted records most (workload D). */
  boolean readsLatest() {
    return this == D;
  }

  /** Returns the operations the workload runs, in a fixed order. */
  List<Operation> operations() {
    return operations;
  }

  /** Returns the next operation, drawn with the workload's proportions. */
  Operation next(RandomGenerator random) {
    double u = random.nextDouble();
    if (u < read) {
      return Operation.READ;
    }
    u -= read;
    if (u < update) {
      return Operation.UPDATE;
    }
    u -= update;
    if (u < insert) {
      return Operation.INSERT;
    }
    return operations.get(
        operations.size() - 1); // read-modify-write, or the last one when rounding overshoots
  }
}
