package dev.tandem.cli.peers;

import static java.util.Objects.requireNonNull;

import dev.tandem.Stats;
import dev.tandem.Tandem;
import dev.tandem.Transaction;
import dev.tandem.Versioned;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A peer behind Tandem's interface, so that {@code tandem torture} drives it with the same clients
 * as Tandem: reads, writes, deletes, evictions, and updates as the peer's users write them (read,
 * apply, {@code replace(key, old, new)}, again if another write came first). Peers keep no versions
 * (version 0 everywhere) and run no multi-key transactions (refused).
 *
 * @param <V> the value type
 */
public final class PeerTandem<V> implements Tandem<String, V> {

  /** The attempts of an update whose compare-and-set keeps losing to other writes. */
  private static final int UPDATE_ATTEMPTS = 1_000;

  private final PeerMap peer;
  private final PeerCodec<V> codec;

  /** Wraps {@code peer}, whose values are {@code codec}'s text of the values. */
  public PeerTandem(PeerMap peer, PeerCodec<V> codec) {
    this.peer = requireNonNull(peer, "peer");
    this.codec = requireNonNull(codec, "codec");
  }

  @Override
  public Optional<V> get(String key) {
    return Optional.ofNullable(peer.get(key)).map(codec.decode());
  }

  @Override
  public Optional<Versioned<V>> getVersioned(String key) {
    return get(key).map(v -> new Versioned<>(v, 0));
  }

  /**
   * Refused: a peer's read loads on a miss, and none of them says whether it has a copy without
   * loading.
   */
  @Override
  public Optional<V> getIfCached(String key) {
    throw new UnsupportedOperationException("a peer cannot read its cache alone");
  }

  @Override
  public Map<String, V> getAll(Collection<? extends String> keys) {
    Map<String, V> found = new HashMap<>();
    keys.forEach(k -> get(k).ifPresent(v -> found.put(k, v)));
    return found;
  }

  @Override
  public long put(String key, V value) {
    peer.put(key, codec.encode().apply(value));
    return 0;
  }

  @Override
  public void putAll(Map<? extends String, ? extends V> entries) {
    entries.forEach(this::put);
  }

  /** Refused: peers keep no versions. */
  @Override
  public long putIfVersion(String key, long expectedVersion, V value) {
    throw new UnsupportedOperationException("a peer keeps no versions");
  }

  @Override
  public Optional<V> update(String key, UnaryOperator<V> function) {
    for (int attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      String current = peer.get(key);
      if (current == null) {
        return Optional.empty();
      }
      V next = function.apply(codec.decode().apply(current));
      if (peer.replace(key, current, codec.encode().apply(next))) {
        return Optional.of(next);
      }
    }
    throw new IllegalStateException(
        "the update of key " + key + " lost " + UPDATE_ATTEMPTS + " compare-and-sets in a row");
  }

  /** Deletes the key; returns true (the peers do not say whether it existed). */
  @Override
  public boolean remove(String key) {
    peer.remove(key);
    return true;
  }

  @Override
  public int removeAll(Collection<? extends String> keys) {
    keys.forEach(this::remove);
    return keys.size();
  }

  /** Refused: the peers' transactions are not what the torture measures. */
  @Override
  public <R> R transaction(Function<? super Transaction<String, V>, ? extends R> work) {
    throw new UnsupportedOperationException("a peer runs no multi-key transactions here");
  }

  @Override
  public void invalidate(String key) {
    peer.evict(key);
  }

  /** Does nothing: the peers have no way to drop every copy without deleting the data. */
  @Override
  public void invalidateAll() {}

  @Override
  public long estimatedSize() {
    return 0;
  }

  @Override
  public Stats stats() {
    return new Stats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
  }

  @Override
  public void close() {
    peer.close();
  }
}
