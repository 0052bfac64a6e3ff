package dev.tandem.cli.peers;

import org.jspecify.annotations.Nullable;

/**
 * A peer as the bench and the torture see it: a map of text values by key, written through to the
 * database by the peer's own mechanism. Implementations are thread-safe.
 */
public interface PeerMap extends AutoCloseable {

  /**
   * Returns the value of {@code key}, loaded from the database on a miss, or null if there is none.
   */
  @Nullable String get(String key);

  /** Writes {@code value} under {@code key}, through to the database. */
  void put(String key, String value);

  /**
   * Replaces {@code key}'s value with {@code value} if it is {@code expected} (the peer's own
   * compare-and-set); returns whether it did.
   */
  boolean replace(String key, String expected, String value);

  /** Deletes {@code key}, in the database too. */
  void remove(String key);

  /** Drops the cached copy of {@code key} (not the row), where the peer has such an operation. */
  void evict(String key);

  /** Returns the database of the peer (to count its loads). */
  TableBridge<?> bridge();

  /** Releases the peer's clients and members. */
  @Override
  void close();
}
