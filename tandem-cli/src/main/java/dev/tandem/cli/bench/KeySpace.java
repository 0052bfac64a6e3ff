package dev.tandem.cli.bench;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The records of one run: {@code user0} to {@code user<records-1>} loaded at the start, and the
 * ones inserted since (workload D). Inserts take the next index; an insert is <em>acknowledged</em>
 * when its write returned, and only acknowledged records are chosen for reading. Thread-safe.
 */
final class KeySpace {

  private final long records;
  private final AtomicLong nextInsert;
  private final AtomicLong acknowledged;

  KeySpace(long records) {
    if (records < 1) {
      throw new IllegalArgumentException("records must be positive but was " + records);
    }
    this.records = records;
    this.nextInsert = new AtomicLong(records);
    this.acknowledged = new AtomicLong(records);
  }

  /** Returns the key of the record with this index. */
  static String key(long index) {
    return "user" + index;
  }

  /** Returns how many records were loaded at the start. */
  long records() {
    return records;
  }

  /** Returns the index for a new record. */
  long nextInsert() {
    return nextInsert.getAndIncrement();
  }

  /** Records that the insert of {@code index} returned. */
  void acknowledge(long index) {
    acknowledged.accumulateAndGet(index + 1, Math::max);
  }

  /**
   * Returns one more than the highest acknowledged index: readers choose below it. (A record below
   * it may still be in flight when inserts finish out of order; reading it finds nothing, as in
   * YCSB.)
   */
  long acknowledged() {
    return acknowledged.get();
  }
}
