package dev.tandem.cli.bench;

/** How a workload chooses the keys it touches. */
enum Distribution {
  /**
   * YCSB's default: a few keys are hot (Zipf's law with exponent 0.99), scattered over the key
   * space by a hash; workload D reads the most recently inserted keys most often instead.
   */
  ZIPFIAN,
  /** Every key equally likely. */
  UNIFORM;

  /** Returns the lower-case name. */
  String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
