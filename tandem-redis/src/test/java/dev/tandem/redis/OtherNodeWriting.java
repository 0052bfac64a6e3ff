package dev.tandem.redis;

import dev.tandem.Stats;
import dev.tandem.Tandem;
import dev.tandem.Transaction;
import dev.tandem.Versioned;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Node A as the race hammer sees it, with node B writing the same keys in between: before a third
 * of A's reads, the calling thread first puts, removes or updates that key on node B (and now and
 * then invalidates it there). B's writes are not the hammer's acknowledged puts, so the hammer's
 * stale-read check stays about A's own writes; its convergence check, after every call returned,
 * covers whichever node wrote last.
 */
final class OtherNodeWriting implements Tandem<String, Long> {
  private final Tandem<String, Long> a;
  private final Tandem<String, Long> b;
  private final long seed;
  private final ThreadLocal<SplittableRandom> random;
  final AtomicLong otherWrites = new AtomicLong();

  OtherNodeWriting(Tandem<String, Long> a, Tandem<String, Long> b, long seed) {
    this.a = a;
    this.b = b;
    this.seed = seed;
    this.random =
        ThreadLocal.withInitial(
            () -> new SplittableRandom(this.seed ^ Thread.currentThread().threadId()));
  }

  private void maybeWriteOnB(String key) {
    SplittableRandom r = random.get();
    int dice = r.nextInt(12);
    if (dice >= 4) {
      return;
    }
    switch (dice) {
      case 0, 1 -> b.put(key, -r.nextLong(1, Long.MAX_VALUE));
      case 2 -> b.remove(key);
      default -> b.update(key, v -> v - 1);
    }
    if (r.nextInt(6) == 0) {
      b.invalidate(key);
    }
    otherWrites.incrementAndGet();
  }

  @Override
  public Optional<Versioned<Long>> getVersioned(String key) {
    maybeWriteOnB(key);
    return a.getVersioned(key);
  }

  @Override
  public Optional<Long> get(String key) {
    return a.get(key);
  }

  @Override
  public Optional<Long> getIfCached(String key) {
    return a.getIfCached(key);
  }

  @Override
  public Map<String, Long> getAll(Collection<? extends String> keys) {
    return a.getAll(keys);
  }

  @Override
  public long put(String key, Long value) {
    return a.put(key, value);
  }

  @Override
  public void putAll(Map<? extends String, ? extends Long> entries) {
    a.putAll(entries);
  }

  @Override
  public long putIfVersion(String key, long expectedVersion, Long value) {
    return a.putIfVersion(key, expectedVersion, value);
  }

  @Override
  public Optional<Long> update(String key, UnaryOperator<Long> function) {
    return a.update(key, function);
  }

  @Override
  public boolean remove(String key) {
    return a.remove(key);
  }

  @Override
  public int removeAll(Collection<? extends String> keys) {
    return a.removeAll(keys);
  }

  @Override
  public <R> R transaction(Function<? super Transaction<String, Long>, ? extends R> work) {
    return a.transaction(work);
  }

  @Override
  public void invalidate(String key) {
    a.invalidate(key);
  }

  @Override
  public void invalidateAll() {
    a.invalidateAll();
  }

  @Override
  public long estimatedSize() {
    return a.estimatedSize();
  }

  @Override
  public Stats stats() {
    return a.stats();
  }

  @Override
  public void close() {
    a.close();
    b.close();
  }
}
