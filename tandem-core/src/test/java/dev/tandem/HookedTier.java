package dev.tandem;

import dev.tandem.spi.CacheTier;
import dev.tandem.spi.Cached;
import dev.tandem.spi.TierMeters;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A tier that delegates to another and lets a test act at chosen points: after a fill was accepted,
 * after a committed write was applied. It does not pass on {@link #beforeWrite} and {@link
 * #writeAbandoned}: it is the tier the SPI allows in one process ("nothing to do"), so that the
 * engine alone must keep the contract, without the local tier's count of writes in flight.
 */
final class HookedTier<K, V> implements CacheTier<K, V> {

  private final CacheTier<K, V> delegate;

  /** Runs after a fill the delegate accepted, on the filling thread (to delay its reply). */
  volatile BiConsumer<K, Cached<V>> afterAcceptedFill = (key, entry) -> {};

  /** If set, thrown by invalidations instead of delegating (an unreachable shared tier). */
  volatile @Nullable RuntimeException invalidationFailure;

  /**
   * If set, thrown by the local lookup (a tier whose hit path fails); else it holds nothing
   * locally.
   */
  volatile @Nullable RuntimeException localLookupFailure;

  /** If set, thrown (once) by the next {@link #applyCommitted} instead of delegating. */
  volatile @Nullable Error applyError;

  /** Runs after every applied committed write, on the publishing thread. */
  volatile BiConsumer<K, Cached<V>> afterApply = (key, entry) -> {};

  /** Registers meters of its own before the delegate's. */
  volatile Consumer<TierMeters> meters = registry -> {};

  /** What {@link #writeFenceTimeout} answers. */
  volatile java.time.@Nullable Duration fenceTimeout;

  /** The identities {@link #bindStore} was called with. */
  final java.util.List<String> boundTo = new java.util.concurrent.CopyOnWriteArrayList<>();

  HookedTier(CacheTier<K, V> delegate) {
    this.delegate = delegate;
  }

  @Override
  public java.time.@Nullable Duration writeFenceTimeout() {
    return fenceTimeout;
  }

  @Override
  public void bindStore(String storeIdentity) {
    boundTo.add(storeIdentity);
  }

  @Override
  @SuppressWarnings("NullableOptional")
  public @Nullable Optional<V> getValueIfLocal(K key) {
    RuntimeException failure = localLookupFailure;
    if (failure != null) {
      throw failure;
    }
    return null; // as the default: every read goes through getIfPresent and its hooks
  }

  @Override
  public @Nullable Cached<V> getIfPresent(K key) {
    return delegate.getIfPresent(key);
  }

  @Override
  public Map<K, Cached<V>> getAllPresent(Collection<? extends K> keys) {
    return delegate.getAllPresent(keys);
  }

  @Override
  public long beginFill(K key) {
    return delegate.beginFill(key);
  }

  @Override
  public boolean fill(K key, long lease, Cached<V> loaded) {
    boolean accepted = delegate.fill(key, lease, loaded);
    if (accepted) {
      afterAcceptedFill.accept(key, loaded);
    }
    return accepted;
  }

  @Override
  public void cancelFill(K key, long lease) {
    delegate.cancelFill(key, lease);
  }

  @Override
  public void applyCommitted(K key, Cached<V> committed) {
    Error error = applyError;
    if (error != null) {
      applyError = null;
      throw error;
    }
    delegate.applyCommitted(key, committed);
    afterApply.accept(key, committed);
  }

  @Override
  public void fence(K key) {
    delegate.fence(key);
  }

  @Override
  public void invalidate(K key) {
    RuntimeException failure = invalidationFailure;
    if (failure != null) {
      throw failure;
    }
    delegate.invalidate(key);
  }

  @Override
  public void invalidateAll() {
    RuntimeException failure = invalidationFailure;
    if (failure != null) {
      throw failure;
    }
    delegate.invalidateAll();
  }

  @Override
  public long estimatedSize() {
    return delegate.estimatedSize();
  }

  @Override
  public long evictionCount() {
    return delegate.evictionCount();
  }

  @Override
  public void registerMeters(TierMeters registry) {
    meters.accept(registry);
    delegate.registerMeters(registry);
  }
}
