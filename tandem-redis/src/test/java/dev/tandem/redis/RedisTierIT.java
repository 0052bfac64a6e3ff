package dev.tandem.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.spi.CacheTier;
import dev.tandem.spi.CacheTierContract;
import dev.tandem.spi.Cached;
import dev.tandem.testkit.server.RedisServer;
import io.lettuce.core.AclSetuserArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The {@link CacheTierContract} against a real Redis, and what only a shared tier has: leases
 * shared by nodes, fences before writes that hold out every node, a watermark that outlives an
 * expired entry, scripts reloaded after the server forgot them. Two tiers on one server with one
 * prefix play two nodes.
 */
class RedisTierIT extends CacheTierContract {

  private static final AtomicInteger PREFIXES = new AtomicInteger();
  private static RedisClient raw;
  private static StatefulRedisConnection<byte[], byte[]> rawConnection;

  private final String prefix = "it" + PREFIXES.incrementAndGet() + ":";
  private final RedisTier<String, String> tier = tier(b -> b);
  private final RedisTier<String, String> otherNode = tier(b -> b);

  @Override
  protected CacheTier<String, String> tier() {
    return tier;
  }

  @Override
  protected CacheTier<String, String> otherNode() {
    return otherNode;
  }

  @BeforeAll
  static void connect() {
    raw = RedisClient.create(RedisServer.shared().uri());
    rawConnection = raw.connect(ByteArrayCodec.INSTANCE);
  }

  @AfterAll
  static void disconnect() {
    rawConnection.close();
    raw.shutdown();
  }

  @AfterEach
  void close() {
    tier.close();
    otherNode.close();
  }

  /**
   * H11 across nodes: another node's load took its lease and read the row before a write that
   * bypassed Tandem; this node's change listener drops the key; the other node's fill must not
   * install the old row.
   */
  @Test
  void invalidateRevokesAnotherNodesLease() {
    long lease = otherNode.beginFill("k");
    tier.invalidate("k");
    assertThat(otherNode.fill("k", lease, Cached.present("old", 1))).isFalse();
    assertThat(tier.getIfPresent("k")).isNull();
  }

  /**
   * A Redis user that may not publish on the invalidation channel would fail every write (the
   * scripts announce each change there, and Redis checks the ACL inside scripts too); the tier
   * fails at connect instead, naming the channel, and works once the channel is granted.
   */
  @Test
  void aUserWhoMayNotAnnounceFailsAtConnect() {
    String user = "it-announce-" + ProcessHandle.current().pid() + "-" + PREFIXES.incrementAndGet();
    String channel = prefix + "near";
    var admin = rawConnection.sync();
    admin.aclSetuser(
        user,
        AclSetuserArgs.Builder.on().addPassword("secret").allKeys().allCommands().resetChannels());
    try {
      RedisURI asUser = RedisURI.create(RedisServer.shared().uri());
      asUser.setAuthentication(user, "secret".toCharArray());
      Epochs.trust(RedisServer.shared().uri(), prefix);
      // generous timeouts: a connect that times out on a loaded machine opens the circuit instead
      // of failing
      assertThatThrownBy(
              () ->
                  RedisTier.<String, String>builder(Codec.string())
                      .uri(asUser)
                      .keyPrefix(prefix)
                      .commandTimeout(Duration.ofSeconds(10))
                      .build())
          .isInstanceOf(RedisException.class)
          .hasMessageContaining("may not PUBLISH on the invalidation channel '" + channel + "'")
          .hasMessageContaining("&" + channel);

      admin.aclSetuser(user, AclSetuserArgs.Builder.channelPattern(channel));
      try (RedisTier<String, String> granted =
          RedisTier.<String, String>builder(Codec.string()).uri(asUser).keyPrefix(prefix).build()) {
        granted.applyCommitted("k", new Cached<>("v", 1));
        assertThat(granted.getIfPresent("k")).isEqualTo(new Cached<>("v", 1));
      }
    } finally {
      admin.aclDeluser(user);
    }
  }

  private RedisTier<String, String> tier(
      java.util.function.UnaryOperator<RedisTier.Builder<String, String>> settings) {
    Epochs.trust(RedisServer.shared().uri(), prefix);
    return settings
        .apply(
            RedisTier.<String, String>builder(Codec.string())
                .uri(RedisServer.shared().uri())
                .keyPrefix(prefix))
        .build();
  }

