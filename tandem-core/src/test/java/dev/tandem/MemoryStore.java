package dev.tandem;

import dev.tandem.spi.AmbiguousCommitException;
import dev.tandem.spi.Mutation;
import dev.tandem.spi.RejectedValueException;
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
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * An in-memory store that keeps the {@link Store} contract (per-key locks held to the end of the
 * transaction, versions from one sequence taken under the lock), with hooks that let a test stop a
 * load after it read, fail a commit, or make a commit's outcome ambiguous.
 */
final class MemoryStore<K, V> implements Store<K, V> {

  /** What the next commit does. */
  enum CommitFault {
    NONE,
    FAIL,
    AMBIGUOUS_APPLIED,
    AMBIGUOUS_LOST
  }

  final Map<K, Versioned<V>> rows = new ConcurrentHashMap<>();
  private final Map<K, ReentrantLock> locks = new ConcurrentHashMap<>();
  private final AtomicLong sequence = new AtomicLong();
  private final AtomicReference<CommitFault> nextCommit = new AtomicReference<>(CommitFault.NONE);
  final AtomicLong loads = new AtomicLong();
  final AtomicLong commits = new AtomicLong();
  volatile Consumer<K> afterLoadRead = key -> {};
  volatile Predicate<V> rejects = value -> false;
  volatile boolean down;
  volatile boolean downAfterNextCommit;

  /**
   * Runs at the start of every writing commit, on the committing thread (to hold a commit open).
   */
  volatile Runnable beforeCommit = () -> {};

  /** Runs after a writing commit applied its rows and released its locks, before commit returns. */
  volatile Runnable afterCommit = () -> {};

  /**
   * Values whose statement fails inside {@link StoreTransaction#apply}, like a constraint
   * violation.
   */
  volatile Predicate<V> failsStatement = value -> false;

  /** How many of the next transactions fail at begin with a passing failure. */
  final java.util.concurrent.atomic.AtomicInteger retryableBegins =
      new java.util.concurrent.atomic.AtomicInteger();

  /** What {@link #patchColumns} answers; patches apply {@link #patcher}. */
  volatile java.util.Set<String> patchColumns = java.util.Set.of();

  /** Makes a patched value from the current one and the patch's columns. */
  volatile java.util.function.BiFunction<V, Map<String, @Nullable Object>, V> patcher =
      (v, columns) -> v;

  /** What {@link #putsIfVersion} answers. */
  volatile boolean putsIfVersion;

  /** How many {@link StoreTransaction#loadForUpdate} calls ran. */
  final AtomicLong lockedReads = new AtomicLong();

  @Override
  public java.util.Set<String> patchColumns() {
    return patchColumns;
  }

  @Override
  public boolean putsIfVersion() {
    return putsIfVersion;
  }

  /** What {@link #keyType} and {@link #identity} answer. */
  volatile Class<?> keyType = Object.class;

  volatile @org.jspecify.annotations.Nullable String identity;

  @Override
  public Class<?> keyType() {
    return keyType;
  }

  @Override
  public @org.jspecify.annotations.Nullable String identity() {
    return identity;
  }

  void failNextCommit(CommitFault fault) {
    nextCommit.set(fault);
  }

  @Override
  public Optional<Versioned<V>> load(K key) {
    checkUp();
    loads.incrementAndGet();
    Optional<Versioned<V>> read = Optional.ofNullable(rows.get(key));
    afterLoadRead.accept(key);
    return read;
  }

  @Override
  public Map<K, Versioned<V>> loadAll(Collection<? extends K> keys) {
    checkUp();
    Map<K, Versioned<V>> result = new HashMap<>();
    for (K key : keys) {
      loads.incrementAndGet();
      Versioned<V> v = rows.get(key);
      if (v != null) {
        result.put(key, v);
      }
    }
    keys.forEach(afterLoadRead);
    return result;
  }

