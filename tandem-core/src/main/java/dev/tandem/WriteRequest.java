package dev.tandem;

import dev.tandem.spi.Cached;
import dev.tandem.spi.Mutation;
import dev.tandem.spi.StoreTransaction;
import dev.tandem.spi.Written;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
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

  private @Nullable R staged;
  private @Nullable R result;
  private @Nullable RuntimeException failure;
  private volatile boolean done;
  /** Whether {@link #publish} was published (set by the leader before {@link #succeed}). */
  boolean published;
  private final Semaphore signal = new Semaphore(0);

  private WriteRequest(String operation, List<K> keys, @Nullable List<Mutation<K, V>> mutations,
      @Nullable Function<List<Written>, R> resultOf, @Nullable Work<K, V, R> work) {
    this.operation = operation;
    this.keys = keys;
    this.mutations = mutations;
    this.resultOf = resultOf;
    this.work = work;
  }

  static <K, V, R> WriteRequest<K, V, R> mutations(String operation, List<K> keys,
      List<Mutation<K, V>> mutations, Function<List<Written>, R> resultOf) {
    return new WriteRequest<>(operation, keys, mutations, resultOf, null);
  }

  static <K, V, R> WriteRequest<K, V, R> work(String operation, List<K> keys, Work<K, V, R> work) {
    return new WriteRequest<>(operation, keys, null, null, work);
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

  /** Keeps the result of the plain mutations, given what the store wrote for them. */
  void stageWritten(List<Written> written) {
    List<Mutation<K, V>> ms = java.util.Objects.requireNonNull(mutations);
    for (int i = 0; i < ms.size(); i++) {
      publish.put(ms.get(i).key(), committed(ms.get(i), written.get(i).version()));
    }
    staged = java.util.Objects.requireNonNull(resultOf).apply(written);
  }

  /** Returns what the tier holds for {@code mutation} once it committed at {@code version}. */
  static <K, V> Cached<V> committed(Mutation<K, V> mutation, long version) {
    return mutation instanceof Mutation.Put<K, V> put ? Cached.present(put.value(), version) : Cached.deleted(version);
  }

  void succeed() {
    result = staged;
    finish();
  }

  void fail(RuntimeException e) {
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

  /** Blocks until the request is done or its caller is woken to lead. */
  void awaitDoneOrWake() {
    signal.acquireUninterruptibly();
  }

  /** Returns the result, or throws the failure; only once done. */
  R join() {
    if (failure != null) {
      throw failure;
    }
    @SuppressWarnings("nullness") // a succeeded request has its result (null only for Void)
    R r = result;
    return r;
  }
}
