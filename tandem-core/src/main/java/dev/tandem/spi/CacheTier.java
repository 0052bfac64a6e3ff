package dev.tandem.spi;

import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Where a {@link dev.tandem.Tandem} keeps its cached copies.
 *
 * <p><b>Atomicity contract.</b> Every mutation is atomic per key and fenced by version: an entry is
 * only ever replaced by a newer one ({@link Cached#isNewerThan}). A read-miss fill is guarded by a
 * lease: {@link #beginFill} hands one out before the database read, {@link #applyCommitted} revokes
 * every lease of the key, and {@link #fill} installs its entry only if its lease is still valid,
 * atomically with that check. So a fill that read the database before a write committed can never
 * install its older entry after the write updated the tier, even if the write's entry was evicted
 * in between (races H2, H3, H6 of the design).
 *
 * <p>A fenced key ({@link #fence}) is held out of the cache: it has no entry and hands out no
 * lease, until a committed write ({@link #applyCommitted}) lifts the fence.
 *
 * @param <K> the key type
 * @param <V> the value type
 */
public interface CacheTier<K, V> extends AutoCloseable {

  /** The lease returned by {@link #beginFill} for a fenced key: such a key is not filled. */
  long NO_LEASE = 0;

  /** Returns the cached entry of {@code key}, or null on a miss. Never blocks on I/O of others. */
  @Nullable Cached<V> getIfPresent(K key);

  /**
   * Returns the cached value of {@code key} for a read that needs no version: null on a miss, an
   * empty {@code Optional} for a cached absence, else the value. {@link dev.tandem.Tandem#get}
   * calls it after {@link #getValueIfLocal} returned null; for a tier that keeps everything in this
   * JVM (and so leaves {@code getValueIfLocal} at its default) it is the hit path, which should
   * allocate or dereference no more than its own lookup needs (the {@code Optional} it creates is
   * normally optimised away).
   */
  @SuppressWarnings(
      "NullableOptional") // null means a miss; it keeps the hit path free of allocation
  default @Nullable Optional<V> getValueIfPresent(K key) {
    Cached<V> cached = getIfPresent(key);
    return cached == null ? null : cached.optional();
  }

  /**
   * Returns the value of {@code key} in the form {@link #getValueIfPresent} uses (an empty {@code
   * Optional} for a cached absence), from a copy this tier holds in this JVM, or null if it holds
   * none it may serve (answering would need I/O). Never blocks, never performs I/O. {@link
   * dev.tandem.Tandem#get} asks this first and calls {@link #getValueIfPresent} only when it
   * returns null, so that a hit runs code that contains no miss path: small enough for the JIT to
   * inline into the caller whatever the misses that came before. A tier that answers here may
   * therefore leave its copies out of {@code getValueIfPresent} (looking again would only repeat
   * the miss), and a tier that wraps another must pass on both methods. The default returns null:
   * right for a tier whose copies are in another process (Redis), and for one whose {@code
   * getValueIfPresent} never does I/O and has no miss path of its own (the local tier), which would
   * only look a missed key up twice.
   */
  @SuppressWarnings("NullableOptional") // null means "not held here"
  default @Nullable Optional<V> getValueIfLocal(K key) {
    return null;
  }

  /** Returns the cached entries of the keys that are present. */
  Map<K, Cached<V>> getAllPresent(Collection<? extends K> keys);

  /**
   * Takes a lease for filling {@code key} after a miss; call before reading the database.
   *
   * @return the lease, or {@link #NO_LEASE} if the key is fenced
   */
  long beginFill(K key);

  /**
   * Installs {@code loaded} if {@code lease} is still valid and {@code loaded} is newer than the
   * current entry; consumes the lease either way.
   *
   * @return whether the lease was still valid (whether or not {@code loaded} was newer): then no
   *     write was published since the lease was taken, and readers who waited for this load may be
   *     given its result
   */
  boolean fill(K key, long lease, Cached<V> loaded);

  /** Gives back a lease whose load failed. */
  void cancelFill(K key, long lease);

  /**
   * Records a committed write: revokes the key's leases, lifts its fence, and installs {@code
   * committed} unless the current entry is newer.
   */
  void applyCommitted(K key, Cached<V> committed);

  /**
   * Called before the database write of {@code key}, while this node holds the key's write lock. A
   * tier shared by several nodes fences the key here (drops its entry and refuses fills), so that
   * if publishing the committed write fails afterwards, no node can serve or refill the old value
   * (race H4); {@link #applyCommitted} lifts that fence. A tier in one process has nothing to do.
   *
   * @throws RuntimeException if the tier cannot be reached: the write is then refused before the
   *     database is touched
   */
  default void beforeWrite(K key) {}

  /**
   * Called when a write that {@link #beforeWrite prepared} the key ends without publishing it (it
   * failed, found nothing to change, or was rolled back), so that a shared tier can lift the fence
   * it placed at once instead of when it lapses.
   */
  default void writeAbandoned(K key) {}

  /**
   * Checks, before the database write, that the tier can store {@code value} (for example that it
   * encodes), so that a value the cache cannot hold is refused before anything is committed.
   *
   * @throws RuntimeException if the tier cannot store the value
   */
  default void checkValue(K key, V value) {}

  /** Drops the key's entry, revokes its leases and refuses fills until {@link #applyCommitted}. */
  void fence(K key);

  /** Drops the cached entry of {@code key}, if any; does not touch the database. */
  void invalidate(K key);

  /** Drops every cached entry; fenced keys stay fenced. */
  void invalidateAll();

  /** Returns the approximate number of cached entries. */
  long estimatedSize();

  /** Returns how many entries were evicted for size or expiry since the tier was built. */
  long evictionCount();

  /**
   * Binds the tier to the {@linkplain Store#identity identity} of the store it caches; called once
   * by {@link dev.tandem.Tandem.Builder#build} before any other call, when the store has an
   * identity. A tier whose entries outlive the process (a shared tier) records the identity where
   * its entries are and refuses to serve a store of another identity. The default does nothing.
   *
   * @throws IllegalStateException if the tier's entries belong to a store of another identity
   */
  default void bindStore(String storeIdentity) {}

  /**
   * Returns how long a fence placed by {@link #beforeWrite} holds when the write neither publishes
   * nor abandons it, or null if the tier's fences do not lapse. {@link
   * dev.tandem.Tandem.Builder#build} refuses a write timeout that is not shorter, so a write never
   * outlives its own fence.
   */
  default java.time.@Nullable Duration writeFenceTimeout() {
    return null;
  }

  /**
   * Registers the tier's own meters (its health, its failures), once, when the {@link
   * dev.tandem.Tandem} over it publishes metrics; they are removed when that Tandem is closed. The
   * engine already publishes hits, misses, size and evictions for every tier. A tier that wraps
   * another passes this on. The default registers none.
   */
  default void registerMeters(TierMeters meters) {}

  /**
   * Returns the keys this tier holds an entry for (a value, a tombstone or a cached absence), a
   * page at a time, so that {@link dev.tandem.verify.Verifier} can compare each cached copy with
   * the database: the cache can only be stale where it holds a copy. The walk is weakly consistent:
   * a key cached or dropped while it runs may or may not be listed, and a key may be listed more
   * than once; it never fails because the cache changed. Calling {@code hasNext} or {@code next}
   * may perform I/O (a shared tier reads its server a page at a time) and throws what that I/O
   * throws. A tier that wraps another lists the keys of the tier that holds the shared copies. The
   * default throws {@link UnsupportedOperationException}.
   *
   * @param pageSize about how many keys one page holds (a shared tier passes it to the server as a
   *     hint, so a page may hold more or fewer, and may be empty while later pages are not)
   * @return the pages; each list is unmodifiable
   * @throws IllegalArgumentException if {@code pageSize} is not positive
   * @throws UnsupportedOperationException if this tier cannot list its keys
   */
  default Iterator<List<K>> cachedKeys(int pageSize) {
    throw new UnsupportedOperationException(getClass().getName() + " cannot list its cached keys");
  }

  /**
   * Returns {@code keys} cut into pages of {@code pageSize} (the last one may be shorter), read
   * from {@code keys} one page at a time: for a {@link #cachedKeys} over a weakly consistent view.
   *
   * @throws IllegalArgumentException if {@code pageSize} is not positive
   */
  static <K> Iterator<List<K>> inPages(Iterator<? extends K> keys, int pageSize) {
    java.util.Objects.requireNonNull(keys, "keys");
    if (pageSize < 1) {
      throw new IllegalArgumentException("page size must be positive but was " + pageSize);
    }
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return keys.hasNext();
      }

      @Override
      public List<K> next() {
        if (!keys.hasNext()) {
          throw new java.util.NoSuchElementException();
        }
        List<K> page = new java.util.ArrayList<>(Math.min(pageSize, 1024));
        while (page.size() < pageSize && keys.hasNext()) {
          page.add(keys.next());
        }
        return java.util.Collections.unmodifiableList(page);
      }
    };
  }

  /** Releases the tier's resources; idempotent. */
  @Override
  default void close() {}
}
