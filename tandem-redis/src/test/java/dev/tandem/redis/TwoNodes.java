package dev.tandem.redis;

import dev.tandem.Stats;
import dev.tandem.Tandem;
import dev.tandem.Transaction;
import dev.tandem.Versioned;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Two Tandem instances ("nodes") behind one face: each call goes to a node picked at random, so a
 * test written for one Tandem (the race hammer) reads on one node what it wrote on the other.
 */
final class TwoNodes<K, V> implements Tandem<K, V> {
  private final List<Tandem<K, V>> nodes;

  TwoNodes(Tandem<K, V> a, Tandem<K, V> b) {
    this.nodes = List.of(a, b);
  }

  private Tandem<K, V> any() {
    return nodes.get(ThreadLocalRandom.current().nextInt(nodes.size()));
  }

  @Override
  public Optional<V> get(K key) {
    return any().get(key);
  }

  @Override
  public Optional<Versioned<V>> getVersioned(K key) {
    return any().getVersioned(key);
  }

  @Override
  public Optional<V> getIfCached(K key) {
    return any().getIfCached(key);
  }

  @Override
  public Map<K, V> getAll(Collection<? extends K> keys) {
    return any().getAll(keys);
  }

  @Override
  public long put(K key, V value) {
    return any().put(key, value);
  }

  @Override
  public void putAll(Map<? extends K, ? extends V> entries) {
    any().putAll(entries);
  }

  @Override
  public long putIfVersion(K key, long expectedVersion, V value) {
    return any().putIfVersion(key, expectedVersion, value);
  }

  @Override
  public Optional<V> update(K key, UnaryOperator<V> function) {
    return any().update(key, function);
  }

  @Override
  public boolean remove(K key) {
    return any().remove(key);
  }

  @Override
  public int removeAll(Collection<? extends K> keys) {
    return any().removeAll(keys);
  }

  @Override
  public <R> R transaction(Function<? super Transaction<K, V>, ? extends R> work) {
    return any().transaction(work);
  }

  @Override
  public void invalidate(K key) {
    any().invalidate(key);
  }

  @Override
  public void invalidateAll() {
    any().invalidateAll();
  }

  @Override
  public long estimatedSize() {
    return any().estimatedSize();
  }

  @Override
  public Stats stats() {
    return any().stats();
  }

  @Override
  public void close() {
    nodes.forEach(Tandem::close);
  }
}