  /** The lease lives in Redis until its fill consumed it or it was cancelled. */
  @Test
  void leaseIsHeldUntilFilledOrCancelled() {
    long lease = tier.beginFill("k");
    assertThat(tier.hasLease("k")).isTrue();
    assertThat(tier.fill("k", lease, Cached.present("v1", 1))).isTrue();
    assertThat(tier.hasLease("k")).isFalse();
    tier.cancelFill("j", tier.beginFill("j"));
    assertThat(tier.hasLease("j")).isFalse();
  }

  @Test
  void concurrentMissesOnTwoNodesShareOneLease() {
    long lease = tier.beginFill("k");
    assertThat(otherNode.beginFill("k")).isEqualTo(lease);
    assertThat(otherNode.fill("k", lease, Cached.present("v1", 1))).isTrue();
    assertThat(tier.fill("k", lease, Cached.present("v1", 1)))
        .as("the lease was consumed")
        .isFalse();
    assertThat(tier.getIfPresent("k")).isEqualTo(Cached.present("v1", 1));
  }

  /** The watermark outlives the entry: a fill that is older than a known version is refused. */
  @Test
  void fillOlderThanWatermarkIsRefusedAfterEviction() {
    tier.applyCommitted("k", Cached.present("v5", 5));
    tier.invalidate("k");
    long lease = tier.beginFill("k");
    assertThat(tier.fill("k", lease, Cached.present("v4", 4))).isFalse();
    assertThat(tier.getIfPresent("k")).isNull();
    assertThat(tier.watermark("k")).isEqualTo(5);
  }

  /** A fence placed after a failed publish of version 6 is not lifted by a delayed publish of 5. */
  @Test
  void fenceWithFloorIgnoresOlderDelayedPublish() {
    tier.applyCommitted("k", Cached.present("v4", 4));
    tier.fence("k", 6L);
    otherNode.applyCommitted("k", Cached.present("v5", 5)); // committed before 6, published late
    assertThat(otherNode.isFenced("k")).isTrue();
    assertThat(otherNode.getIfPresent("k")).isNull();
    otherNode.applyCommitted("k", Cached.present("v6", 6)); // the truth, re-read and published
    assertThat(tier.isFenced("k")).isFalse();
    assertThat(tier.getIfPresent("k")).isEqualTo(Cached.present("v6", 6));
  }

  /** Dropping every entry keeps each key's watermark: a delayed older publish stays refused. */
  @Test
  void invalidateAllKeepsTheWatermarks() {
    tier.applyCommitted("other", Cached.present("x", 1));
    tier.invalidateAll();
    assertThat(tier.watermark("other")).isEqualTo(1);
  }

  @Test
  void invalidateAllTouchesOnlyItsOwnPrefix() {
    Epochs.trust(RedisServer.shared().uri(), prefix + "neighbour:");
    RedisTier<String, String> neighbour =
        RedisTier.<String, String>builder(Codec.string())
            .uri(RedisServer.shared().uri())
            .keyPrefix(prefix + "neighbour:")
            .build();
    try (neighbour) {
      neighbour.applyCommitted("k", Cached.present("theirs", 1));
      tier.applyCommitted("k", Cached.present("mine", 1));
      tier.invalidateAll();
      assertThat(tier.getIfPresent("k")).isNull();
      assertThat(neighbour.getIfPresent("k")).isEqualTo(Cached.present("theirs", 1));
    }
  }

  /** H4 across nodes: while a write is in flight, no node serves or fills the key. */
  @Test
  void beforeWriteHoldsEveryNodeOutUntilTheWriteIsPublished() {
    tier.applyCommitted("k", Cached.present("v1", 1));
    long staleLease = otherNode.beginFill("k");
    tier.beforeWrite("k");
    assertThat(otherNode.getIfPresent("k")).isNull();
    assertThat(otherNode.beginFill("k")).isEqualTo(CacheTier.NO_LEASE);
    assertThat(otherNode.fill("k", staleLease, Cached.present("v1", 1))).isFalse();
    tier.applyCommitted("k", Cached.present("v2", 2));
    assertThat(otherNode.isFenced("k")).isFalse();
    assertThat(otherNode.getIfPresent("k")).isEqualTo(Cached.present("v2", 2));
  }

  /** Two nodes write one key at once: neither's entry is served until both have published. */
  @Test
  void anotherNodesWriteInFlightHoldsOutAnEntry() {
    tier.beforeWrite("k");
    otherNode.beforeWrite("k");
    tier.applyCommitted("k", Cached.present("v6", 6));
    assertThat(otherNode.getIfPresent("k"))
        .as("the other write may commit a newer version")
        .isNull();
    assertThat(tier.isFenced("k")).isTrue();
    otherNode.applyCommitted("k", Cached.present("v7", 7));
    assertThat(tier.getIfPresent("k")).isEqualTo(Cached.present("v7", 7));
  }

