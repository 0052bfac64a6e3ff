package dev.tandem.cli.bench;

import dev.tandem.Versioned;
import dev.tandem.jdbc.JdbcStore;
import dev.tandem.spi.Mutation;
import dev.tandem.spi.StoreTransaction;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The database alone through {@link JdbcStore}: the statements Tandem's store runs (a versioned,
 * key-locked upsert per write, one transaction each), with no cache in front.
 */
final class DirectTarget implements BenchTarget {

  private final JdbcStore<String, String> store;

  DirectTarget(JdbcStore<String, String> store) {
    this.store = store;
  }

  @Override
  public @Nullable String read(String key) {
    return store.load(key).map(Versioned::value).orElse(null);
  }

  @Override
  public void write(String key, String value) {
    try (StoreTransaction<String, String> tx = store.begin()) {
      tx.apply(List.of(new Mutation.Put<>(key, value)));
      tx.commit();
    }
  }

  @Override
  public void close() {
    store.close();
  }
}
