package dev.tandem.bench.impl;

import dev.tandem.Tandem;
import dev.tandem.redis.NearTier;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The near tier (a Caffeine L1 over a Redis tier on a private redis-server that this adapter
 * starts: {@link TandemOverRedis#near}) and a Tandem over it, read in one of three ways ({@link
 * Read}). {@link #put} writes through Tandem and reads the key, so that the L1 holds it (an own
 * write drops the L1 copy; the next read fetches it from Redis). Each way of reading is a class of
 * its own, so that a hit runs no test of which way was chosen: the bare Caffeine baseline's adapter
 * runs none either.
 */
public abstract sealed class NearReadCache implements ReadCache, AutoCloseable {

  /** How {@link #get} reads. */
  public enum Read {
    /**
     * The near tier itself ({@code getValueIfLocal}): the L1 hit alone, which {@code Tandem.get}
     * asks first.
     */
    TIER,
    /** {@code Tandem.get} over the near tier. */
    TANDEM,
    /**
     * A bare Caffeine cache that {@link #put} fills beside the tier: the baseline in the near
     * tier's JVM (same threads, same JIT profiles, same heap) without its code.
     */
    CAFFEINE_BESIDE
  }

  private final TandemOverRedis redis;
  // copied out of redis: a hit follows no more references than the bare Caffeine adapter's
  final NearTier<Long, String> tier;
  final Tandem<Long, String> tandem;

  /** Starts a redis-server and builds the tier and a Tandem over it and an in-memory store. */
  public static NearReadCache start(int maximumSize, Read read) {
    return switch (read) {
      case TIER -> new TierHit(maximumSize);
      case TANDEM -> new TandemHit(maximumSize);
      case CAFFEINE_BESIDE -> new CaffeineBeside(maximumSize);
    };
  }

  private NearReadCache(int maximumSize) {
    this.redis = TandemOverRedis.near("near-bench:", maximumSize);
    this.tier = redis.near();
    this.tandem = redis.tandem();
  }

  @Override
  public void put(Long key, String value) {
    tandem.put(key, value);
    tandem.get(key); // an own write drops the L1 copy; this read installs it from Redis
  }

  /** Returns how many copies the L1 holds (approximately). */
  public long localCopies() {
    return tier.estimatedSize();
  }

  @Override
  public void close() {
    redis.close();
  }

  private static final class TierHit extends NearReadCache {
    TierHit(int maximumSize) {
      super(maximumSize);
    }

    @Override
    @SuppressWarnings("NullableOptional")
    public @Nullable String get(Long key) {
      Optional<String> hit = tier.getValueIfLocal(key);
      return hit == null ? null : hit.orElse(null);
    }
  }

  private static final class TandemHit extends NearReadCache {
    TandemHit(int maximumSize) {
      super(maximumSize);
    }

    @Override
    public @Nullable String get(Long key) {
      return tandem.get(key).orElse(null);
    }
  }

  private static final class CaffeineBeside extends NearReadCache {
    private final CaffeineReadCache beside;

    CaffeineBeside(int maximumSize) {
      super(maximumSize);
      this.beside = new CaffeineReadCache(maximumSize, false);
    }

    @Override
    public void put(Long key, String value) {
      super.put(key, value);
      beside.put(key, value);
    }

    @Override
    public @Nullable String get(Long key) {
      return beside.get(key);
    }
  }
}
