package dev.tandem.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The {@link CacheTier} atomicity contract, run against every tier by subclassing: version fences
 * (H1), leases revoked by commits, deletes and fences (H2, H3, H6), fenced keys held out of the
 * cache, and the reads. A subclass supplies a fresh, empty tier per test and closes it; a tier
 * shared by several nodes also supplies a second tier over the same cache ({@link #otherNode}), so
 * that each test checks what one node does against what the other sees. What only one tier has (its
 * builder, expiry, size bound, write fences across nodes) stays in the subclass.
 *
 * <p>Keys and values are strings. The class is abstract and its name ends in neither {@code Test}
 * nor {@code IT}: it runs only through its subclasses ({@code LocalTierTest}, {@code RedisTierIT},
 * {@code NearTierContractIT}).
 */
public abstract class CacheTierContract {

  /**
   * Returns the tier under test: empty when the test starts, the same instance for the whole test.
   */
  protected abstract CacheTier<String, String> tier();

  /**
   * Returns a tier over the same cache as {@link #tier} as another node has it: for a tier shared
   * by nodes, a second instance on the same cache; for a tier private to its JVM, the tier itself
   * (the default).
   */
  protected CacheTier<String, String> otherNode() {
    return tier();
  }

  /** H1: two committed writes published in the wrong order; the newer version stays. */
  @Test
  void olderCommittedWriteNeverReplacesNewer() {
    tier().applyCommitted("k", Cached.present("v7", 7));
    otherNode().applyCommitted("k", Cached.present("v5", 5));
    assertThat(tier().getIfPresent("k")).isEqualTo(Cached.present("v7", 7));
    assertThat(otherNode().getIfPresent("k")).isEqualTo(Cached.present("v7", 7));
  }

  @Test
  void olderTombstoneNeverReplacesNewerValue() {
    tier().applyCommitted("k", Cached.present("v9", 9));
    tier().applyCommitted("k", Cached.deleted(8));
    assertThat(tier().getIfPresent("k")).isEqualTo(Cached.present("v9", 9));
    tier().applyCommitted("k", Cached.deleted(10));
    assertThat(tier().getIfPresent("k")).isEqualTo(Cached.deleted(10));
  }

  /**
   * Versions compare exactly across the whole 64-bit range (a shared tier's scripts use doubles).
   */
  @Test
  void versionsCompareExactlyAtTheEdges() {
    tier().applyCommitted("big", Cached.present("max-1", Long.MAX_VALUE - 1));
    tier().applyCommitted("big", Cached.present("max-2", Long.MAX_VALUE - 2));
    assertThat(tier().getIfPresent("big")).isEqualTo(Cached.present("max-1", Long.MAX_VALUE - 1));
    tier().applyCommitted("big", Cached.present("max", Long.MAX_VALUE));
    assertThat(tier().getIfPresent("big")).isEqualTo(Cached.present("max", Long.MAX_VALUE));

    tier().applyCommitted("halves", Cached.present("ten digits", 9_999_999_999L));
    tier().applyCommitted("halves", Cached.present("eleven digits", 10_000_000_000L));
    tier().applyCommitted("halves", Cached.present("older", 9_999_999_998L));
    assertThat(tier().getIfPresent("halves"))
        .isEqualTo(Cached.present("eleven digits", 10_000_000_000L));
  }

  @Test
  void fillUnderValidLeaseInstalls() {
    long lease = tier().beginFill("k");
    assertThat(lease).isNotEqualTo(CacheTier.NO_LEASE);
    assertThat(tier().fill("k", lease, Cached.present("v1", 1))).isTrue();
    assertThat(otherNode().getIfPresent("k")).isEqualTo(Cached.present("v1", 1));
  }

  /** A lease is good for one fill: once it installed, it is spent. */
  @Test
  void aLeaseFillsOnce() {
    long lease = tier().beginFill("k");
    assertThat(tier().fill("k", lease, Cached.present("v1", 1))).isTrue();
    tier().invalidate("k");
    assertThat(tier().fill("k", lease, Cached.present("v1", 1)))
        .as("the lease was spent")
        .isFalse();
    assertThat(tier().getIfPresent("k")).isNull();
  }

  /** H2/H6: a commit revokes the lease, and the revocation outlives the eviction of the entry. */
  @Test
  void commitRevokesOutstandingLease() {
    long lease = tier().beginFill("k");
    otherNode().applyCommitted("k", Cached.present("v2", 2));
    tier().invalidate("k"); // evicted before the stale fill arrives (H6)
    assertThat(tier().fill("k", lease, Cached.present("v1", 1))).isFalse();
    assertThat(tier().getIfPresent("k")).isNull();
  }

  /** H3: a delete's tombstone revokes the lease of a load that still saw the row. */
  @Test
  void deleteRevokesLeaseOfLoadThatSawTheRow() {
    tier().applyCommitted("k", Cached.present("v1", 1));
    tier().invalidate("k");
    long lease = tier().beginFill("k");
    otherNode().applyCommitted("k", Cached.deleted(2));
    assertThat(tier().fill("k", lease, Cached.present("v1", 1))).isFalse();
    assertThat(tier().getIfPresent("k")).isEqualTo(Cached.deleted(2));
  }

  @Test
  void fillNeverReplacesNewerEntry() {
    tier().applyCommitted("k", Cached.present("v3", 3));
    long lease = tier().beginFill("k");
    assertThat(tier().fill("k", lease, Cached.absent())).as("the lease was valid").isTrue();
    assertThat(tier().getIfPresent("k")).isEqualTo(Cached.present("v3", 3));
  }

  @Test
  void fencedKeyRefusesLeasesUntilCommit() {
    tier().applyCommitted("k", Cached.present("v1", 1));
    tier().fence("k");
    assertThat(otherNode().getIfPresent("k")).isNull();
    assertThat(otherNode().getValueIfPresent("k")).isNull();
    assertThat(otherNode().beginFill("k")).isEqualTo(CacheTier.NO_LEASE);
    assertThat(otherNode().fill("k", CacheTier.NO_LEASE, Cached.present("v1", 1))).isFalse();

    otherNode().applyCommitted("k", Cached.present("v2", 2));
    assertThat(tier().getIfPresent("k")).isEqualTo(Cached.present("v2", 2));
    assertThat(tier().beginFill("j"))
        .as("other keys fill as before")
        .isNotEqualTo(CacheTier.NO_LEASE);
  }

  /** A fence taken while a fill was in flight revokes its lease. */
  @Test
  void fenceRevokesOutstandingLease() {
    long lease = tier().beginFill("k");
    otherNode().fence("k");
    otherNode().applyCommitted("k", Cached.present("v2", 2));
    otherNode().invalidate("k");
    assertThat(tier().fill("k", lease, Cached.present("v2", 2))).isFalse();
  }

  @Test
  void fenceSurvivesInvalidateAll() {
    tier().applyCommitted("other", Cached.present("x", 1));
    tier().fence("k");
    tier().invalidateAll();
    assertThat(tier().beginFill("k")).as("still fenced").isEqualTo(CacheTier.NO_LEASE);
    assertThat(tier().getIfPresent("other")).isNull();
    assertThat(otherNode().getIfPresent("other")).isNull();
  }

  @Test
  void cancelledLeaseIsForgotten() {
    long lease = tier().beginFill("k");
    tier().cancelFill("k", lease);
    assertThat(tier().fill("k", lease, Cached.present("v1", 1))).isFalse();
    assertThat(tier().getIfPresent("k")).isNull();
  }

  /**
   * A write prepared with {@code beforeWrite} and then published leaves its key served and
   * fillable.
   */
  @Test
  void aPublishedWriteLiftsItsWriteFence() {
    tier().beforeWrite("k");
    tier().applyCommitted("k", Cached.present("v3", 3));
    assertThat(otherNode().getIfPresent("k")).isEqualTo(Cached.present("v3", 3));
    tier().invalidate("k");
    long lease = otherNode().beginFill("k");
    assertThat(lease).isNotEqualTo(CacheTier.NO_LEASE);
    assertThat(otherNode().fill("k", lease, Cached.present("v3", 3))).isTrue();
  }

  /** The value lookup answers values and absences without versions; a miss is null. */
  @Test
  void valueLookupDistinguishesMissAbsenceAndValue() {
    assertThat(tier().getValueIfPresent("k")).isNull();
    tier().applyCommitted("k", Cached.deleted(4));
    assertThat(tier().getValueIfPresent("k")).isEmpty();
    assertThat(tier().getIfPresent("k")).isEqualTo(Cached.deleted(4));
    tier().applyCommitted("k", Cached.present("v", 5));
    assertThat(tier().getValueIfPresent("k")).contains("v");
    assertThat(otherNode().getValueIfPresent("k")).contains("v");
  }

  @Test
  void getAllPresentReturnsOnlyCachedKeys() {
    tier().applyCommitted("a", Cached.present("A", 1));
    tier().applyCommitted("gone", Cached.deleted(2));
    Map<String, Cached<String>> found = otherNode().getAllPresent(List.of("a", "gone", "missing"));
    assertThat(found)
        .containsOnly(Map.entry("a", Cached.present("A", 1)), Map.entry("gone", Cached.deleted(2)));
    assertThat(otherNode().getAllPresent(List.of())).isEmpty();
  }

  /** Values, tombstones and cached absences are all listed: each is a copy the verifier checks. */
  @Test
  void cachedKeysListsEveryEntry() {
    tier().applyCommitted("a", Cached.present("A", 1));
    tier().applyCommitted("gone", Cached.deleted(2));
    tier().fill("absent", tier().beginFill("absent"), Cached.absent());
    List<String> listed = new ArrayList<>();
    for (Iterator<List<String>> pages = otherNode().cachedKeys(2); pages.hasNext(); ) {
      listed.addAll(pages.next());
    }
    assertThat(listed).containsOnly("a", "gone", "absent");
  }

  @Test
  void awkwardKeysWork() {
    for (String key : List.of("", "{", "}", "{x}", "%", "a b", "ключ")) {
      tier().applyCommitted(key, Cached.present("value of " + key, 1));
      assertThat(otherNode().getIfPresent(key))
          .as(key)
          .isEqualTo(Cached.present("value of " + key, 1));
    }
  }
}
