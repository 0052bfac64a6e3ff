package dev.tandem;

import java.time.Duration;
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
 * if the batch runner throws (an {@link Error} included: it becomes the cause of the failures of
 * its batch's requests, and the leader goes on until its own request is done); a leader that
 * leaves by an exception anyway still wakes the next writer.
 *
 * <p>Bounded waits: a caller waits in the queue until its request's deadline, then withdraws it
 * (a compare-and-set against the leader's take, so exactly one of them owns the request) and fails
 * with nothing written; so does a caller interrupted while queued. A leader fails the expired
 * requests it drains instead of running them. A request a leader took is waited for to its end.
 */
final class GroupCommitter<K, V> {

  private final ConcurrentLinkedQueue<WriteRequest<K, V, ?>> queue = new ConcurrentLinkedQueue<>();
  private final Semaphore leadership = new Semaphore(1);
  private final int maxBatch;
  private final long maxWaitNanos;
  private final Consumer<List<WriteRequest<K, V, ?>>> runner;
  /** The write timeout the requests' deadlines were derived from, for messages. */
  private final Duration timeout;

  GroupCommitter(int maxBatch, long maxWaitNanos, Duration timeout, Consumer<List<WriteRequest<K, V, ?>>> runner) {
    this.timeout = timeout;
    this.maxBatch = maxBatch;
    this.maxWaitNanos = maxWaitNanos;
    this.runner = runner;
  }

  /**
   * Commits the request, possibly with others, and returns its result or throws its failure. A
   * request still queued when its deadline passes, or when its caller is interrupted, is withdrawn
   * and fails with {@link WriteCancelledException}; once a leader took it, its caller waits for the
   * outcome, which the store's own timeouts bound.
   */
  <R> R submit(WriteRequest<K, V, R> request) {
    enqueue(request);
    boolean interrupted = false;
    boolean taken = false; // once true, the request is a leader's: only its outcome ends the wait
    try {
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
        if (taken) {
          request.awaitDoneOrWakeUninterruptibly();
          continue;
        }
        WriteCancelledException cancelled = null;
        try {
          if (!request.awaitDoneOrWake(System.nanoTime())) {
            cancelled = WriteCancelledException.timedOut(request.operation, request.keys, timeout);
          }
        } catch (InterruptedException e) {
          interrupted = true;
          cancelled = WriteCancelledException.interrupted(request.operation, request.keys);
        }
        if (cancelled != null) {
          if (request.withdraw()) {
            queue.remove(request);
            wakeNext(); // it may have been woken to lead: pass that on
            throw cancelled;
          }
          taken = true;
        }
      }
      return request.join();
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Queues a request to be drained by a leader; the first step of {@link #submit}, alone for tests. */
  void enqueue(WriteRequest<K, V, ?> request) {
    queue.add(request);
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
        if (!next.take()) {
          continue; // its caller withdrew it
        }
        if (System.nanoTime() - next.deadline > 0) {
          next.fail(WriteCancelledException.timedOut(next.operation, next.keys, timeout));
          continue;
        }
        batch.add(next);
      }
      if (batch.isEmpty()) {
        return; // another leader took our request
      }
      try {
        runner.accept(batch);
      } catch (RuntimeException | Error e) {
        // The runner completes every request, Errors included; this is the last resort. An Error
        // reaches the batch's callers as the cause of their failures, as in an executor: the
        // leader does not throw it, since its own request may be in a later batch.
        for (WriteRequest<K, V, ?> r : batch) {
          if (!r.isDone()) {
            r.fail(new StoreException(r.operation, r.keys, e));
          }
        }
      }
    }
  }
}
