package dev.tandem.cli.bench;

/** The operations of a workload, as YCSB's core workloads define them. */
enum Operation {
  /** Reads one record. */
  READ("read"),
  /** Overwrites one existing record. */
  UPDATE("update"),
  /** Writes a new record under a key that did not exist. */
  INSERT("insert"),
  /** Reads one record, then writes it back changed; measured as one operation. */
  READ_MODIFY_WRITE("read-modify-write");

  private final String label;

  Operation(String label) {
    this.label = label;
  }

  /** Returns the name used in tables, JSON and histogram log tags. */
  String label() {
    return label;
  }
}
