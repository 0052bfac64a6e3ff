package dev.tandem.redis;

/**
 * What a write does when the {@link RedisTier} cannot fence its key before the database write
 * (Redis is down, slow, or the circuit is open).
 */
public enum WritePolicy {

  /**
   * The write fails with {@code CacheTierUnavailableException} before the database is touched. No
   * node can then read a value older than an acknowledged write. The default.
   */
  STRICT,

  /**
   * The write goes to the database anyway; its key is first appended to the {@linkplain
   * RedisTier.Builder#repairJournal repair journal} (forced to disk), and this node's tier does not
   * use Redis again before it has dropped the cached entry of every journaled key. Meanwhile a node
   * that still reaches Redis may read the value the write replaced: see the README for the bound.
   */
  AVAILABLE
}
