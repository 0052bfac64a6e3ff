package dev.tandem;

import dev.tandem.spi.Cached;
import dev.tandem.spi.Mutation;
import dev.tandem.spi.StoreTransaction;
import dev.tandem.spi.Written;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * One caller's write, waiting in the {@link GroupCommitter} to be committed in a shared
 * transaction. Either plain mutations (combined with other requests' into one batch statement) or
 * custom work that reads under lock first ({@code update}, {@code putIfVersion}).
 */
final class WriteRequest<K, V, R> {

  /** The part of a write that runs inside its database transaction. */
  @FunctionalInterface
  interface Work<K, V, R> {
    /** Does the transaction's work and records in {@code publish} what to cache after commit. */
    R run(StoreTransaction<K, V> tx, Map<K, Cached<V>> publish);
  }

  final String operation;
  final List<K> keys;
  final @Nullable List<Mutation<K, V>> mutations;
  final @Nullable Function<List<Written>, R> resultOf;
  final @Nullable Work<K, V, R> work;

  /** What to publish to the tier once committed; filled by the attempt that commits. */
  final Map<K, Cached<V>> publish = new LinkedHashMap<>();

  /** When the caller gives up waiting, in {@link System#nanoTime} terms. */
  final long deadline;

  private @Nullable R staged;
  private @Nullable R result;
  private @Nullable Throwable failure;
  private volatile boolean done;

  /** Queued, then taken by a leader or withdrawn by its caller: whoever moves it first owns it. */
  private final AtomicInteger state = new AtomicInteger(QUEUED);

  private static final int QUEUED = 0;
  private static final int TAKEN = 1;
  private static final int WITHDRAWN = 2;

  /** Whether {@link #publish} was published (set by the leader before {@link #succeed}). */
  boolean published;

  private final Semaphore signal = new Semaphore(0);

  private WriteRequest(
      String operation,
      List<K> keys,
      @Nullable List<Mutation<K, V>> mutations,
      @Nullable Function<List<Written>, R> resultOf,
      @Nullable Work<K, V, R> work,
      long deadline) {
    this.deadline = deadline;
    this.operation = operation;
    this.keys = keys;
    this.mutations = mutations;
    this.resultOf = resultOf;
    this.work = work;
  }

  static <K, V, R> WriteRequest<K, V, R> mutations(
      String operation,
      List<K> keys,
      List<Mutation<K, V>> mutations,
      Function<List<Written>, R> resultOf,
      long deadline) {
    return new WriteRequest<>(operation, keys, mutations, resultOf, null, deadline);
  }

  static <K, V, R> WriteRequest<K, V, R> work(
      String operation, List<K> keys, Work<K, V, R> work, long deadline) {
    return new WriteRequest<>(operation, keys, null, null, work, deadline);
  }

  /** Claims the queued request for a leader's batch; false if its caller withdrew it. */
  boolean take() {
    return state.compareAndSet(QUEUED, TAKEN);
  }

  /** Whether neither a leader took the request nor its caller withdrew it. */
  boolean isQueued() {
    return state.get() == QUEUED;
  }

  /** Claims the queued request back for its caller, who gives up; false if a leader took it. */
  boolean withdraw() {
    return state.compareAndSet(QUEUED, WITHDRAWN);
  }

  /** Forgets what a failed attempt staged. */
  void reset() {
    publish.clear();
    staged = null;
  }

  /** Runs the custom work in {@code tx} and keeps its result until the commit. */
  void runWork(StoreTransaction<K, V> tx) {
    staged = work != null ? work.run(tx, publish) : null;
  }

  /**
   * Keeps the result of the plain mutations, given what the store wrote for them; a conditional
   * mutation that changed nothing publishes nothing.
   */
  void stageWritten(List<Written> written) {
    List<Mutation<K, V>> ms = java.util.Objects.requireNonNull(mutations);
    for (int i = 0; i < ms.size(); i++) {
      Cached<V> entry = committed(ms.get(i), written.get(i));
      if (entry != null) {
        publish.put(ms.get(i).key(), entry);
      }
    }
    staged = java.util.Objects.requireNonNull(resultOf).apply(written);
  }

  /**
   * Returns what the tier holds for {@code mutation} once it committed as {@code written}, or null
   * if it changed nothing.
   */
  static <K, V> @Nullable Cached<V> committed(Mutation<K, V> mutation, Written written) {
    if (!written.wrote()) {
      return null;
    }
    long version = written.version();
    return switch (mutation) {
      case Mutation.Put<K, V> put -> Cached.present(put.value(), version);
      case Mutation.PutIfVersion<K, V> put -> Cached.present(put.value(), version);
      case Mutation.Delete<K, V> delete -> Cached.deleted(version);
      case Mutation.Patch<K, V> patch -> Cached.present(patched(patch, written), version);
    };
  }

  /**
   * Returns the value a store read back for a patch (the SPI requires it of a patch that wrote).
   */
  @SuppressWarnings("unchecked") // the store's own value type: the row it read back with its mapper
  private static <K, V> V patched(Mutation.Patch<K, V> patch, Written written) {
    Object value = written.value();
    if (value == null) {
      throw new IllegalStateException(
          "the store wrote the patch of key "
              + patch.key()
              + " but returned no value; Store implementations must return the row after a patch");
    }
    return (V) value;
  }

  void succeed() {
    result = staged;
    finish();
  }

  /**
   * Fails the request with {@code e}: a {@link RuntimeException}, or an {@link Error} of the
   * caller's own function.
   */
  void fail(Throwable e) {
    failure = e;
    finish();
  }

  private void finish() {
    done = true;
    signal.release();
  }

  boolean isDone() {
    return done;
  }

  /** Wakes the waiting caller so that it tries to lead. */
  void wake() {
    signal.release();
  }

  /**
   * Blocks until the request is done, its caller is woken to lead, or the deadline passes; returns
   * false if the deadline passed first.
   *
   * @throws InterruptedException if the caller was interrupted while it waited
   */
  boolean awaitDoneOrWake(long now) throws InterruptedException {
    return signal.tryAcquire(Math.max(0, deadline - now), TimeUnit.NANOSECONDS);
  }

  /**
   * Blocks until the request is done or its caller is woken to lead, whatever the time or
   * interrupts.
   */
  void awaitDoneOrWakeUninterruptibly() {
    signal.acquireUninterruptibly();
  }

  /** Returns the result, or throws the failure; only once done. */
  @SuppressWarnings({
    "nullness",
    "NullAway"
  }) // a succeeded request has its result (null only for Void)
  R join() {
    if (failure instanceof RuntimeException e) {
      throw e;
    }
    if (failure instanceof Error e) {
      throw e;
    }
    return result;
  }
}
