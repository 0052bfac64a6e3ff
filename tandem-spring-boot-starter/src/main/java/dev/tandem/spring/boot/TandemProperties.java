package dev.tandem.spring.boot;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The settings under {@code tandem}: one entry of {@code tandem.caches} per cache, each becoming a
 * {@code Tandem<K, V>} bean named after its entry and a cache of the {@link TandemCacheManager}.
 *
 * <pre>
 * tandem.caches.flights.table=flight
 * tandem.caches.flights.key-column=flight_id
 * tandem.caches.flights.value-type=com.example.Flight
 * </pre>
 *
 * <p>Unset settings take the defaults of Tandem's builders; a bad value fails start-up with the
 * builder's message, prefixed with the property's name.
 */
@ConfigurationProperties("tandem")
public class TandemProperties {

  /** The caches, by name: the name of the Tandem bean and of the Spring cache. */
  private Map<String, Cache> caches = new LinkedHashMap<>();

  /** Returns the caches by name. */
  public Map<String, Cache> getCaches() {
    return caches;
  }

  /** Sets the caches by name. */
  public void setCaches(Map<String, Cache> caches) {
    this.caches = caches;
  }

  /** Where a cache keeps its copies. */
  public enum Tier {
    /** In this process only (Caffeine): for one application node. */
    LOCAL,
    /** In Redis, shared by every node (the server of {@code spring.data.redis.*}). */
    REDIS,
    /** A local copy over Redis, invalidated across nodes within {@code bounded-staleness}. */
    NEAR
  }

  /**
   * What {@code Cache.put} does: {@code @CachePut} after its method ran, and {@code @Cacheable}
   * after a miss (which Tandem answers from the database first, so only for a key the table lacks).
   */
  public enum PutMode {
    /**
     * The value the method returned is written to the database through Tandem, and the cache holds
     * it with the version of that write. Correct whatever runs concurrently: if the method already
     * wrote the same row itself, the row is written a second time (same value, newer version). The
     * default.
     */
    WRITE_THROUGH,
    /**
     * The method wrote the database itself: the put only drops the cached copy, and the next read
     * loads the committed row; the value the method returned is not written. Cheaper (one write),
     * but a read that missed and loaded the row before the method's commit may still install the
     * older row after the drop, as with any write that bypasses Tandem; it stays until the next
     * write of the key, an eviction or the time to live.
     */
    INVALIDATE
  }

  /** One cache: the table it caches, its tier and its tuning. */
  public static class Cache {

    /** The table, optionally schema-qualified. Required. */
    private @Nullable String table;

    /** The key column: the primary key, or alone in a unique index. */
    private String keyColumn = "id";

    /** The Java type of keys: Long, Integer, String or java.util.UUID. */
    private Class<?> keyType = Long.class;

    /** The version column, added with JdbcSchema.addVersionColumn. */
    private String versionColumn = "tandem_version";

    /**
     * The class of values, a record (or a simple class): each component is the column of its name
     * in snake_case. Required.
     */
    private @Nullable Class<?> valueType;

    /** Where copies are kept. */
    private Tier tier = Tier.LOCAL;

    /** The most entries kept in this process (the local tier, or the near tier's local copies). */
    private long maximumSize = 10_000;

    /**
     * How long after a write or load a copy expires; unset: never (copies stay correct without it).
     */
    private @Nullable Duration timeToLive;

    /**
     * For the near tier: the longest time a local copy may be served after another node's write.
     */
    private @Nullable Duration boundedStaleness;

    /**
     * What Cache.put does for @CachePut (and @Cacheable of a key the table lacks): write-through or
     * invalidate.
     */
    private PutMode putMode = PutMode.WRITE_THROUGH;

    /**
     * Whether writes made inside a Spring-managed transaction on the application's DataSource join
     * it (run on its connection, reach the cache after its commit, leave nothing on rollback).
     */
    private boolean joinTransactions = true;

    /**
     * How long a write waits before its database transaction starts; unset: Tandem's default (10
     * s).
     */
    private @Nullable Duration writeTimeout;

    /** Group commit: how concurrent writes share database transactions. */
    private final Batch batch = new Batch();

    /**
     * Retries of transactions that failed for a passing reason (deadlock, serialization failure).
     */
    private final Retry retry = new Retry();

    /**
     * The redis and near tiers; the server is Spring Boot's spring.data.redis.* (url, host, port,
     * ...).
     */
    private final Redis redis = new Redis();

    /** Returns the table. */
    public @Nullable String getTable() {
      return table;
    }

    /** Sets the table. */
    public void setTable(@Nullable String table) {
      this.table = table;
    }

    /** Returns the key column. */
    public String getKeyColumn() {
      return keyColumn;
    }

    /** Sets the key column. */
    public void setKeyColumn(String keyColumn) {
      this.keyColumn = keyColumn;
    }

    /** Returns the key type. */
    public Class<?> getKeyType() {
      return keyType;
    }

    /** Sets the key type. */
    public void setKeyType(Class<?> keyType) {
      this.keyType = keyType;
    }

    /** Returns the version column. */
    public String getVersionColumn() {
      return versionColumn;
    }

    /** Sets the version column. */
    public void setVersionColumn(String versionColumn) {
      this.versionColumn = versionColumn;
    }

    /** Returns the value type. */
    public @Nullable Class<?> getValueType() {
      return valueType;
    }

    /** Sets the value type. */
    public void setValueType(@Nullable Class<?> valueType) {
      this.valueType = valueType;
    }

    /** Returns the tier. */
    public Tier getTier() {
      return tier;
    }

    /** Sets the tier. */
    public void setTier(Tier tier) {
      this.tier = tier;
    }

    /** Returns the maximum size. */
    public long getMaximumSize() {
      return maximumSize;
    }

