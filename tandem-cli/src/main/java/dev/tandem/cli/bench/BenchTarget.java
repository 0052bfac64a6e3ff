package dev.tandem.cli.bench;

import org.jspecify.annotations.Nullable;

/**
 * A compared system as the bench sees it: reads and writes of string values by string key, over the
 * bench table. Implementations are thread-safe; one is opened per run and closed after it.
 */
interface BenchTarget extends AutoCloseable {

  /**
   * Cumulative cache counters.
   *
   * @param hits reads answered by the cache
   * @param misses reads that went to the database
   */
  record CacheCounts(long hits, long misses) {}

  /** Returns the value of {@code key}, or null if there is none. */
  @Nullable String read(String key);

  /** Writes {@code value} under {@code key}; returns once the write is durable. */
  void write(String key, String value);

  /** Returns the cache's counters so far, or null for a system without a cache. */
  default @Nullable CacheCounts cacheCounts() {
    return null;
  }

  /** Releases what the target holds (never the shared connection pool). */
  @Override
  void close();
}