  @Override
  public StoreTransaction<K, V> begin() {
    checkUp();
    if (retryableBegins.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw new dev.tandem.spi.RetryableException(
          "serialization failure (injected)", new RuntimeException("40001"));
    }
    return new Tx();
  }

  private void checkUp() {
    if (down) {
      throw new IllegalStateException("memory store is down");
    }
  }

  private final class Tx implements StoreTransaction<K, V> {
    private final List<ReentrantLock> held = new ArrayList<>();
    private final Map<K, @Nullable Versioned<V>> staged = new LinkedHashMap<>();
    private boolean ended;

    private void lock(K key) {
      ReentrantLock lock = locks.computeIfAbsent(key, k -> new ReentrantLock());
      if (!lock.isHeldByCurrentThread()) {
        lock.lock();
        held.add(lock);
      }
    }

    private @Nullable Versioned<V> current(K key) {
      return staged.containsKey(key) ? staged.get(key) : rows.get(key);
    }

    @Override
    public Optional<Versioned<V>> loadForUpdate(K key) {
      lock(key);
      lockedReads.incrementAndGet();
      return Optional.ofNullable(current(key));
    }

    @Override
    public List<Written> apply(List<? extends Mutation<K, V>> mutations) {
      for (Mutation<K, V> m : mutations) {
        if (m instanceof Mutation.Put<K, V> put && rejects.test(put.value())) {
          throw new RejectedValueException(put.key(), "value " + put.value() + " is rejected");
        }
      }
      List<Written> written = new ArrayList<>();
      for (Mutation<K, V> m : mutations) {
        if (m instanceof Mutation.Put<K, V> put && failsStatement.test(put.value())) {
          throw new IllegalStateException(
              "check constraint violated by " + put.value() + " (injected)");
        }
        lock(m.key());
        Versioned<V> current = current(m.key());
        boolean existed = current != null;
        if (m instanceof Mutation.PutIfVersion<K, V> put
                && (current == null || current.version() != put.expectedVersion())
            || m instanceof Mutation.Patch<K, V> && current == null) {
          written.add(Written.unchanged());
          continue;
        }
        long version = sequence.incrementAndGet();
        V value =
            switch (m) {
              case Mutation.Put<K, V> put -> put.value();
              case Mutation.PutIfVersion<K, V> put -> put.value();
              case Mutation.Patch<K, V> patch ->
                  patcher.apply(java.util.Objects.requireNonNull(current).value(), patch.columns());
              case Mutation.Delete<K, V> delete -> null;
            };
        staged.put(m.key(), value != null ? new Versioned<>(value, version) : null);
        written.add(
            m instanceof Mutation.Patch
                ? new Written(version, existed, value)
                : new Written(version, existed));
      }
      return written;
    }

    @Override
    public void commit() {
      if (!staged.isEmpty()) {
        beforeCommit.run();
      }
      CommitFault fault = nextCommit.getAndSet(CommitFault.NONE);
      if (fault == CommitFault.FAIL) {
        throw new IllegalStateException("commit failed (injected)");
      }
      if (fault != CommitFault.AMBIGUOUS_LOST) {
        staged.forEach(
            (key, value) -> {
              if (value == null) {
                rows.remove(key);
              } else {
                rows.put(key, value);
              }
            });
        if (!staged.isEmpty()) {
          commits.incrementAndGet(); // counts writing commits only
        }
      }
      ended = true;
      release();
      if (!staged.isEmpty()) {
        afterCommit.run();
      }
      if (downAfterNextCommit) {
        downAfterNextCommit = false;
        down = true;
      }
      if (fault == CommitFault.AMBIGUOUS_APPLIED || fault == CommitFault.AMBIGUOUS_LOST) {
        throw new AmbiguousCommitException(
            "connection lost during commit (injected)", new RuntimeException("socket closed"));
      }
    }

    @Override
    public void close() {
      if (!ended) {
        ended = true;
        release();
      }
    }

    private void release() {
      held.forEach(ReentrantLock::unlock);
      held.clear();
    }
  }
}