    /** Sets the maximum size. */
    public void setMaximumSize(long maximumSize) {
      this.maximumSize = maximumSize;
    }

    /** Returns the time to live, or null for none. */
    public @Nullable Duration getTimeToLive() {
      return timeToLive;
    }

    /** Sets the time to live. */
    public void setTimeToLive(@Nullable Duration timeToLive) {
      this.timeToLive = timeToLive;
    }

    /** Returns the near tier's staleness bound, or null. */
    public @Nullable Duration getBoundedStaleness() {
      return boundedStaleness;
    }

    /** Sets the near tier's staleness bound. */
    public void setBoundedStaleness(@Nullable Duration boundedStaleness) {
      this.boundedStaleness = boundedStaleness;
    }

    /** Returns whether writes join Spring-managed transactions. */
    public boolean isJoinTransactions() {
      return joinTransactions;
    }

    /** Sets whether writes join Spring-managed transactions. */
    public void setJoinTransactions(boolean joinTransactions) {
      this.joinTransactions = joinTransactions;
    }

    /** Returns the put mode. */
    public PutMode getPutMode() {
      return putMode;
    }

    /** Sets the put mode. */
    public void setPutMode(PutMode putMode) {
      this.putMode = putMode;
    }

    /** Returns the write timeout, or null for Tandem's default. */
    public @Nullable Duration getWriteTimeout() {
      return writeTimeout;
    }

    /** Sets the write timeout. */
    public void setWriteTimeout(@Nullable Duration writeTimeout) {
      this.writeTimeout = writeTimeout;
    }

    /** Returns the group-commit settings. */
    public Batch getBatch() {
      return batch;
    }

    /** Returns the retry settings. */
    public Retry getRetry() {
      return retry;
    }

    /** Returns the Redis settings. */
    public Redis getRedis() {
      return redis;
    }
  }

  /** Group commit; unset values take Tandem's defaults. */
  public static class Batch {

    /** The most writes that share one database transaction (Tandem's default: 256). */
    private @Nullable Integer maxSize;

    /** How many batches commit at once, each on its own connection (Tandem's default: 2). */
    private @Nullable Integer maxConcurrent;

    /** How long a lone writer lingers for more writes before it commits (Tandem's default: 0). */
    private @Nullable Duration maxWait;

    /** Returns the maximum batch size, or null. */
    public @Nullable Integer getMaxSize() {
      return maxSize;
    }

    /** Sets the maximum batch size. */
    public void setMaxSize(@Nullable Integer maxSize) {
      this.maxSize = maxSize;
    }

    /** Returns the number of concurrent batches, or null. */
    public @Nullable Integer getMaxConcurrent() {
      return maxConcurrent;
    }

    /** Sets the number of concurrent batches. */
    public void setMaxConcurrent(@Nullable Integer maxConcurrent) {
      this.maxConcurrent = maxConcurrent;
    }

    /** Returns the batch wait, or null. */
    public @Nullable Duration getMaxWait() {
      return maxWait;
    }

    /** Sets the batch wait. */
    public void setMaxWait(@Nullable Duration maxWait) {
      this.maxWait = maxWait;
    }
  }

  /** Retries with capped exponential backoff and jitter (Tandem's RetryPolicy). */
  public static class Retry {

    /** Retries after the first attempt; 0 disables retrying. */
    private int maxRetries = 5;

    /** The pause before the first retry. */
    private Duration initialBackoff = Duration.ofMillis(2);

    /** The longest pause. */
    private Duration maxBackoff = Duration.ofMillis(100);

    /** Returns the number of retries. */
    public int getMaxRetries() {
      return maxRetries;
    }

    /** Sets the number of retries. */
    public void setMaxRetries(int maxRetries) {
      this.maxRetries = maxRetries;
    }

    /** Returns the first pause. */
    public Duration getInitialBackoff() {
      return initialBackoff;
    }

    /** Sets the first pause. */
    public void setInitialBackoff(Duration initialBackoff) {
      this.initialBackoff = initialBackoff;
    }

    /** Returns the longest pause. */
    public Duration getMaxBackoff() {
      return maxBackoff;
    }

    /** Sets the longest pause. */
    public void setMaxBackoff(Duration maxBackoff) {
      this.maxBackoff = maxBackoff;
    }
  }

  /** The redis and near tiers of one cache. */
  public static class Redis {

    /**
     * The prefix of the cache's Redis keys; unset: tandem:&lt;cache name&gt;: (caches of different
     * tables need different ones).
     */
    private @Nullable String keyPrefix;

    /** How long one Redis command may take before the call fails; unset: the tier's default. */
    private @Nullable Duration commandTimeout;

    /**
     * How long a fence set before a write keeps the key from being filled; unset: the tier's
     * default.
     */
    private @Nullable Duration writeFenceTimeout;

    /** Returns the key prefix, or null. */
    public @Nullable String getKeyPrefix() {
      return keyPrefix;
    }

    /** Sets the key prefix. */
    public void setKeyPrefix(@Nullable String keyPrefix) {
      this.keyPrefix = keyPrefix;
    }

    /** Returns the command timeout, or null. */
    public @Nullable Duration getCommandTimeout() {
      return commandTimeout;
    }

    /** Sets the command timeout. */
    public void setCommandTimeout(@Nullable Duration commandTimeout) {
      this.commandTimeout = commandTimeout;
    }

    /** Returns the write fence timeout, or null. */
    public @Nullable Duration getWriteFenceTimeout() {
      return writeFenceTimeout;
    }

    /** Sets the write fence timeout. */
    public void setWriteFenceTimeout(@Nullable Duration writeFenceTimeout) {
      this.writeFenceTimeout = writeFenceTimeout;
    }
  }
}
