package dev.tandem;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Group commit: concurrent writes share database transactions.
 *
 * <p><b>Design.</b> A writer enqueues its {@link WriteRequest}; one writer at a time (the leader)
 * drains up to {@code maxBatch} requests and commits them in one transaction, then publishes them
 * and wakes their callers. There is no committer thread: a lone writer leads its own batch of one,
 * so at low load a write costs one transaction and no hand-off. A leader stops leading as soon as
 * its own request is done and wakes the next waiting writer to lead the rest, so nobody leads
 * forever.
 *
 * <p>Invariants: one leader at a time, and it publishes a batch before it lets the next leader
 * commit, so a key's writes commit and publish in queue order, also when several writes of one key
 * share a batch (they are applied in queue order within it); callers hold their keys' shared locks
 * while they wait, which keeps a transaction of the same key out; every drained request is
 * completed (committed and published, or failed with the reason) before its leader moves on, even
 * if the batch runner throws; a leader that leaves by an exception (an {@link Error} is passed on
 * to its caller) still wakes the next writer.
 */
final class GroupCommitter<K, V> {

  private final ConcurrentLinkedQueue<WriteRequest<K, V, ?>> queue = new ConcurrentLinkedQueue<>();
  private final Semaphore leadership = new Semaphore(1);
  private final int maxBatch;
  private final long maxWaitNanos;
  private final Consumer<List<WriteRequest<K, V, ?>>> runner;

  GroupCommitter(int maxBatch, long maxWaitNanos, Consumer<List<WriteRequest<K, V, ?>>> runner) {
    this.maxBatch = maxBatch;
    this.maxWaitNanos = maxWaitNanos;
    this.runner = runner;
  }

  /** Commits the request, possibly with others, and returns its result or throws its failure. */
  <R> R submit(WriteRequest<K, V, R> request) {
    queue.add(request);
    while (!request.isDone()) {
      if (leadership.tryAcquire()) {
        try {
          lead(request);
        } finally {
          leadership.release();
          wakeNext(); // also when lead throws: nobody else would wake the writers parked behind it
        }
        if (request.isDone()) {
          break;
        }
      }
      request.awaitDoneOrWake();
    }
    return request.join();
  }

  /** Wakes the next queued writer, whose caller may be parked after failing to lead while we led. */
  private void wakeNext() {
    WriteRequest<K, V, ?> next = queue.peek();
    if (next != null) {
      next.wake();
    }
  }

  /** Returns how many requests wait to be drained; for tests. */
  int queued() {
    return queue.size();
  }

  private void lead(WriteRequest<K, V, ?> own) {
    while (!own.isDone()) {
      if (maxWaitNanos > 0 && queue.size() < maxBatch) {
        LockSupport.parkNanos(maxWaitNanos); // let more writers join a small batch
      }
      List<WriteRequest<K, V, ?>> batch = new ArrayList<>(Math.min(maxBatch, 64));
      WriteRequest<K, V, ?> next;
      while (batch.size() < maxBatch && (next = queue.poll()) != null) {
        batch.add(next);
      }
      if (batch.isEmpty()) {
        return; // another leader took our request
      }
      try {
        runner.accept(batch);
      } catch (RuntimeException | Error e) {
        for (WriteRequest<K, V, ?> r : batch) {
          if (!r.isDone()) {
            r.fail(new StoreException(r.operation, r.keys, e));
          }
        }
        if (e instanceof Error error) {
          throw error;
        }
      }
    }
  }
}
