package dev.tandem.cli.peers;

import static java.util.Objects.requireNonNull;

import com.hazelcast.map.MapStore;
import dev.tandem.Versioned;
import dev.tandem.spi.Mutation;
import dev.tandem.spi.Store;
import dev.tandem.spi.StoreTransaction;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.redisson.api.map.MapLoader;
import org.redisson.api.map.MapWriter;

/**
 * The database side of every peer: Redisson's {@link MapWriter} and {@link MapLoader}, Hazelcast's
 * {@link MapStore}, and the cache-aside code's SQL, all over one {@link Store} (Tandem's {@code
 * JdbcStore} of the run's table and connection pool), so that each peer issues the same statements
 * as Tandem on the same pool. A write of several entries is one transaction; each write commits
 * before it returns. Thread-safe.
 *
 * @param <V> the value type of the store (the peers hold its text)
 */
public final class TableBridge<V>
    implements MapWriter<String, String>, MapLoader<String, String>, MapStore<String, String> {

  private final Store<String, V> store;
  private final PeerCodec<V> codec;
  private final LongAdder loads = new LongAdder();

  /**
   * Creates the bridge over {@code store}, whose values the peers hold as text by {@code codec}.
   */
  public TableBridge(Store<String, V> store, PeerCodec<V> codec) {
    this.store = requireNonNull(store, "store");
    this.codec = requireNonNull(codec, "codec");
  }

  /** Returns how many loads (reads of the database by key) the bridge ran. */
  public long loads() {
    return loads.sum();
  }

  /** Returns the text of {@code key}'s row, or null if there is none (a read of the database). */
  @Override
  public @Nullable String load(String key) {
    loads.increment();
    return store.load(key).map(v -> codec.encode().apply(v.value())).orElse(null);
  }

  /** Returns the rows of {@code keys} that exist (Hazelcast's bulk load). */
  @Override
  public Map<String, String> loadAll(Collection<String> keys) {
    Map<String, String> found = new HashMap<>();
    for (String key : keys) {
      String value = load(key);
      if (value != null) {
        found.put(key, value);
      }
    }
    return found;
  }

  /** Returns no keys: the peers load lazily, on a miss, as Tandem does. */
  @Override
  public @Nullable Iterable<String> loadAllKeys() {
    return List.of();
  }

  /** Writes {@code entries} in one transaction; returns once it committed. */
  @Override
  public void write(Map<String, String> entries) {
    List<Mutation<String, V>> puts = new ArrayList<>(entries.size());
    entries.forEach((k, v) -> puts.add(new Mutation.Put<>(k, codec.decode().apply(v))));
    commit(puts);
  }

  /** Deletes the rows of {@code keys} in one transaction; returns once it committed. */
  @Override
  public void delete(Collection<String> keys) {
    List<Mutation<String, V>> deletes = new ArrayList<>(keys.size());
    keys.forEach(k -> deletes.add(new Mutation.Delete<>(k)));
    commit(deletes);
  }

  @Override
  public void store(String key, String value) {
    write(Map.of(key, value));
  }

  @Override
  public void storeAll(Map<String, String> entries) {
    write(entries);
  }

  @Override
  public void delete(String key) {
    delete(List.of(key));
  }

  @Override
  public void deleteAll(Collection<String> keys) {
    delete(keys);
  }

  /**
   * Sets {@code key} to {@code value} if its row holds {@code expected}, under the row's lock
   * ({@code SELECT ... FOR UPDATE}, then the write, in one transaction); returns whether it did.
   */
  boolean replace(String key, String expected, String value) {
    try (StoreTransaction<String, V> tx = store.begin()) {
      Optional<Versioned<V>> current = tx.loadForUpdate(key);
      if (current.isEmpty() || !codec.encode().apply(current.get().value()).equals(expected)) {
        return false;
      }
      tx.apply(List.of(new Mutation.Put<>(key, codec.decode().apply(value))));
      tx.commit();
      return true;
    }
  }

  private void commit(List<Mutation<String, V>> mutations) {
    if (mutations.isEmpty()) {
      return;
    }
    try (StoreTransaction<String, V> tx = store.begin()) {
      tx.apply(mutations);
      tx.commit();
    }
  }
}
