package dev.tandem.bench;

import java.util.SplittableRandom;

/**
 * The order in which the read benchmarks fill their caches: a random permutation of the read
 * sequence. Filled in read order, a cache whose entries lie in memory in fill order (a bare
 * Caffeine cache, filled without a collection in between) reads them as a stream, which real reads
 * are not; the README has the figures.
 */
final class FillOrder {
  private FillOrder() {}

  /** Returns the keys in a random order drawn from {@code random}; {@code keys} is not changed. */
  static Long[] shuffled(Long[] keys, SplittableRandom random) {
    Long[] order = keys.clone();
    for (int i = order.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      Long swapped = order[i];
      order[i] = order[j];
      order[j] = swapped;
    }
    return order;
  }
}
