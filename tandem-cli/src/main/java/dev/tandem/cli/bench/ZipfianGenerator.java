package dev.tandem.cli.bench;

import java.util.random.RandomGenerator;

/**
 * Draws ranks 0 to n-1 with Zipf's law: rank r has probability proportional to 1 / (r+1)^θ, so rank
 * 0 is the most popular. It uses the rejection-free method of Gray et al., "Quickly generating
 * billion-record synthetic databases" (SIGMOD 1994), which YCSB uses too, with YCSB's θ of 0.99.
 *
 * <p>Immutable and thread-safe; the randomness comes from the caller. Building one sums n terms
 * (the zeta constant), so build it once per item count; {@link #withItems} extends the sum instead
 * of starting over, for a key space that grows.
 */
final class ZipfianGenerator {

  /** YCSB's Zipfian constant. */
  static final double THETA = 0.99;

  private final long items;
  private final double theta;
  private final double zetaN;
  private final double alpha;
  private final double eta;
  private final double secondThreshold;

  private ZipfianGenerator(long items, double theta, double zetaN) {
    this.items = items;
    this.theta = theta;
    this.zetaN = zetaN;
    double zeta2 = 1 + Math.pow(0.5, theta);
    this.alpha = 1 / (1 - theta);
    this.eta = (1 - Math.pow(2.0 / items, 1 - theta)) / (1 - zeta2 / zetaN);
    this.secondThreshold = zeta2;
  }

  /**
   * Returns a generator of ranks 0 to {@code items}-1 with θ = {@value #THETA}.
   *
   * @throws IllegalArgumentException if items is not positive
   */
  static ZipfianGenerator of(long items) {
    return of(items, THETA);
  }

  /**
   * Returns a generator of ranks 0 to {@code items}-1 with exponent {@code theta}.
   *
   * @throws IllegalArgumentException if items is not positive or theta not strictly between 0 and 1
   */
  static ZipfianGenerator of(long items, double theta) {
    if (items < 1) {
      throw new IllegalArgumentException("items must be positive but was " + items);
    }
    if (!(theta > 0 && theta < 1)) {
      throw new IllegalArgumentException(
          "theta must be between 0 and 1 (exclusive) but was " + theta);
    }
    return new ZipfianGenerator(items, theta, zeta(0, items, theta, 0));
  }

  /**
   * Returns a generator with the same θ over {@code newItems} ranks; when the count grows it adds
   * only the new terms of the zeta sum.
   *
   * @throws IllegalArgumentException if newItems is not positive
   */
  ZipfianGenerator withItems(long newItems) {
    if (newItems < 1) {
      throw new IllegalArgumentException("items must be positive but was " + newItems);
    }
    if (newItems == items) {
      return this;
    }
    double zeta =
        newItems > items ? zeta(items, newItems, theta, zetaN) : zeta(0, newItems, theta, 0);
    return new ZipfianGenerator(newItems, theta, zeta);
  }

  /** Returns the number of ranks. */
  long items() {
    return items;
  }

  /** Returns the next rank, from 0 (the most popular) to {@link #items()}-1. */
  long next(RandomGenerator random) {
    double u = random.nextDouble();
    double uz = u * zetaN;
    if (uz < 1) {
      return 0;
    }
    if (uz < secondThreshold) {
      return Math.min(1, items - 1);
    }
    long rank = (long) (items * Math.pow(eta * u - eta + 1, alpha));
    return Math.max(0, Math.min(rank, items - 1)); // floating point can overshoot by one
  }

  /** Returns zeta(to) = zeta(from) + the sum of 1/i^θ for i from from+1 to to. */
  private static double zeta(long from, long to, double theta, double zetaFrom) {
    double sum = zetaFrom;
    for (long i = from + 1; i <= to; i++) {
      sum += 1 / Math.pow(i, theta);
    }
    return sum;
  }

  @Override
  public String toString() {
    return "ZipfianGenerator{items=" + items + ", theta=" + theta + "}";
  }
}
