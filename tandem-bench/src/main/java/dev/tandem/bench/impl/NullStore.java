package dev.tandem.bench.impl;

import dev.tandem.Versioned;
import dev.tandem.spi.Mutation;
import dev.tandem.spi.Store;
import dev.tandem.spi.StoreTransaction;
import dev.tandem.spi.Written;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A store that accepts every write with a fresh version and remembers nothing: hits never reach it.
 */
final class NullStore implements Store<Long, String> {
  private final AtomicLong versions = new AtomicLong();

  @Override
  public Optional<Versioned<String>> load(Long key) {
    return Optional.empty();
  }

  @Override
  public Map<Long, Versioned<String>> loadAll(Collection<? extends Long> keys) {
    return Map.of();
  }

  @Override
  public StoreTransaction<Long, String> begin() {
    return new StoreTransaction<>() {
      @Override
      public Optional<Versioned<String>> loadForUpdate(Long key) {
        return Optional.empty();
      }

      @Override
      public List<Written> apply(List<? extends Mutation<Long, String>> mutations) {
        List<Written> written = new ArrayList<>(mutations.size());
        mutations.forEach(m -> written.add(new Written(versions.incrementAndGet(), false)));
        return written;
      }

      @Override
      public void commit() {}

      @Override
      public void close() {}
    };
  }
}