  @Test
  void olderWriteThatPublishesLastIsDropped() {
    tier.beforeWrite("k");
    otherNode.beforeWrite("k");
    otherNode.applyCommitted("k", Cached.present("v7", 7));
    tier.applyCommitted("k", Cached.present("v6", 6)); // committed first, published last
    assertThat(tier.getIfPresent("k")).isNull();
    assertThat(tier.isFenced("k")).isFalse();
    long lease = tier.beginFill("k");
    assertThat(tier.fill("k", lease, Cached.present("v6", 6)))
        .as("older than the watermark")
        .isFalse();
    lease = tier.beginFill("k");
    assertThat(tier.fill("k", lease, Cached.present("v7", 7))).isTrue();
    assertThat(otherNode.getIfPresent("k")).isEqualTo(Cached.present("v7", 7));
  }

  /** A write that never publishes (crash, failure) holds its fence only until the fence timeout. */
  @Test
  void writeFenceLapsesAfterItsTimeout() {
    try (RedisTier<String, String> quick = tier(b -> b.writeFenceTimeout(Duration.ofMillis(300)))) {
      quick.beforeWrite("k");
      assertThat(otherNode.beginFill("k")).isEqualTo(CacheTier.NO_LEASE);
      awaitTrue("the write fence lapses", () -> !otherNode.isFenced("k"));
      long lease = otherNode.beginFill("k");
      assertThat(lease).isNotEqualTo(CacheTier.NO_LEASE);
      assertThat(otherNode.fill("k", lease, Cached.present("v1", 1))).isTrue();
    }
  }

  /** The engine bounds its writes by the fence timeout the tier reports: the configured one. */
  @Test
  void reportsItsWriteFenceTimeout() {
    assertThat(tier.writeFenceTimeout()).isEqualTo(Duration.ofSeconds(30));
    try (RedisTier<String, String> quick = tier(b -> b.writeFenceTimeout(Duration.ofMillis(300)))) {
      assertThat(quick.writeFenceTimeout()).isEqualTo(Duration.ofMillis(300));
    }
  }

  /**
   * A write that ended without committing lifts its fence at once; while another write of the key
   * that this node prepared goes on, or after a publish failed, the fence stays.
   */
  @Test
  void anAbandonedWriteLiftsItsFenceUnlessAnotherStillNeedsIt() {
    tier.beforeWrite("k");
    tier.writeAbandoned("k");
    assertThat(otherNode.isFenced("k")).isFalse();
    assertThat(otherNode.beginFill("k")).isNotEqualTo(CacheTier.NO_LEASE);

    tier.beforeWrite("k"); // two requests of one batch write the key
    tier.beforeWrite("k");
    tier.writeAbandoned("k"); // one fails
    assertThat(otherNode.isFenced("k")).as("the other write is still in flight").isTrue();
    tier.writeAbandoned("k");
    assertThat(otherNode.isFenced("k")).isFalse();

    otherNode.beforeWrite("k"); // another node's fence is not this node's to lift
    tier.beforeWrite("k");
    tier.writeAbandoned("k");
    assertThat(tier.isFenced("k")).isTrue();
    otherNode.writeAbandoned("k");
    assertThat(tier.isFenced("k")).isFalse();
  }

  /** A node's next write of a key replaces its own earlier fence that never published. */
  @Test
  void nextWriteReplacesOwnUnpublishedFence() {
    tier.beforeWrite("k"); // this write failed in the database: nothing is published
    tier.beforeWrite("k");
    tier.applyCommitted("k", Cached.present("v3", 3));
    assertThat(otherNode.isFenced("k")).isFalse();
    assertThat(otherNode.getIfPresent("k")).isEqualTo(Cached.present("v3", 3));
  }

