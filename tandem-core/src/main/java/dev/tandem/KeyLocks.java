package dev.tandem;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.jspecify.annotations.Nullable;

/**
 * Per-key locks for this node's writers, in two modes.
 *
 * <p><b>Design.</b> One read-write lock per key that has a writer, created on demand and dropped
 * when its last user leaves, so the map holds only keys being written. Writes that go through the
 * {@link GroupCommitter} take their keys <i>shared</i>: their order is the order of the commit
 * queue, which one leader at a time commits and publishes, so several writes of one hot key can
 * share a transaction (applied in queue order) instead of waiting for one commit each. A {@link
 * Tandem#transaction} runs outside that queue and takes its keys <i>exclusive</i>, so that it never
 * overlaps a queued write of the same key on this node. Several keys are locked in the order of the
 * locks' serial numbers, one global order, so lockers cannot deadlock. Readers never lock.
 *
 * <p>Together with the queue this orders a key's writes on this node, so the store's versions
 * follow commit order even where the database cannot lock an absent key (H2), and an ambiguous
 * commit is resolved before the next write of its key commits (races H1, H10).
 */
final class KeyLocks<K> {

  private static final AtomicLong SERIALS = new AtomicLong();

  private final ConcurrentHashMap<K, KeyLock> locks = new ConcurrentHashMap<>();

  /** A held set of key locks; closing releases them. */
  interface Held extends AutoCloseable {
    @Override
    void close();
  }

  private static final class KeyLock {
    final long serial = SERIALS.incrementAndGet();
    final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    int users; // guarded by the map's compute on this key

    Lock mode(boolean exclusive) {
      return exclusive ? lock.writeLock() : lock.readLock();
    }
  }

  /**
   * Locks the keys (duplicates allowed) shared with other queued writers, in the global order;
   * returns null if the deadline ({@link System#nanoTime} terms) passed first, holding nothing.
   *
   * @throws InterruptedException if interrupted while waiting; nothing is held
   */
  @Nullable Held lockShared(Collection<? extends K> keys, long deadline)
      throws InterruptedException {
    return lockAll(keys, false, deadline);
  }

  /**
   * Locks the keys (duplicates allowed) exclusively, in the global order; as {@link #lockShared}.
   */
  @Nullable Held lockExclusive(Collection<? extends K> keys, long deadline)
      throws InterruptedException {
    return lockAll(keys, true, deadline);
  }

  /** Locks one key exclusively if nobody holds it in either mode; returns null otherwise. */
  @Nullable Held tryLockExclusive(K key) {
    KeyLock l = reference(key);
    if (!l.lock.writeLock().tryLock()) {
      unreference(key);
      return null;
    }
    return () -> release(key, l, true);
  }

  /** Returns how many keys have a lock; for tests. */
  int size() {
    return locks.size();
  }

  private @Nullable Held lockAll(Collection<? extends K> keys, boolean exclusive, long deadline)
      throws InterruptedException {
    if (keys.size() == 1) {
      K key = keys.iterator().next();
      KeyLock l = reference(key);
      if (!acquire(l.mode(exclusive), deadline, key)) {
        return null;
      }
      return () -> release(key, l, exclusive);
    }
    List<K> distinct = new ArrayList<>(new LinkedHashSet<>(keys));
    List<KeyLock> held = new ArrayList<>(distinct.size());
    for (K key : distinct) {
      held.add(reference(key));
    }
    Integer[] order = new Integer[distinct.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, Comparator.comparingLong(i -> held.get(i).serial));
    int locked = 0;
    try {
      for (; locked < order.length; locked++) {
        int i = order[locked];
        if (!acquire(held.get(i).mode(exclusive), deadline, distinct.get(i))) {
          break;
        }
      }
    } finally {
      if (locked < order.length) { // timed out or interrupted: give back what was taken
        for (int j = 0; j < order.length; j++) {
          int i = order[j];
          if (j < locked) {
            release(distinct.get(i), held.get(i), exclusive);
          } else if (j > locked) {
            unreference(distinct.get(i));
          }
        }
      }
    }
    if (locked < order.length) {
      return null;
    }
    return () -> {
      for (int i = 0; i < distinct.size(); i++) {
        release(distinct.get(i), held.get(i), exclusive);
      }
    };
  }

  /** Takes {@code lock} by the deadline; on failure (false or thrown) drops the key's reference. */
  private boolean acquire(Lock lock, long deadline, K key) throws InterruptedException {
    boolean taken = false;
    try {
      taken = lock.tryLock(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      return taken;
    } finally {
      if (!taken) {
        unreference(key);
      }
    }
  }

  private KeyLock reference(K key) {
    return locks.compute(
        key,
        (k, current) -> {
          KeyLock l = current != null ? current : new KeyLock();
          l.users++;
          return l;
        });
  }

  private void unreference(K key) {
    locks.computeIfPresent(key, (k, current) -> --current.users == 0 ? null : current);
  }

  private void release(K key, KeyLock l, boolean exclusive) {
    l.mode(exclusive).unlock();
    unreference(key);
  }
}
