package dev.tandem.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.local.LocalTier;
import dev.tandem.spi.CacheTier;
import dev.tandem.spi.Cached;
import dev.tandem.testkit.server.H2Database;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Race H11 at the tier a {@link ChangeListener} watches, without a server: a read misses, takes a
 * lease and reads the row; a write made with plain SQL commits and the listener drops the key (the
 * drop finds nothing to drop, and the local tier's {@code invalidate} leaves leases alone); then
 * the read fills the old row. The fill must not stay cached. Also: Tandem's own write, recognised
 * by version, stays cached; and a listener that is not serving keeps the cache out of reads.
 */
class OutsideChangeDuringLoadTest {

  private ChangeListener listener;
  private LocalTier<String, String> local;
  private WatchedTier<String, String> tier;

  @BeforeEach
  void setUp() {
    listener =
        ChangeListener.builder()
            .jdbcUrl("jdbc:postgresql://localhost:1/unused", null, null)
            .slot("unit")
            .build();
    JdbcStore<String, String> store = KeyValue.create(H2Database.inMemory().dataSource(), "kv");
    local = LocalTier.<String, String>builder().maximumSize(100).build();
    tier = new WatchedTier<>(local, listener, store);
  }

  @Test
  void aLoadThatReadTheRowBeforeAnOutsideWriteDoesNotFillItAfterTheDrop() {
    listener.heartbeatReturned(System.nanoTime());
    long lease = tier.beginFill("k"); // the miss; the load then reads the old row at version 5
    assertThat(lease).isNotEqualTo(CacheTier.NO_LEASE);
    tier.changed("k", 0, 0); // an outside update committed; the listener drops the key
    assertThat(tier.fill("k", lease, Cached.present("old", 5))).as("the lease is spent").isFalse();
    assertThat(local.getIfPresent("k")).as("the old row is not cached").isNull();

    long next = tier.beginFill("k"); // a load that began after the drop fills as usual
    assertThat(tier.fill("k", next, Cached.present("new", 5))).isTrue();
    assertThat(tier.getIfPresent("k")).isEqualTo(Cached.present("new", 5));
  }

  @Test
  void tandemsOwnWriteIsSkippedByVersionAndAnOlderOneIsNot() {
    listener.heartbeatReturned(System.nanoTime());
    tier.applyCommitted("k", Cached.present("v7", 7));
    tier.changed("k", 7, 0); // the change stream brings back the write of version 7
    assertThat(tier.getIfPresent("k")).isEqualTo(Cached.present("v7", 7));
    tier.changed("k", 8, 0); // a newer version: someone else's write
    assertThat(local.getIfPresent("k")).isNull();
  }

  @Test
  void aListenerThatIsNotServingKeepsTheCacheOutOfReads() {
    tier.applyCommitted("k", Cached.present("v", 3)); // no heartbeat came back yet
    assertThat(tier.getIfPresent("k")).isNull();
    assertThat(tier.getValueIfPresent("k")).isNull();
    assertThat(tier.beginFill("k")).isEqualTo(CacheTier.NO_LEASE);
    assertThat(local.getIfPresent("k")).as("still held, not served").isNotNull();
  }
}
