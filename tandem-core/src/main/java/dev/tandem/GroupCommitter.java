package dev.tandem;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Group commit: concurrent writes share database transactions, and up to {@code maxBatches}
 * transactions commit at once.
 *
 * <p><b>Design.</b> A writer enqueues its {@link WriteRequest}; a writer that gets one of the
 * {@code maxBatches} leader permits forms a batch from the queue, commits it in one transaction,
 * then publishes it and wakes its callers. There is no committer thread: a lone writer leads its
 * own batch of one, so at low load a write costs one transaction and no hand-off. A leader stops
 * leading as soon as its own request is done and wakes the next waiting writer to lead the rest, so
 * nobody leads forever.
 *
 * <p><b>Forming a batch</b> (one former at a time): the queue is scanned in order, and a request
 * joins the batch unless one of its keys is in flight in another leader's batch, or belongs to an
 * earlier request this scan passed over; up to {@code maxBatch} join. So batches in flight never
 * share a key, and a key's writes commit and publish in queue order: across batches (a later write
 * of a key waits until the batch holding the earlier one has published) and within one (several
 * writes of one key may share a batch; they are applied in queue order). Batches of disjoint keys
 * commit in parallel, on their own connections, and cannot deadlock on each other's row locks.
 *
 * <p>Invariants: callers hold their keys' shared locks while they wait, which keeps a transaction
 * of the same key out; every request a leader took is completed (committed and published, or failed
 * with the reason) before the leader releases its keys and its permit, even if the batch runner
 * throws (an {@link Error} included: it becomes the cause of the failures of its batch's requests,
 * and the leader goes on until its own request is done). Wake-ups: a leader that ran a batch either
 * forms the next one itself or, leaving, wakes the writer at the head of the queue (also when it
 * leaves by an exception); a leader that found nothing it could take leaves without waking anyone,
 * since what it waits for is in a batch in flight, whose leader wakes the queue when it ends.
 *
 * <p>Bounded waits: a caller waits in the queue until its request's deadline, then withdraws it (a
 * compare-and-set against the leader's take, so exactly one of them owns the request) and fails
 * with nothing written; so does a caller interrupted while queued. A leader fails the expired
 * requests it drains instead of running them. A request a leader took is waited for to its end.
 */
final class GroupCommitter<K, V> {

  private final ConcurrentLinkedQueue<WriteRequest<K, V, ?>> queue = new ConcurrentLinkedQueue<>();
  private final Semaphore leadership;
  private final ReentrantLock forming = new ReentrantLock();

  /** The keys of the batches being committed; guarded by {@link #forming}. */
  private final Set<K> inFlight = new HashSet<>();

  private final int maxBatch;
  private final long maxWaitNanos;
  private final Consumer<List<WriteRequest<K, V, ?>>> runner;

  /** Runs when a leader found nothing to take, before it leaves; for tests. */
  volatile Runnable afterIdleScan = () -> {};

  /** The write timeout the requests' deadlines were derived from, for messages. */
  private final Duration timeout;

