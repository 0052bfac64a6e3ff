package dev.tandem.testkit.torture;

import dev.tandem.Versioned;
import dev.tandem.spi.AmbiguousCommitException;
import dev.tandem.spi.Mutation;
import dev.tandem.spi.Store;
import dev.tandem.spi.StoreTransaction;
import dev.tandem.spi.Written;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongPredicate;

/**
 * A correct in-memory store for the harness tests: one transaction at a time (a global lock held
 * from begin to close), versions from a global counter. Hooks inject faults: a commit that is
 * applied but reported ambiguous, and a load that runs a caller's code first.
 */
final class MemoryStore implements Store<String, Long> {

  private final ConcurrentHashMap<String, Versioned<Long>> rows = new ConcurrentHashMap<>();
  private final ReentrantLock lock = new ReentrantLock();
  private final AtomicLong versions = new AtomicLong();
  private volatile LongPredicate ambiguousCommit = value -> false;
  private volatile Consumer<String> beforeLoad = key -> {};

  /**
   * Commits with a put of a value matching {@code predicate} are applied, then reported ambiguous.
   */
  void ambiguousCommitWhen(LongPredicate predicate) {
    ambiguousCommit = predicate;
  }

  /** Runs {@code hook} at the start of every load (it may block). */
  void beforeLoad(Consumer<String> hook) {
    beforeLoad = hook;
  }

  @Override
  public Optional<Versioned<Long>> load(String key) {
    beforeLoad.accept(key);
    return Optional.ofNullable(rows.get(key));
  }

  @Override
  public Map<String, Versioned<Long>> loadAll(Collection<? extends String> keys) {
    Map<String, Versioned<Long>> found = new HashMap<>();
    for (String key : keys) {
      load(key).ifPresent(v -> found.put(key, v));
    }
    return found;
  }

  @Override
  public StoreTransaction<String, Long> begin() {
    lock.lock();
    return new StoreTransaction<>() {
      private final Map<String, Optional<Versioned<Long>>> staged = new LinkedHashMap<>();
      private boolean ambiguous;
      private boolean closed;

      @Override
      public Optional<Versioned<Long>> loadForUpdate(String key) {
        Optional<Versioned<Long>> own = staged.get(key);
        return own != null ? own : Optional.ofNullable(rows.get(key));
      }

      @Override
      public List<Written> apply(List<? extends Mutation<String, Long>> mutations) {
        List<Written> written = new ArrayList<>();
        for (Mutation<String, Long> m : mutations) {
          boolean existed = loadForUpdate(m.key()).isPresent();
          long version = versions.incrementAndGet();
          if (m instanceof Mutation.Put<String, Long> put) {
            staged.put(m.key(), Optional.of(new Versioned<>(put.value(), version)));
            ambiguous |= ambiguousCommit.test(put.value());
          } else {
            staged.put(m.key(), Optional.empty());
          }
          written.add(new Written(version, existed));
        }
        return written;
      }

      @Override
      public void commit() {
        staged.forEach(
            (key, row) -> {
              if (row.isPresent()) {
                rows.put(key, row.get());
              } else {
                rows.remove(key);
              }
            });
        staged.clear();
        if (ambiguous) {
          throw new AmbiguousCommitException(
              "the answer to the commit was lost (it was applied)",
              new java.io.IOException("connection reset"));
        }
      }

      @Override
      public void close() {
        if (!closed) {
          closed = true;
          lock.unlock();
        }
      }
    };
  }
}
