package dev.tandem;

import static java.util.Objects.requireNonNull;

import dev.tandem.spi.AmbiguousCommitException;
import dev.tandem.spi.CacheTier;
import dev.tandem.spi.Cached;
import dev.tandem.spi.Mutation;
import dev.tandem.spi.RejectedValueException;
import dev.tandem.spi.RetryableException;
import dev.tandem.spi.Store;
import dev.tandem.spi.StoreTransaction;
import dev.tandem.spi.Written;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batch commit of a {@link WriteThroughCache}: what {@link GroupCommitter} calls to commit a
 * batch of write requests in one database transaction and publish it. Each key is prepared in the
 * tier first (a shared tier fences it), the batch is applied in queue order, and only after it
 * committed is each key published once, with its newest entry (H1, H5, H7); a commit with an
 * unknown outcome fences its keys and reads them back, and is never retried (H10).
 *
 * <p>Called by one group-commit leader per batch; batches in flight never share a key.
 */
final class BatchCommit<K, V> {

  /** The engine's logger: what a batch logs is the cache's. */
  private static final Logger log = LoggerFactory.getLogger(WriteThroughCache.class);

  private final WriteThroughCache<K, V> cache;
  private final Store<K, V> store;
  private final CacheTier<K, V> tier;
  private final StatsCounter stats;
  private final RetryPolicy retry;
  private final Duration writeTimeout;
  private final String name;

  BatchCommit(
      WriteThroughCache<K, V> cache,
      Store<K, V> store,
      CacheTier<K, V> tier,
      StatsCounter stats,
      RetryPolicy retry,
      Duration writeTimeout,
      String name) {
    this.cache = cache;
    this.store = store;
    this.tier = tier;
    this.stats = stats;
    this.retry = retry;
    this.writeTimeout = writeTimeout;
    this.name = name;
  }

  /** How one attempt at committing a batch ended. */
  private sealed interface Attempt {}

  private record Committed() implements Attempt {}

  /** One request is at fault: it fails alone and the others are tried again without it. */
  private record Excluded(WriteRequest<?, ?, ?> request, RuntimeException failure)
      implements Attempt {}

  /** A failure that no single request can be blamed for: each request is tried on its own. */
  private record Split() implements Attempt {}

  /** A passing failure: the whole batch is tried again after a backoff. */
  private record Retry(RuntimeException cause) implements Attempt {}

  private record Ambiguous(RuntimeException cause) implements Attempt {}

  /**
   * Commits a batch of requests from distinct keys' writers; completes every request. One bad
   * request fails alone: the batch is retried without it. An {@link Error} from the store or the
   * tier (a driver's failed assertion, say) may have struck before or after the commit: the
   * requests it leaves open end as of unknown outcome, with the error as the cause (their keys
   * fenced and read back, as after a cut connection); requests already completed keep their
   * outcome.
   */
  void commitBatch(List<WriteRequest<K, V, ?>> batch) {
    try {
      prepareAndRun(batch);
    } catch (Error e) {
      log.error(
          "{}: the store or cache tier threw an error during a write; its outcome is unknown",
          name,
          e);
      failUnknown(batch.stream().filter(r -> !r.isDone()).toList(), e);
    }
  }

  /**
   * Ends requests whose commit may or may not have happened: fences and reads back their keys (see
   * {@link WriteThroughCache#resolveAmbiguous}), then fails each with {@link
   * CommitOutcomeUnknownException}, also if the read-back itself throws.
   */
  private void failUnknown(List<WriteRequest<K, V, ?>> requests, Throwable cause) {
    List<K> keys = new ArrayList<>();
    requests.forEach(r -> keys.addAll(r.keys));
    try {
      cache.resolveAmbiguous(keys);
    } finally {
      for (WriteRequest<K, V, ?> r : requests) {
        stats.outcomeUnknown.increment();
        fail(r, new CommitOutcomeUnknownException(r.operation, r.keys, cause));
      }
    }
  }

  private void prepareAndRun(List<WriteRequest<K, V, ?>> batch) {
    List<WriteRequest<K, V, ?>> live = new ArrayList<>(batch.size());
    for (WriteRequest<K, V, ?> r : batch) {
      List<K> prepared = new ArrayList<>(r.keys.size());
      try {
        for (K key : r.keys) {
          tier.beforeWrite(key);
          prepared.add(key);
        }
        live.add(r);
      } catch (RuntimeException e) {
        stats.tierFailures.increment();
        prepared.forEach(cache::abandon);
        stats.writeFailures.increment();
        r.fail(
            new CacheTierUnavailableException(
                r.operation, r.keys, e)); // before the database is touched
      }
    }
    runBatch(live);
  }

