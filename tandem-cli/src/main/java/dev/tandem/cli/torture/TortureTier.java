package dev.tandem.cli.torture;

import dev.tandem.spi.CacheTier;
import dev.tandem.testkit.naive.NaiveCache;
import org.jspecify.annotations.Nullable;

/**
 * How a torture run builds the cache tier of each node, one implementation per {@code --tier} name
 * (see {@link TortureTiers}): every node gets a tier of its own (its own engine, connections and
 * local state); a shared tier's nodes meet in the run's Redis.
 */
interface TortureTier {

  /** Returns the {@code --tier} name. */
  String name();

  /** Returns whether the nodes share the run's Redis (which is then started or connected). */
  boolean shared();

  /**
   * Returns what each node's cache is, for the output, such as "local tier (Caffeine) of 5
   * entries".
   */
  String describe(int cacheSize);

  /**
   * Returns a new tier for node {@code node}.
   *
   * @param redis the run's Redis if {@link #shared()}, else null
   * @param cacheSize the bound of a node's local cache (few entries, so that they are evicted)
   */
  CacheTier<String, Long> tier(@Nullable TortureRedis redis, int cacheSize, int node);

  /**
   * Returns the cache of the naive write-through class (the negative control) of node {@code node}
   * in the shape of this tier.
   *
   * @throws UnsupportedOperationException if the tier has no naive counterpart
   */
  NaiveCache<String, Long> naiveCache(@Nullable TortureRedis redis, int cacheSize, int node);
}
