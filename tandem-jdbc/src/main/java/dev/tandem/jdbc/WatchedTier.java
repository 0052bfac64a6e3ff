package dev.tandem.jdbc;

import dev.tandem.spi.CacheTier;
import dev.tandem.spi.Cached;
import dev.tandem.spi.TierMeters;
import java.time.Duration;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * A cache tier that a {@link ChangeListener} keeps in step with the writes that bypass Tandem: it
 * passes every call to the tier it wraps, drops the entries of rows changed from outside, and
 * serves nothing from the cache while the listener is not {@linkplain ChangeListener#serving fresh}
 * (it is behind by more than its bound, or not streaming): reads then go to the database and their
 * results are not cached.
 *
 * <p><b>Design.</b> A read-miss load can read a row before an outside write commits and fill the
 * cache after the listener dropped the key (race H11: the drop finds nothing to drop). The wrapped
 * tier's {@code invalidate} does not revoke leases, so this tier stamps each fill: a counter per
 * stripe of keys that every outside change of a key in the stripe increments before it drops the
 * key. A fill installs first and reads the counter after; if it moved since the lease was taken,
 * the fill drops what it installed and reports the lease as spent. Either the listener's drop comes
 * after the install (and removes it), or its increment comes before the check (and the fill removes
 * itself). A start-over increments every stripe, for the same reason.
 *
 * <p>Tandem's own writes come back through the change stream too. Versions tell them apart: a
 * change whose row carries a version that only Tandem (or the version trigger) sets, drawn under
 * the key's lock, is skipped when the cached entry's version is at least that version, since the
 * cache then holds that very row or a newer one. Such are an update whose old row (full replica
 * identity) had another version, and, with the version trigger, every insert and update. Other SQL
 * that leaves the version as it was, or an insert whose default version was drawn before a
 * concurrent Tandem delete drew its own, never skips.
 */
final class WatchedTier<K, V> implements CacheTier<K, V> {

  private static final int STRIPES = 1024;

  private final CacheTier<K, V> tier;
  private final ChangeListener listener;
  private final JdbcStore<K, ?> store;
  private final AtomicLongArray stripes = new AtomicLongArray(STRIPES);

  /** The stripe counter read when each fill in flight took its lease. */
  private final ConcurrentHashMap<K, Long> stamps = new ConcurrentHashMap<>();

  /**
   * Whether the table has the version trigger ({@link JdbcSchema#addVersionTrigger}): then every
   * change draws a new version under the key's lock. Written by the listener's thread.
   */
  volatile boolean versioned;

  final LongAdder invalidated = new LongAdder();
  final LongAdder skipped = new LongAdder();

  WatchedTier(CacheTier<K, V> tier, ChangeListener listener, JdbcStore<K, ?> store) {
    this.tier = tier;
    this.listener = listener;
    this.store = store;
  }

  JdbcStore<K, ?> store() {
    return store;
  }

  /** Returns the wrapped tier. */
  CacheTier<K, V> tier() {
    return tier;
  }

  private int stripe(Object key) {
    int h = key.hashCode();
    return (h ^ (h >>> 16)) & (STRIPES - 1);
  }

  /**
   * Applies a row change made by anyone: drops the key's entry unless the entry is at least as new
   * as the changed row's version. Runs on the listener's thread.
   *
   * @param newVersion the row's version after the change, or 0 if unknown or not new (an update
   *     that may have kept the version, a delete)
   * @param tombstoneAbove for a delete whose old row is known: its version; a cached absence newer
   *     than that is Tandem's own delete. 0 otherwise
   */
  void changed(K key, long newVersion, long tombstoneAbove) {
    if (newVersion > 0 || tombstoneAbove > 0) {
      Cached<V> cached = tier.getIfPresent(key);
      if (cached != null
          && (newVersion > 0
              ? cached.version() >= newVersion
              : cached.value() == null && cached.version() > tombstoneAbove)) {
        skipped.increment();
        return;
      }
    }
    stripes.incrementAndGet(stripe(key)); // before the drop: see the design note
    tier.invalidate(key);
    invalidated.increment();
  }

  /** Drops every entry (a truncate, or a start-over); fills in flight drop what they install. */
  void changedAll() {
    for (int i = 0; i < STRIPES; i++) {
      stripes.incrementAndGet(i);
    }
    tier.invalidateAll();
    invalidated.increment();
  }

  @Override
  public @Nullable Cached<V> getIfPresent(K key) {
    return listener.serving() ? tier.getIfPresent(key) : null;
  }

  @Override
  @SuppressWarnings("NullableOptional")
  public @Nullable Optional<V> getValueIfPresent(K key) {
    return listener.serving() ? tier.getValueIfPresent(key) : null;
  }

  @Override
  @SuppressWarnings("NullableOptional")
  public @Nullable Optional<V> getValueIfLocal(K key) {
    return listener.serving() ? tier.getValueIfLocal(key) : null;
  }

  @Override
  public Map<K, Cached<V>> getAllPresent(Collection<? extends K> keys) {
    return listener.serving() ? tier.getAllPresent(keys) : Map.of();
  }

  @Override
  public long beginFill(K key) {
    if (!listener.serving()) {
      return NO_LEASE;
    }
    long stamp = stripes.get(stripe(key));
    long lease = tier.beginFill(key);
    if (lease != NO_LEASE) {
      stamps.merge(key, stamp, Math::min);
    }
    return lease;
  }

  @Override
  public boolean fill(K key, long lease, Cached<V> loaded) {
    Long stamp = stamps.remove(key);
    if (stamp == null) {
      tier.cancelFill(key, lease);
      return false;
    }
    boolean valid = tier.fill(key, lease, loaded);
    if (stripes.get(stripe(key))
        != stamp) { // an outside change may have been dropped before the install
      tier.invalidate(key);
      return false;
    }
    return valid;
  }

  @Override
  public void cancelFill(K key, long lease) {
    stamps.remove(key);
    tier.cancelFill(key, lease);
  }

  @Override
  public void applyCommitted(K key, Cached<V> committed) {
    tier.applyCommitted(key, committed);
  }

  @Override
  public void beforeWrite(K key) {
    tier.beforeWrite(key);
  }

  @Override
  public void writeAbandoned(K key) {
    tier.writeAbandoned(key);
  }

  @Override
  public void checkValue(K key, V value) {
    tier.checkValue(key, value);
  }

  @Override
  public void fence(K key) {
    tier.fence(key);
  }

  @Override
  public void invalidate(K key) {
    tier.invalidate(key);
  }

  @Override
  public void invalidateAll() {
    tier.invalidateAll();
  }

  @Override
  public long estimatedSize() {
    return tier.estimatedSize();
  }

  @Override
  public long evictionCount() {
    return tier.evictionCount();
  }

  @Override
  public void bindStore(String storeIdentity) {
    tier.bindStore(storeIdentity);
  }

  @Override
  public @Nullable Duration writeFenceTimeout() {
    return tier.writeFenceTimeout();
  }

  /** Registers the wrapped tier's meters and the listener's (see {@link ChangeListener}). */
  @Override
  public void registerMeters(TierMeters meters) {
    tier.registerMeters(meters);
    listener.registerMeters(meters, this);
  }

  @Override
  public Iterator<List<K>> cachedKeys(int pageSize) {
    return tier.cachedKeys(pageSize);
  }

  /** Closes the wrapped tier; the listener keeps running until it is closed itself. */
  @Override
  public void close() {
    tier.close();
  }

  @Override
  public String toString() {
    return "WatchedTier{" + tier + ", " + store + "}";
  }
}
