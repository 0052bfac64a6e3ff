package dev.tandem.cli;

import static java.util.Objects.requireNonNull;

import dev.tandem.spi.CacheTier;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * Waits until a shared tier caches loaded rows. A Redis tier that reached a server it had not
 * verified yet (a {@code redis-server} started for the run, or a prefix new to it) refuses fills
 * until its write fence timeout has passed since the server started, in case a write of another
 * node was in flight then (race H9). The demo and the bench wait that out once, so that their reads
 * are not counted as misses for it.
 */
public final class TierFills {

  private TierFills() {}

  /**
   * Probes {@code tier} with a fill lease of {@code probe} (given back at once) every 50 ms until
   * one is granted or {@code max} has passed.
   *
   * @return how long it waited, or null if the tier still refused fills after {@code max}
   */
  public static <K> @Nullable Duration await(CacheTier<K, ?> tier, K probe, Duration max) {
    requireNonNull(tier, "tier");
    requireNonNull(probe, "probe");
    long start = System.nanoTime();
    long deadline = start + max.toNanos();
    while (true) {
      long lease = tier.beginFill(probe);
      if (lease != CacheTier.NO_LEASE) {
        tier.cancelFill(probe, lease);
        return Duration.ofNanos(System.nanoTime() - start);
      }
      if (System.nanoTime() - deadline > 0) {
        return null;
      }
      LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
    }
  }
}
