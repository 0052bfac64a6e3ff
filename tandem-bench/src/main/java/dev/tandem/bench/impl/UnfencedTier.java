package dev.tandem.bench.impl;

import dev.tandem.spi.CacheTier;
import dev.tandem.spi.Cached;
import java.util.Collection;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A cache tier that forwards every call to another one except {@link #beforeWrite}, which does
 * nothing: the shared tier without its fence before the database write. Only for measuring what the
 * fence costs; it is not safe (a publish that fails after the commit leaves the old value served,
 * race H4).
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public final class UnfencedTier<K, V> implements CacheTier<K, V> {
  private final CacheTier<K, V> tier;

  /** Wraps {@code tier}. */
  public UnfencedTier(CacheTier<K, V> tier) {
    this.tier = tier;
  }

  @Override
  public @Nullable Cached<V> getIfPresent(K key) {
    return tier.getIfPresent(key);
  }

  @Override
  public Map<K, Cached<V>> getAllPresent(Collection<? extends K> keys) {
    return tier.getAllPresent(keys);
  }

  @Override
  public long beginFill(K key) {
    return tier.beginFill(key);
  }

  @Override
  public boolean fill(K key, long lease, Cached<V> loaded) {
    return tier.fill(key, lease, loaded);
  }

  @Override
  public void cancelFill(K key, long lease) {
    tier.cancelFill(key, lease);
  }

  @Override
  public void applyCommitted(K key, Cached<V> committed) {
    tier.applyCommitted(key, committed);
  }

  /** Does nothing: no fence before the database write. */
  @Override
  public void beforeWrite(K key) {}

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
  public void close() {
    tier.close();
  }
}
