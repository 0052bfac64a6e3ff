package dev.tandem;

import dev.tandem.spi.CacheTier;
import dev.tandem.spi.Cached;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The calls of a {@link WriteThroughCache} into its {@link CacheTier} that must not fail their
 * caller: a read the tier cannot answer counts as a miss, a fill it cannot take is skipped, and a
 * publish it cannot apply fences the key instead (H4). Each failure is counted in the cache's
 * {@link StatsCounter#tierFailures} and logged under the engine's logger, repeated publish failures
 * at a limited rate.
 *
 * <p>Thread-safe.
 */
final class GuardedTier<K, V> {

  /** The engine's logger: what a tier call logs is the cache's. */
  private static final Logger log = LoggerFactory.getLogger(WriteThroughCache.class);

  private final CacheTier<K, V> tier;

  /**
   * The tier for lookups: {@link #tier} until {@link #closeLookups} swaps in one that always
   * misses.
   */
  private volatile CacheTier<K, V> lookups;

  private final StatsCounter stats;
  private final String name;
  private final LogLimiter publishFailureLog = new LogLimiter(10, TimeUnit.SECONDS);

  GuardedTier(CacheTier<K, V> tier, StatsCounter stats, String name) {
    this.tier = tier;
    this.lookups = tier;
    this.stats = stats;
    this.name = name;
  }

  /**
   * Returns the tier for lookups: the tier, or after {@link #closeLookups} one that holds nothing.
   */
  CacheTier<K, V> lookups() {
    return lookups;
  }

  /** Makes every later lookup miss, so that reads take the checked miss path of a closed cache. */
  void closeLookups() {
    lookups = new ClosedTier<>();
  }

  /**
   * Asks the tier for the value alone: first what it holds in this JVM (the hit path, no I/O),
   * then, if that is nothing, the tier itself; a tier that cannot answer counts as a miss.
   */
  @SuppressWarnings("NullableOptional")
  @Nullable Optional<V> lookupValue(K key) {
    try {
      CacheTier<K, V> t = lookups;
      Optional<V> local = t.getValueIfLocal(key);
      return local != null ? local : t.getValueIfPresent(key);
    } catch (RuntimeException e) {
      stats.tierFailures.increment();
      log.debug("{}: cache tier read of key {} failed; reading the database", name, key, e);
      return null;
    }
  }

  /**
   * Asks the tier; a tier that cannot answer counts as a miss, so the read goes to the database.
   */
  @Nullable Cached<V> lookup(K key) {
    try {
      return lookups.getIfPresent(key);
    } catch (RuntimeException e) {
      stats.tierFailures.increment();
      log.debug("{}: cache tier read of key {} failed; reading the database", name, key, e);
      return null;
    }
  }

  /**
   * Takes a fill lease; a tier that cannot give one gets no fill (the load still answers the read).
   */
  long lease(K key) {
    try {
      return tier.beginFill(key);
    } catch (RuntimeException e) {
      stats.tierFailures.increment();
      return CacheTier.NO_LEASE;
    }
  }

  /**
   * Fills under the lease; returns whether the lease was still valid (see WriteThroughCache's
   * Loaded).
   */
  boolean fill(K key, long lease, Cached<V> loaded) {
    if (lease == CacheTier.NO_LEASE) {
      return false;
    }
    try {
      return tier.fill(key, lease, loaded);
    } catch (RuntimeException e) {
      stats.tierFailures.increment();
      log.debug("{}: cache fill of key {} failed", name, key, e);
      return false;
    }
  }

  void cancelFill(K key, long lease) {
    if (lease == CacheTier.NO_LEASE) {
      return;
    }
    try {
      tier.cancelFill(key, lease);
    } catch (RuntimeException e) {
      stats.tierFailures.increment();
    }
  }

  /**
   * What a read answers when the tier refused its fill: what the tier holds now, if anything, else
   * what was loaded. The load may have seen a write that committed but has not published yet, while
   * the tier still serves the previous value to every hit; answering the loaded value could make a
   * later hit go back in time (found by the torture test; see {@code LoadAheadOfPublishTest}). What
   * the tier holds now is what a hit would answer at this moment, inside this read's interval.
   */
  Cached<V> afterRefusedFill(K key, Cached<V> loaded) {
    try {
      Cached<V> now = tier.getIfPresent(key);
      return now != null ? now : loaded;
    } catch (RuntimeException e) {
      stats.tierFailures.increment();
      return loaded;
    }
  }

  /**
   * Publishes a committed entry; a tier failure must not turn a committed write into an error (H4).
   */
  void publish(K key, Cached<V> committed) {
    try {
      tier.applyCommitted(key, committed);
    } catch (RuntimeException | Error e) { // an Error too: the commit stands, the old value must go
      stats.tierFailures.increment();
      boolean full = publishFailureLog.permit();
      if (full) {
        log.warn(
            "{}: cache update of key {} failed after commit; fencing the key (further failures within 10 s "
                + "are logged at debug level)",
            name,
            key,
            e);
      } else {
        log.debug("{}: cache update of key {} failed after commit; fencing the key", name, key, e);
      }
      try {
        tier.fence(key);
      } catch (RuntimeException | Error fenceFailure) {
        e.addSuppressed(fenceFailure);
        if (full) {
          log.error(
              "{}: could not fence key {} after a failed cache update", name, key, fenceFailure);
        } else {
          log.debug(
              "{}: could not fence key {} after a failed cache update", name, key, fenceFailure);
        }
      }
    }
  }

  /** Fences a key after a commit with an unknown outcome; a tier failure is logged, not thrown. */
  void fenceAfterAmbiguous(K key) {
    try {
      tier.fence(key);
    } catch (RuntimeException e) {
      stats.tierFailures.increment();
      log.warn("{}: could not fence key {} after an ambiguous commit", name, key, e);
    }
  }

  void abandon(K key) {
    try {
      tier.writeAbandoned(key);
    } catch (RuntimeException e) {
      stats.tierFailures.increment();
      log.debug("{}: cache tier could not release key {}", name, key, e);
    }
  }

  /**
   * What a closed cache looks up in: a tier that holds nothing, so every read takes the checked
   * miss path.
   */
  private static final class ClosedTier<K, V> implements CacheTier<K, V> {
    @Override
    public @Nullable Cached<V> getIfPresent(K key) {
      return null;
    }

    @Override
    public Map<K, Cached<V>> getAllPresent(Collection<? extends K> keys) {
      return Map.of();
    }

    @Override
    public long beginFill(K key) {
      return NO_LEASE;
    }

    @Override
    public boolean fill(K key, long lease, Cached<V> loaded) {
      return false;
    }

    @Override
    public void cancelFill(K key, long lease) {}

    @Override
    public void applyCommitted(K key, Cached<V> committed) {}

    @Override
    public void fence(K key) {}

    @Override
    public void invalidate(K key) {}

    @Override
    public void invalidateAll() {}

    @Override
    public long estimatedSize() {
      return 0;
    }

    @Override
    public long evictionCount() {
      return 0;
    }
  }
}
