package dev.tandem.jdbc;

import java.util.Collection;
import java.util.TreeSet;

/**
 * The 64-bit lock id of a key of a table, for PostgreSQL advisory locks. Every node computes the
 * same id for the same key (it depends only on the table name and the key's string form), so nodes
 * that write one key exclude each other; distinct keys rarely share an id, and a shared id only
 * serializes their writers.
 */
final class KeyHash {

  private KeyHash() {}

  /** Returns the lock id of {@code key} in {@code table}. */
  static long of(String table, Object key) {
    long h = 0xcbf29ce484222325L; // FNV-1a over the chars, then a full avalanche
    h = mix(h, table);
    h = (h ^ 0x1f) * 0x100000001b3L;
    h = mix(h, key.toString());
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }

  /**
   * Returns the distinct lock ids of {@code keys} in ascending order, the order to lock them in.
   */
  static Long[] sortedOf(String table, Collection<?> keys) {
    TreeSet<Long> ids = new TreeSet<>();
    for (Object key : keys) {
      ids.add(of(table, key));
    }
    return ids.toArray(new Long[0]);
  }

  private static long mix(long h, String s) {
    for (int i = 0; i < s.length(); i++) {
      h = (h ^ s.charAt(i)) * 0x100000001b3L;
    }
    return h;
  }
}