  private void runBatch(List<WriteRequest<K, V, ?>> batch) {
    List<WriteRequest<K, V, ?>> live = new ArrayList<>(batch);
    int retries = 0;
    while (!live.isEmpty()) {
      failExpired(live); // no attempt, first, split or repeated, starts past a write's deadline
      if (live.isEmpty()) {
        return;
      }
      live.forEach(WriteRequest::reset);
      Attempt attempt = attempt(live);
      switch (attempt) {
        case Committed c -> {
          publishNewest(live);
          for (WriteRequest<K, V, ?> r : live) {
            abandonUnpublished(r);
            r.succeed();
          }
          return;
        }
        case Excluded(WriteRequest<?, ?, ?> excluded, RuntimeException failure) -> {
          WriteRequest<K, V, ?> r = live.get(live.indexOf(excluded));
          live.remove(r);
          fail(r, failure);
        }
        case Split s -> {
          for (WriteRequest<K, V, ?> r : live) {
            runBatch(List.of(r));
          }
          return;
        }
        case Retry(RuntimeException cause) -> {
          boolean exhausted = ++retries > retry.maxRetries();
          long pauseEnd = System.nanoTime() + retry.ceiling(retries).toNanos();
          for (Iterator<WriteRequest<K, V, ?>> it = live.iterator(); it.hasNext(); ) {
            WriteRequest<K, V, ?> r = it.next();
            if (exhausted
                || pauseEnd - r.deadline > 0) { // no retry may start past a write's deadline
              it.remove();
              fail(r, new StoreException(r.operation, r.keys, cause));
            }
          }
          if (live.isEmpty()) {
            return;
          }
          stats.retries.increment();
          retry.pause(retries);
        }
        case Ambiguous(RuntimeException cause) -> {
          failUnknown(live, cause);
          return;
        }
      }
    }
  }

  /** Fails, as never committed, the requests whose deadline passed before this attempt. */
  private void failExpired(List<WriteRequest<K, V, ?>> live) {
    long now = System.nanoTime();
    for (Iterator<WriteRequest<K, V, ?>> it = live.iterator(); it.hasNext(); ) {
      WriteRequest<K, V, ?> r = it.next();
      if (now - r.deadline > 0) {
        it.remove();
        fail(r, WriteCancelledException.timedOut(r.operation, r.keys, writeTimeout));
      }
    }
  }

  private Attempt attempt(List<WriteRequest<K, V, ?>> live) {
    StoreTransaction<K, V> tx;
    try {
      tx = store.begin();
    } catch (RetryableException e) {
      return new Retry(e);
    } catch (RuntimeException e) {
      return live.size() == 1
          ? new Excluded(live.get(0), storeFailure(live.get(0), e))
          : new Split();
    }
    try {
      if (live.stream().allMatch(r -> r.work == null)) { // the common case: plain writes only
        Attempt failed = applyPlain(tx, new ArrayList<>(live), true);
        return failed != null ? failed : new Committed();
      }
      List<WriteRequest<K, V, ?>> segment = new ArrayList<>();
      for (Iterator<WriteRequest<K, V, ?>> it = live.iterator(); it.hasNext(); ) {
        WriteRequest<K, V, ?> r = it.next();
        if (r.work == null) {
          segment.add(r); // plain writes in a row become one batch statement
          continue;
        }
        Attempt failed = applyPlain(tx, segment, false); // keep queue order: earlier writes first
        if (failed != null) {
          return failed;
        }
        try {
          r.runWork(tx);
        } catch (WriteThroughCache.CallerFailure e) {
          it.remove(); // the caller's own error: nothing was written, the transaction is intact
          fail(r, requireNonNull(e.getCause()));
        } catch (VersionConflictException | NullPointerException e) {
          it.remove();
          fail(r, e);
        } catch (RejectedValueException e) {
          it.remove();
          fail(r, rejected(r, e));
        } catch (RetryableException e) {
          return new Retry(e);
        } catch (RuntimeException e) {
          return new Excluded(r, storeFailure(r, e));
        }
      }
      Attempt failed = applyPlain(tx, segment, false);
      if (failed != null) {
        return failed;
      }
      if (!live.isEmpty()) {
        tx.commit();
      }
      return new Committed();
    } catch (AmbiguousCommitException e) {
      return new Ambiguous(e);
    } catch (RetryableException e) {
      return new Retry(e);
    } catch (RuntimeException e) {
      return live.size() == 1
          ? new Excluded(live.get(0), storeFailure(live.get(0), e))
          : new Split();
    } finally {
      cache.closeQuietly(tx);
    }
  }

