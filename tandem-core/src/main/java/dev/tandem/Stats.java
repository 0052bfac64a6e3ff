package dev.tandem;

/**
 * A snapshot of a {@link Tandem}'s counters since it was built. Each counter is read separately, so
 * a snapshot taken under load is not atomic across counters.
 *
 * @param hitCount reads answered by the cache tier (including cached absences); counted only when
 *     the Tandem was built with {@link Tandem.Builder#recordStats()} or a meter registry, else 0
 * @param missCount reads the cache did not answer: those of {@code get}, {@code getVersioned} and
 *     {@code getAll}, which went on to the database, and those of {@code getIfCached}, which did
 *     not (as Caffeine counts {@code getIfPresent}); {@code loadCount} counts the database reads
 * @param loadCount database loads performed for misses (concurrent misses of one key share one)
 * @param loadFailureCount database loads that failed
 * @param writeCount writes that committed ({@code put}, {@code remove}, {@code update}, ...; a
 *     batch counts once per key)
 * @param writeFailureCount writes that did not commit or whose outcome is unknown
 * @param outcomeUnknownCount writes whose commit outcome was unknown
 * @param retryCount transactions run again after a passing failure (see {@link RetryPolicy})
 * @param tierFailureCount cache tier calls that failed (reads then went to the database; writes
 *     were refused before the database, or fenced the key after it)
 * @param totalWriteNanos time spent in committed writes, from call to return
 * @param evictionCount entries the cache tier evicted for size or expiry
 */
public record Stats(
    long hitCount,
    long missCount,
    long loadCount,
    long loadFailureCount,
    long writeCount,
    long writeFailureCount,
    long outcomeUnknownCount,
    long retryCount,
    long tierFailureCount,
    long totalWriteNanos,
    long evictionCount) {

  /** Returns the number of reads: hits plus misses. */
  public long readCount() {
    return hitCount + missCount;
  }

  /**
   * Returns the fraction of reads that were hits, or 1.0 when there were no reads; meaningful only
   * when hits are recorded.
   */
  public double hitRate() {
    long reads = readCount();
    return reads == 0 ? 1.0 : (double) hitCount / reads;
  }

  /** Returns the mean latency of a committed write in nanoseconds, or 0 when there were none. */
  public double averageWriteNanos() {
    return writeCount == 0 ? 0.0 : (double) totalWriteNanos / writeCount;
  }
}
