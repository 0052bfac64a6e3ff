package dev.tandem;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Per-key mutual exclusion for this node's writers.
 *
 * <p><b>Design.</b> One lock per key that has a writer, created on demand and dropped when its
 * last user leaves, so the map holds only keys being written. Writers of unrelated keys never
 * share a lock; readers never take one. Several keys are locked in the order of the locks' serial
 * numbers, one global order, so two multi-key writers cannot deadlock.
 *
 * <p>It serializes the writers of one key on this node, so the store's transactions for a key
 * never overlap here, and an ambiguous commit is resolved before the next write of its key starts
 * (races H1, H10).
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
    final ReentrantLock lock = new ReentrantLock();
    int users; // guarded by the map's compute on this key
  }

  /** Locks one key, waiting for its current writer. */
  Held lock(K key) {
    KeyLock l = reference(key);
    l.lock.lock();
    return () -> release(key, l);
  }

  /** Locks one key if no other thread holds it; returns null if one does. */
  @org.jspecify.annotations.Nullable Held tryLock(K key) {
    KeyLock l = reference(key);
    if (!l.lock.tryLock()) {
      locks.computeIfPresent(key, (k, current) -> --current.users == 0 ? null : current);
      return null;
    }
    return () -> release(key, l);
  }

  /** Locks every key of {@code keys} (duplicates allowed) in the global order. */
  Held lockAll(Collection<? extends K> keys) {
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
    for (Integer i : order) {
      held.get(i).lock.lock();
    }
    return () -> {
      for (int i = 0; i < distinct.size(); i++) {
        release(distinct.get(i), held.get(i));
      }
    };
  }

  /** Returns how many keys have a lock; for tests. */
  int size() {
    return locks.size();
  }

  private KeyLock reference(K key) {
    return locks.compute(key, (k, current) -> {
      KeyLock l = current != null ? current : new KeyLock();
      l.users++;
      return l;
    });
  }

  private void release(K key, KeyLock l) {
    l.lock.unlock();
    locks.computeIfPresent(key, (k, current) -> --current.users == 0 ? null : current);
  }
}