  /**
   * Applies a run of plain writes as one batch statement and stages their results, committing in
   * the same step if {@code andCommit} (one round trip where the store can); empties the run.
   * Returns how the attempt ends if the batch failed, else null.
   */
  private @Nullable Attempt applyPlain(
      StoreTransaction<K, V> tx, List<WriteRequest<K, V, ?>> plain, boolean andCommit) {
    if (plain.isEmpty()) {
      return null;
    }
    List<Mutation<K, V>> all = new ArrayList<>(plain.size());
    for (WriteRequest<K, V, ?> r : plain) {
      all.addAll(requireNonNull(r.mutations));
    }
    List<Written> written;
    try {
      written = andCommit ? tx.applyAndCommit(all) : tx.apply(all);
    } catch (RejectedValueException e) {
      WriteRequest<K, V, ?> owner = ownerOf(plain, e.key());
      return owner != null
          ? new Excluded(owner, rejected(owner, e))
          : new Split(); // ambiguous owner: each alone
    } catch (AmbiguousCommitException e) {
      return new Ambiguous(e);
    } catch (RetryableException e) {
      return new Retry(e);
    } catch (RuntimeException e) {
      return plain.size() == 1
          ? new Excluded(plain.get(0), storeFailure(plain.get(0), e))
          : new Split();
    }
    int from = 0;
    for (WriteRequest<K, V, ?> r : plain) {
      int n = requireNonNull(r.mutations).size();
      r.stageWritten(written.subList(from, from + n));
      from += n;
    }
    plain.clear();
    return null;
  }

  /** Returns the one request that writes {@code key}, or null if none or several do. */
  private @Nullable WriteRequest<K, V, ?> ownerOf(
      List<WriteRequest<K, V, ?>> requests, Object key) {
    WriteRequest<K, V, ?> owner = null;
    for (WriteRequest<K, V, ?> r : requests) {
      if (r.keys.contains(key)) {
        if (owner != null) {
          return null;
        }
        owner = r;
      }
    }
    return owner;
  }

  /**
   * Publishes a committed batch: each key once, with the entry of its last write in queue order
   * (the newest: the batch applied them in that order). Publishing an older write of a key whose
   * newer write committed in the same transaction would show every node a value the database no
   * longer holds until the newer publish lands (found by the multi-node torture test; see {@code
   * BatchPublishesNewestTest}). The superseded writes are abandoned first, so that a tier counting
   * the writes in flight sees the last one publish.
   */
  private void publishNewest(List<WriteRequest<K, V, ?>> committed) {
    if (committed.size() == 1) { // a lone writer: nothing to supersede
      WriteRequest<K, V, ?> only = committed.get(0);
      only.published = true;
      only.publish.forEach(cache::publish);
      return;
    }
    Map<K, Cached<V>> newest = new LinkedHashMap<>();
    for (WriteRequest<K, V, ?> r : committed) {
      newest.putAll(r.publish);
      r.published = true;
    }
    for (WriteRequest<K, V, ?> r : committed) {
      r.publish.forEach(
          (key, entry) -> {
            if (newest.get(key) != entry) {
              cache.abandon(key);
            }
          });
    }
    newest.forEach(cache::publish);
  }

  private void fail(WriteRequest<K, V, ?> request, Throwable failure) {
    stats.writeFailures.increment();
    if (!(failure instanceof CommitOutcomeUnknownException)) {
      abandonUnpublished(request); // an unknown outcome keeps its keys fenced until read back
    }
    request.fail(failure);
  }

  /** Tells the tier about the request's keys that were prepared but will not be published. */
  private void abandonUnpublished(WriteRequest<K, V, ?> request) {
    for (K key : request.keys) {
      if (!request.published || !request.publish.containsKey(key)) {
        cache.abandon(key);
      }
    }
  }

  private static StoreException storeFailure(
      WriteRequest<?, ?, ?> request, RuntimeException cause) {
    return new StoreException(request.operation, request.keys, cause);
  }

  private static IllegalArgumentException rejected(
      WriteRequest<?, ?, ?> request, RejectedValueException e) {
    return new IllegalArgumentException(
        request.operation
            + ": the store rejected the value of key "
            + e.key()
            + ": "
            + e.getMessage(),
        e);
  }
}
