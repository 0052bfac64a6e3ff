package dev.tandem.cli.bench;

import java.util.random.RandomGenerator;

/**
 * Chooses the index of the record an operation touches. One per thread: the latest-records chooser
 * keeps state.
 */
sealed interface KeyChooser {

  /** Returns the next record index. */
  long next(RandomGenerator random);

  /**
   * Returns the chooser of a workload: uniform over the acknowledged records; or Zipfian, over the
   * loaded records with ranks scattered by a hash, except for a workload that reads the latest
   * records (D), where rank 0 is the newest acknowledged record.
   *
   * @param zipfian a generator over the loaded records, shared by the threads (building one costs)
   */
  static KeyChooser of(
      Workload workload, Distribution distribution, KeySpace keys, ZipfianGenerator zipfian) {
    if (distribution == Distribution.UNIFORM) {
      return new Uniform(keys);
    }
    return workload.readsLatest() ? new Latest(keys, zipfian) : new Scrambled(zipfian);
  }

  /** Every acknowledged record equally likely. */
  final class Uniform implements KeyChooser {
    private final KeySpace keys;

    Uniform(KeySpace keys) {
      this.keys = keys;
    }

    @Override
    public long next(RandomGenerator random) {
      return random.nextLong(keys.acknowledged());
    }
  }

  /**
   * Zipfian ranks scattered over the key space with FNV-1a, so that the hot records are not
   * neighbours: the way YCSB's scrambled Zipfian works.
   */
  final class Scrambled implements KeyChooser {
    private static final long FNV_OFFSET = 0xCBF29CE484222325L;
    private static final long FNV_PRIME = 0x100000001B3L;

    private final ZipfianGenerator zipfian;

    Scrambled(ZipfianGenerator zipfian) {
      this.zipfian = zipfian;
    }

    @Override
    public long next(RandomGenerator random) {
      return Math.floorMod(fnv1a(zipfian.next(random)), zipfian.items());
    }

    /** FNV-1a over the eight bytes of {@code value}, lowest first. */
    static long fnv1a(long value) {
      long hash = FNV_OFFSET;
      for (int i = 0; i < 8; i++) {
        hash ^= (value >>> (8 * i)) & 0xFF;
        hash *= FNV_PRIME;
      }
      return hash;
    }
  }

  /** Zipfian over recency: rank 0 is the newest acknowledged record (YCSB's "latest"). */
  final class Latest implements KeyChooser {
    private final KeySpace keys;
    private ZipfianGenerator zipfian;

    Latest(KeySpace keys, ZipfianGenerator zipfian) {
      this.keys = keys;
      this.zipfian = zipfian;
    }

    @Override
    public long next(RandomGenerator random) {
      long newest = keys.acknowledged();
      zipfian = zipfian.withItems(newest);
      return newest - 1 - zipfian.next(random);
    }
  }
}
