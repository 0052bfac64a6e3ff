package dev.tandem.bench.impl;

import dev.tandem.Tandem;
import dev.tandem.local.LocalTier;
import dev.tandem.spi.Mutation;
import dev.tandem.spi.Store;
import dev.tandem.spi.StoreTransaction;
import dev.tandem.spi.Written;
import dev.tandem.Versioned;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Tandem with the local tier, read with {@code get} (hits only: the benchmark fills every key
 * first), with or without hit counting. The store is a trivial in-memory one: the hit path never reaches it.
 */
final class TandemReadCache implements ReadCache {
  private final Tandem<Long, String> tandem;

  TandemReadCache(int maximumSize, boolean recordStats) {
    Tandem.Builder<Long, String> builder = Tandem.builder(new NullStore())
        .cacheTier(LocalTier.<Long, String>builder().maximumSize(maximumSize).build());
    tandem = (recordStats ? builder.recordStats() : builder).build();
  }

  @Override
  public void put(Long key, String value) {
    tandem.put(key, value);
  }

  @Override
  public @Nullable String get(Long key) {
    return tandem.get(key).orElse(null);
  }

  /** Accepts every write with a fresh version and remembers nothing. */
  private static final class NullStore implements Store<Long, String> {
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
}
