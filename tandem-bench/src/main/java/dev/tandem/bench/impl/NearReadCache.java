package dev.tandem.bench.impl;

import dev.tandem.Tandem;
import dev.tandem.redis.Codec;
import dev.tandem.redis.NearTier;
import dev.tandem.redis.RedisTier;
import dev.tandem.testkit.server.RedisServer;
import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The near tier (a Caffeine L1 over a {@link RedisTier} on a private redis-server that this
 * adapter starts), read either at the tier ({@code getValueIfLocal}, the L1 hit alone, which
 * {@code Tandem.get} calls first) or through {@code Tandem.get}, or, as a baseline, read from a
 * bare Caffeine cache filled beside the tier in the same JVM (same threads, same JIT profiles,
 * same heap). {@link #put} writes through Tandem and reads the key, so that the L1 holds it (an
 * own write drops the L1 copy; the next read fetches it from Redis).
 */
public final class NearReadCache implements ReadCache, AutoCloseable {
  private final RedisServer server;
  private final NearTier<Long, String> tier;
  private final Tandem<Long, String> tandem;
  private final boolean throughTandem;
  private final @Nullable CaffeineReadCache beside;

  /** Starts a redis-server and builds the tier and a Tandem over it and an in-memory store. */
  public NearReadCache(int maximumSize, boolean throughTandem) {
    this(maximumSize, throughTandem, false);
  }

  /**
   * As {@link #NearReadCache(int, boolean)}; with {@code caffeineBeside}, {@link #get} reads a
   * bare Caffeine cache that {@link #put} fills too, instead of the tier.
   */
  public NearReadCache(int maximumSize, boolean throughTandem, boolean caffeineBeside) {
    this.server = RedisServer.start();
    RedisTier<Long, String> shared = RedisTier.<Long, String>builder(Codec.string()).uri(server.uri())
        .keyPrefix("near-bench:").build();
    this.tier = NearTier.builder(shared).uri(server.uri()).maximumSize(maximumSize).keyDecoder(Long::valueOf)
        .boundedStaleness(Duration.ofSeconds(1)).build();
    this.tandem = Tandem.builder(new NullStore()).cacheTier(tier).build();
    this.throughTandem = throughTandem;
    this.beside = caffeineBeside ? new CaffeineReadCache(maximumSize, false) : null;
  }

  @Override
  public void put(Long key, String value) {
    tandem.put(key, value);
    tandem.get(key); // an own write drops the L1 copy; this read installs it from Redis
    if (beside != null) {
      beside.put(key, value);
    }
  }

  @Override
  @SuppressWarnings("NullableOptional")
  public @Nullable String get(Long key) {
    if (beside != null) {
      return beside.get(key);
    }
    if (throughTandem) {
      return tandem.get(key).orElse(null);
    }
    Optional<String> hit = tier.getValueIfLocal(key);
    return hit == null ? null : hit.orElse(null);
  }

  /** Returns how many copies the L1 holds (approximately). */
  public long localCopies() {
    return tier.estimatedSize();
  }

  @Override
  public void close() {
    try {
      tandem.close();
    } finally {
      server.close();
    }
  }
}