  /**
   * Two caches on one prefix: the prefix is bound to the first store that claims it, another store
   * is refused (naming both and the prefix), the same store on another node is welcome, and the
   * binding outlives invalidateAll.
   */
  @Test
  void aPrefixServesOneStoreOnly() {
    tier.bindStore("db.public.a");
    otherNode.bindStore("db.public.a");
    tier.invalidateAll();
    try (RedisTier<String, String> third = tier(b -> b)) {
      assertThatThrownBy(() -> third.bindStore("db.public.b"))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("'db.public.a'")
          .hasMessageContaining("'db.public.b'")
          .hasMessageContaining("'" + prefix + "'");
    }
    assertThatThrownBy(() -> tier.bindStore("db.public.b"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already");
    tier.applyCommitted("k", Cached.present("v1", 1));
    assertThat(otherNode.getIfPresent("k")).isEqualTo(Cached.present("v1", 1));
    assertThat(tier.estimatedSize()).as("the binding is no entry").isEqualTo(1);
  }

  /**
   * Misses of arbitrary absent keys, and deletes, leave a bounded number of keys in Redis, each
   * with a time to live, although values do not expire (no time to live set).
   */
  @Test
  void absencesAndTombstonesExpireByDefault() {
    int misses = 500;
    for (int i = 0; i < misses; i++) {
      String key = "absent" + i;
      assertThat(tier.fill(key, tier.beginFill(key), Cached.absent())).isTrue();
    }
    tier.applyCommitted("gone", Cached.deleted(5));
    tier.applyCommitted("kept", Cached.present("v", 3));
    var redis = rawConnection.sync();
    List<byte[]> found = new java.util.ArrayList<>();
    io.lettuce.core.ScanCursor cursor = io.lettuce.core.ScanCursor.INITIAL;
    do {
      var page =
          redis.scan(cursor, io.lettuce.core.ScanArgs.Builder.matches(prefix + "{*").limit(1000));
      found.addAll(page.getKeys());
      cursor = page;
    } while (!cursor.isFinished());
    List<byte[]> data =
        found.stream()
            .filter(
                k ->
                    !new String(k, java.nio.charset.StandardCharsets.UTF_8)
                        .startsWith(prefix + "{%e"))
            .toList();
    assertThat(data).hasSizeLessThanOrEqualTo(2 * (misses + 2));
    for (byte[] key : data) {
      if (!java.util.Arrays.equals(key, tier.entryKey("kept"))) {
        assertThat(redis.pttl(key))
            .as("time to live of %s", new String(key, java.nio.charset.StandardCharsets.UTF_8))
            .isPositive();
      }
    }
    assertThat(redis.pttl(tier.entryKey("absent0")))
        .isBetween(1L, Duration.ofMinutes(5).toMillis());
    assertThat(redis.pttl(tier.entryKey("gone"))).isBetween(1L, Duration.ofMinutes(5).toMillis());
    assertThat(redis.pttl(tier.entryKey("kept"))).as("values do not expire").isEqualTo(-1L);
  }

  /** An expired tombstone's version still fences older fills and publishes: it is the watermark. */
  @Test
  void anExpiredTombstoneStillFencesOlderVersions() {
    try (RedisTier<String, String> quick = tier(b -> b.absenceTimeToLive(Duration.ofMillis(100)))) {
      long staleLease = quick.beginFill("k");
      quick.applyCommitted("k", Cached.deleted(7));
      awaitTrue(
          "the tombstone expires", () -> rawConnection.sync().exists(quick.entryKey("k")) == 0);
      assertThat(quick.fill("k", staleLease, Cached.present("v6", 6))).isFalse();
      long lease = quick.beginFill("k");
      assertThat(quick.fill("k", lease, Cached.present("v6", 6)))
          .as("older than the watermark")
          .isFalse();
      quick.applyCommitted("k", Cached.present("v5", 5)); // a delayed publish of an older write
      assertThat(quick.getIfPresent("k")).isNull();
      quick.applyCommitted("k", Cached.present("v8", 8));
      assertThat(quick.getIfPresent("k")).isEqualTo(Cached.present("v8", 8));
    }
  }

  /**
   * An entry the codec cannot decode (another codec wrote it, as in a rolling deploy) is a miss,
   * counted, and deleted, so the fill after the miss replaces it; other keys still read.
   */
  @Test
  void anUndecodableEntryIsAMissAndTheNextFillReplacesIt() {
    Epochs.trust(RedisServer.shared().uri(), prefix);
    try (RedisTier<String, Long> longs =
        RedisTier.<String, Long>builder(TandemOnRedisIT.LONGS)
            .uri(RedisServer.shared().uri())
            .keyPrefix(prefix)
            .build()) {
      longs.applyCommitted("k", Cached.present(1L, 7));
      longs.applyCommitted("j", Cached.present(2L, 3));
      longs.applyCommitted("other", Cached.present(3L, 4));
      var redis = rawConnection.sync();
      redis.set(
          longs.entryKey("k"),
          (new String(EntryFormat.version(7), java.nio.charset.StandardCharsets.US_ASCII)
                  + "=not a number")
              .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      redis.set(
          longs.entryKey("j"),
          (new String(EntryFormat.version(3), java.nio.charset.StandardCharsets.US_ASCII)
                  + "={\"json\":2}")
              .getBytes(java.nio.charset.StandardCharsets.US_ASCII));

      assertThat(longs.getIfPresent("k")).as("a miss, not an error").isNull();
      assertThat(longs.getAllPresent(List.of("j", "other")))
          .containsOnly(Map.entry("other", Cached.present(3L, 4)));
      assertThat(longs.undecodable()).isEqualTo(2);
      long lease = longs.beginFill("k");
      assertThat(longs.fill("k", lease, Cached.present(1L, 7))).isTrue();
      assertThat(longs.getIfPresent("k")).isEqualTo(Cached.present(1L, 7));
      lease = longs.beginFill("j");
      assertThat(longs.fill("j", lease, Cached.present(2L, 3))).isTrue();
      assertThat(longs.getIfPresent("j")).isEqualTo(Cached.present(2L, 3));
      assertThat(longs.undecodable()).isEqualTo(2);
    }
  }

  /** Expiry through Redis's own time-to-live; the watermark outlives the entry. */
  @Test
  void entriesExpireAfterTimeToLive() {
    try (RedisTier<String, String> expiring = tier(b -> b.timeToLive(Duration.ofMillis(200)))) {
      expiring.applyCommitted("k", Cached.present("v7", 7));
      assertThat(expiring.getIfPresent("k")).isEqualTo(Cached.present("v7", 7));
      Long ttl = rawConnection.sync().pttl(expiring.entryKey("k"));
      assertThat(ttl).isBetween(1L, 200L);
      awaitTrue("the entry expires", () -> expiring.getIfPresent("k") == null);
      expiring.applyCommitted("k", Cached.present("v5", 5)); // a publish delayed past the expiry
      assertThat(expiring.getIfPresent("k")).isNull();
      long lease = expiring.beginFill("k");
      assertThat(expiring.fill("k", lease, Cached.present("v7", 7))).isTrue();
      assertThat(expiring.getIfPresent("k")).isEqualTo(Cached.present("v7", 7));
    }
  }

  /** H6 with a real expiry: the lease revoked by a commit stays revoked after the entry expired. */
  @Test
  void leaseRevokedByCommitStaysRevokedAfterExpiry() {
    try (RedisTier<String, String> expiring = tier(b -> b.timeToLive(Duration.ofMillis(100)))) {
      long lease = expiring.beginFill("k");
      expiring.applyCommitted("k", Cached.present("v2", 2));
      awaitTrue("the entry expires", () -> expiring.getIfPresent("k") == null);
      assertThat(expiring.fill("k", lease, Cached.present("v1", 1))).isFalse();
      assertThat(expiring.getIfPresent("k")).isNull();
    }
  }

  /** A server that forgot its scripts (restart, SCRIPT FLUSH, fail-over) gets them again. */
  @Test
  void scriptsAreReloadedAfterTheServerForgetsThem() {
    tier.applyCommitted("k", Cached.present("v1", 1));
    rawConnection.sync().scriptFlush();
    tier.applyCommitted("k", Cached.present("v2", 2));
    assertThat(tier.getIfPresent("k")).isEqualTo(Cached.present("v2", 2));
    long lease = otherNode.beginFill("j");
    assertThat(otherNode.fill("j", lease, Cached.absent())).isTrue();
    assertThat(otherNode.getIfPresent("j")).isEqualTo(Cached.absent());
  }

  @Test
  void userSuppliedCodec() {
    Codec<Long> longs =
        Codec.of(
            v -> Long.toString(v).getBytes(java.nio.charset.StandardCharsets.US_ASCII),
            b -> Long.parseLong(new String(b, java.nio.charset.StandardCharsets.US_ASCII)));
    Epochs.trust(RedisServer.shared().uri(), prefix + "n:");
    try (RedisTier<Integer, Long> numbers =
        RedisTier.<Integer, Long>builder(longs)
            .uri(RedisServer.shared().uri())
            .keyPrefix(prefix + "n:")
            .build()) {
      numbers.applyCommitted(1, Cached.present(42L, 3));
      assertThat(numbers.getIfPresent(1)).isEqualTo(Cached.present(42L, 3));
      assertThat(numbers.getIfPresent(2)).isNull();
    }
  }

  static void awaitTrue(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
    }
  }
}
