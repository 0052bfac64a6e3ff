package dev.tandem.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.spi.CacheTier;
import dev.tandem.spi.CacheTierContract;
import dev.tandem.spi.Cached;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The local tier through the {@link CacheTierContract}, and what only it has: its lease and key
 * bookkeeping, expiry on a fake ticker, the size bound, builder validation.
 */
class LocalTierTest extends CacheTierContract {

  private final AtomicLong nanos = new AtomicLong();
  private final LocalTier<String, String> tier =
      LocalTier.<String, String>builder()
          .maximumSize(100)
          .expireAfterWrite(Duration.ofMinutes(1))
          .ticker(nanos::get)
          .executor(Runnable::run)
          .build();

  @Override
  protected CacheTier<String, String> tier() {
    return tier;
  }

  /**
   * The side map forgets a lease once it filled, was refused by a newer entry, or was cancelled.
   */
  @Test
  void leasesAreForgottenOnceUsedOrCancelled() {
    tier.fill("a", tier.beginFill("a"), Cached.present("v1", 1));
    tier.applyCommitted("b", Cached.present("v3", 3));
    assertThat(tier.fill("b", tier.beginFill("b"), Cached.absent()))
        .as("the lease was valid")
        .isTrue();
    tier.cancelFill("c", tier.beginFill("c"));
    assertThat(tier.leaseCount()).isZero();
  }

  @Test
  void entriesExpireAfterWriteAndCountAsEvictions() {
    tier.applyCommitted("k", Cached.present("v1", 1));
    nanos.addAndGet(Duration.ofMinutes(2).toNanos());
    assertThat(tier.getIfPresent("k")).isNull();
    tier.estimatedSize(); // let Caffeine run its maintenance
    tier.applyCommitted("other", Cached.present("x", 2));
    assertThat(tier.evictionCount()).isEqualTo(1);
  }

  @Test
  void sizeBoundEvicts() {
    LocalTier<Integer, String> small =
        LocalTier.<Integer, String>builder().maximumSize(10).executor(Runnable::run).build();
    for (int i = 0; i < 100; i++) {
      small.applyCommitted(i, Cached.present("v", i + 1));
    }
    assertThat(small.estimatedSize()).isLessThanOrEqualTo(10);
    assertThat(small.evictionCount()).isGreaterThanOrEqualTo(90);
  }

  /**
   * A cached key costs Caffeine's entry alone: the version is kept in that entry, and the side map
   * holds only keys with a fill or write in flight or a fence.
   */
  @Test
  void cachedKeysLeaveNothingInTheSideMap() {
    for (int i = 0; i < 50; i++) {
      tier.applyCommitted("w" + i, Cached.present("v" + i, i + 1));
      long lease = tier.beginFill("f" + i);
      tier.fill("f" + i, lease, Cached.deleted(i + 1));
    }
    tier.beforeWrite("w0");
    tier.applyCommitted("w0", Cached.present("v0'", 100));
    tier.beforeWrite("w1");
    tier.writeAbandoned("w1");
    assertThat(tier.estimatedSize()).isEqualTo(100);
    assertThat(tier.getIfPresent("w0")).isEqualTo(Cached.present("v0'", 100));
    assertThat(tier.getIfPresent("f7")).isEqualTo(Cached.deleted(8));
    assertThat(tier.trackedKeys()).isZero();
  }

  /** The side map of leases and fences never outgrows the cache: evicted keys are forgotten. */
  @Test
  void stateOfEvictedKeysIsForgotten() {
    LocalTier<Integer, String> small =
        LocalTier.<Integer, String>builder().maximumSize(10).executor(Runnable::run).build();
    for (int i = 0; i < 10_000; i++) {
      small.applyCommitted(i, Cached.present("v" + i, i + 1));
      long lease = small.beginFill(-i - 1);
      small.fill(-i - 1, lease, Cached.absent());
    }
    assertThat(small.trackedKeys()).isLessThanOrEqualTo(10 + 2 * 16);
  }

  @Test
  void builderRejectsMissingOrRepeatedBounds() {
    assertThatThrownBy(() -> LocalTier.builder().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("needs a bound");
    assertThatThrownBy(() -> LocalTier.builder().maximumSize(1).maximumSize(2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("maximum size was already set to 1");
    assertThatThrownBy(
            () -> LocalTier.<String, String>builder().maximumSize(1).maximumWeight(5, (k, v) -> 1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("maximum size was already set to 1");
    assertThatThrownBy(() -> LocalTier.builder().maximumSize(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-1");
    assertThatThrownBy(() -> LocalTier.builder().expireAfterWrite(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("positive");
    assertThatThrownBy(
            () ->
                LocalTier.builder()
                    .expireAfterWrite(Duration.ofSeconds(1))
                    .expireAfterWrite(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already set");
    assertThatThrownBy(() -> LocalTier.builder().ticker(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("ticker");
  }
}
