package dev.tandem.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.spi.CacheTier;
import dev.tandem.spi.Cached;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The local tier's atomicity contract: version fences, leases, fences, expiry, builder validation. */
class LocalTierTest {

  private final AtomicLong nanos = new AtomicLong();
  private final LocalTier<String, String> tier = LocalTier.<String, String>builder()
      .maximumSize(100).expireAfterWrite(Duration.ofMinutes(1)).ticker(nanos::get).executor(Runnable::run).build();

  /** H1: two committed writes published in the wrong order; the newer version stays. */
  @Test
  void olderCommittedWriteNeverReplacesNewer() {
    tier.applyCommitted("k", Cached.present("v7", 7));
    tier.applyCommitted("k", Cached.present("v5", 5));
    assertThat(tier.getIfPresent("k")).isEqualTo(Cached.present("v7", 7));
  }

  @Test
  void olderTombstoneNeverReplacesNewerValue() {
    tier.applyCommitted("k", Cached.present("v9", 9));
    tier.applyCommitted("k", Cached.deleted(8));
    assertThat(tier.getIfPresent("k")).isEqualTo(Cached.present("v9", 9));
  }

  @Test
  void fillUnderValidLeaseInstalls() {
    long lease = tier.beginFill("k");
    assertThat(tier.fill("k", lease, Cached.present("v1", 1))).isTrue();
    assertThat(tier.getIfPresent("k")).isEqualTo(Cached.present("v1", 1));
    assertThat(tier.leaseCount()).isZero();
  }

  @Test
  void commitRevokesOutstandingLease() {
    long lease = tier.beginFill("k");
    tier.applyCommitted("k", Cached.present("v2", 2));
    tier.invalidate("k"); // evicted before the stale fill arrives (H6)
    assertThat(tier.fill("k", lease, Cached.present("v1", 1))).isFalse();
    assertThat(tier.getIfPresent("k")).isNull();
  }

  @Test
  void fillNeverReplacesNewerEntry() {
    tier.applyCommitted("k", Cached.present("v3", 3));
    long lease = tier.beginFill("k");
    assertThat(tier.fill("k", lease, Cached.absent())).as("the lease was valid").isTrue();
    assertThat(tier.getIfPresent("k")).isEqualTo(Cached.present("v3", 3));
    assertThat(tier.leaseCount()).isZero();
  }

  @Test
  void fencedKeyRefusesLeasesUntilCommit() {
    tier.applyCommitted("k", Cached.present("v1", 1));
    tier.fence("k");
    assertThat(tier.getIfPresent("k")).isNull();
    assertThat(tier.isFenced("k")).isTrue();
    assertThat(tier.beginFill("k")).isEqualTo(CacheTier.NO_LEASE);
    assertThat(tier.fill("k", CacheTier.NO_LEASE, Cached.present("v1", 1))).isFalse();

    tier.applyCommitted("k", Cached.present("v2", 2));
    assertThat(tier.isFenced("k")).isFalse();
    assertThat(tier.getIfPresent("k")).isEqualTo(Cached.present("v2", 2));
  }

  @Test
  void fenceSurvivesInvalidateAll() {
    tier.fence("k");
    tier.invalidateAll();
    assertThat(tier.isFenced("k")).isTrue();
  }

  @Test
  void cancelledLeaseIsForgotten() {
    long lease = tier.beginFill("k");
    tier.cancelFill("k", lease);
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
    LocalTier<Integer, String> small = LocalTier.<Integer, String>builder().maximumSize(10).executor(Runnable::run).build();
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
    LocalTier<Integer, String> small = LocalTier.<Integer, String>builder().maximumSize(10).executor(Runnable::run).build();
    for (int i = 0; i < 10_000; i++) {
      small.applyCommitted(i, Cached.present("v" + i, i + 1));
      long lease = small.beginFill(-i - 1);
      small.fill(-i - 1, lease, Cached.absent());
    }
    assertThat(small.trackedKeys()).isLessThanOrEqualTo(10 + 2 * 16);
  }

  /** The hit path answers values and absences without versions; a miss is null. */
  @Test
  void valueLookupDistinguishesMissAbsenceAndValue() {
    assertThat(tier.getValueIfPresent("k")).isNull();
    tier.applyCommitted("k", Cached.deleted(4));
    assertThat(tier.getValueIfPresent("k")).isEmpty();
    assertThat(tier.getIfPresent("k")).isEqualTo(Cached.deleted(4));
    tier.applyCommitted("k", Cached.present("v", 5));
    assertThat(tier.getValueIfPresent("k")).contains("v");
  }

  @Test
  void builderRejectsMissingOrRepeatedBounds() {
    assertThatThrownBy(() -> LocalTier.builder().build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("needs a bound");
    assertThatThrownBy(() -> LocalTier.builder().maximumSize(1).maximumSize(2))
        .isInstanceOf(IllegalStateException.class).hasMessage("maximum size was already set to 1");
    assertThatThrownBy(() -> LocalTier.<String, String>builder().maximumSize(1).maximumWeight(5, (k, v) -> 1))
        .isInstanceOf(IllegalStateException.class).hasMessage("maximum size was already set to 1");
    assertThatThrownBy(() -> LocalTier.builder().maximumSize(-1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
    assertThatThrownBy(() -> LocalTier.builder().expireAfterWrite(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positive");
    assertThatThrownBy(() -> LocalTier.builder().expireAfterWrite(Duration.ofSeconds(1)).expireAfterWrite(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("already set");
    assertThatThrownBy(() -> LocalTier.builder().ticker(null))
        .isInstanceOf(NullPointerException.class).hasMessage("ticker");
  }
}