  GroupCommitter(
      int maxBatch,
      int maxBatches,
      long maxWaitNanos,
      Duration timeout,
      Consumer<List<WriteRequest<K, V, ?>>> runner) {
    this.leadership = new Semaphore(maxBatches);
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
          boolean idle = false;
          try {
            idle = lead(request);
          } catch (RuntimeException | Error e) {
            abandon(request); // never leave it queued for another leader to commit after we threw
            throw e;
          } finally {
            leadership.release();
            if (!idle) {
              wakeNext(); // also when lead throws: nobody else would wake the writers parked behind
              // it
            }
          }
          if (request.isDone()) {
            break;
          }
        }
        if (taken) {
          request.awaitDoneOrWakeUninterruptibly();
          continue;
        }
        boolean expired = false;
        try {
          expired = !request.awaitDoneOrWake(System.nanoTime());
        } catch (InterruptedException e) {
          interrupted = true;
        }
        if (expired || interrupted) {
          if (request.withdraw()) { // withdrawn first: whatever happens next, it is never committed
            queue.remove(request);
            wakeNext(); // it may have been woken to lead: pass that on
            throw expired
                ? WriteCancelledException.timedOut(request.operation, request.keys, timeout)
                : WriteCancelledException.interrupted(request.operation, request.keys);
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

  /**
   * After {@link #lead} threw: withdraws the caller's request if it is still queued, else waits
   * until the leader that took it is done with it, so that the caller's exception never hides a
   * commit that happens later.
   */
  private void abandon(WriteRequest<K, V, ?> request) {
    if (request.withdraw()) {
      queue.remove(request);
      return;
    }
    while (!request.isDone()) {
      request.awaitDoneOrWakeUninterruptibly();
    }
  }

  /**
   * Queues a request to be drained by a leader; the first step of {@link #submit}, alone for tests.
   */
  void enqueue(WriteRequest<K, V, ?> request) {
    queue.add(request);
  }

  /**
   * Wakes the next queued writer, whose caller may be parked after failing to lead while we led.
   */
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

  /**
   * Leads batches until {@code own} is done; returns true if it stopped because nothing in the
   * queue could be taken (what is left waits for a batch in flight).
   */
  private boolean lead(WriteRequest<K, V, ?> own) {
    while (!own.isDone()) {
      if (maxWaitNanos > 0 && queue.size() < maxBatch) {
        LockSupport.parkNanos(maxWaitNanos); // let more writers join a small batch
      }
      Set<K> keys = new HashSet<>();
      List<WriteRequest<K, V, ?>> batch = form(keys);
      if (batch.isEmpty()) {
        // Nothing could be taken: what is queued waits for a batch in flight, whose leader wakes
        // the queue when it ends. But if our own request is done (form failed it as expired),
        // nothing may be in flight: leave as a leader that ran a batch does, waking the next.
        afterIdleScan.run();
        return !own.isDone();
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
      } finally {
        forming.lock();
        try {
          inFlight.removeAll(keys);
        } finally {
          forming.unlock();
        }
      }
    }
    return false;
  }

  /**
   * Takes the next batch from the queue (see the class javadoc) and marks its keys, which it also
   * adds to {@code keys}, as in flight; fails the expired requests it meets.
   */
  private List<WriteRequest<K, V, ?>> form(Set<K> keys) {
    List<WriteRequest<K, V, ?>> batch = new ArrayList<>(Math.min(maxBatch, 64));
    WriteRequest<K, V, ?> taking = null;
    forming.lock();
    try {
      Set<K> passedOver = null;
      for (Iterator<WriteRequest<K, V, ?>> it = queue.iterator();
          it.hasNext() && batch.size() < maxBatch; ) {
        WriteRequest<K, V, ?> next = it.next();
        if (!next.isQueued()) {
          continue; // withdrawn: its caller removes it
        }
        if (blocked(next, passedOver)) {
          if (passedOver == null) {
            passedOver = new HashSet<>();
          }
          passedOver.addAll(next.keys);
          continue;
        }
        if (!next.take()) {
          continue; // its caller withdrew it
        }
        taking = next;
        it.remove();
        if (System.nanoTime() - next.deadline > 0) {
          next.fail(WriteCancelledException.timedOut(next.operation, next.keys, timeout));
          taking = null;
          continue;
        }
        batch.add(next);
        taking = null;
        keys.addAll(next.keys);
      }
      inFlight.addAll(keys);
    } catch (RuntimeException | Error e) {
      // A key's hashCode threw, or memory ran out: complete what was taken, as not committed, so
      // that no caller waits for it and none of it is committed later.
      inFlight.removeAll(keys);
      if (taking != null) {
        batch.add(taking);
      }
      for (WriteRequest<K, V, ?> r : batch) {
        if (!r.isDone()) {
          r.fail(new StoreException(r.operation, r.keys, e));
        }
      }
      throw e;
    } finally {
      forming.unlock();
    }
    return batch;
  }

  /**
   * Whether a key of {@code request} is in another batch in flight or was passed over in this scan.
   */
  private boolean blocked(WriteRequest<K, V, ?> request, @Nullable Set<K> passedOver) {
    if (inFlight.isEmpty() && passedOver == null) {
      return false;
    }
    for (K key : request.keys) {
      if (inFlight.contains(key) || (passedOver != null && passedOver.contains(key))) {
        return true;
      }
    }
    return false;
  }
}
