package dev.tandem.cli.bench;

import static java.util.Objects.requireNonNull;

import dev.tandem.cli.TierFills;
import dev.tandem.local.LocalTier;
import dev.tandem.redis.Codec;
import dev.tandem.redis.NearTier;
import dev.tandem.redis.RedisTier;
import dev.tandem.spi.CacheTier;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** The cache tier of the Tandem that {@code tandem bench --tier} measures. */
enum BenchTier {
  /** Caffeine in the process. */
  LOCAL("local tier (Caffeine)"),
  /** One Redis shared by the nodes, with the tier's defaults (STRICT write policy). */
  REDIS("Redis tier (STRICT, shared by the nodes)"),
  /** A Caffeine L1 per node over the Redis tier, invalidated over pub/sub (bounded staleness). */
  NEAR("near tier (Caffeine L1 over the Redis tier, BOUNDED_STALENESS 100 ms)");

  /**
   * The Redis command timeout of the bench's tiers: Redisson's default (3 s), not the tier's 1 s,
   * so that a machine shared with other work does not fail a run that the peers would survive.
   */
  static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(3);

  /**
   * The near tier's staleness bound in the bench: as in torture (an invalidation normally arrives
   * far sooner).
   */
  static final Duration NEAR_STALENESS = Duration.ofMillis(100);

  /**
   * The connect timeout of the bench's tiers: generous, for nodes that start while the machine is
   * busy.
   */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private final String description;

  BenchTier(String description) {
    this.description = description;
  }

  /** Returns the name on the command line. */
  String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Returns what the tier is. */
  String description() {
    return description;
  }

  /** Returns whether the tier needs the run's Redis. */
  boolean shared() {
    return this != LOCAL;
  }

  /**
   * Returns a new tier of at most {@code cacheSize} entries (in the process: the local tier and the
   * near tier's L1), its Redis keys under {@code prefix}.
   *
   * @param redis the run's Redis; needed by the shared tiers
   */
  CacheTier<String, String> open(@Nullable BenchRedis redis, String prefix, long cacheSize) {
    if (this == LOCAL) {
      return LocalTier.<String, String>builder().maximumSize(cacheSize).build();
    }
    BenchRedis r = requireNonNull(redis, "redis");
    RedisTier<String, String> shared =
        RedisTier.<String, String>builder(Codec.string())
            .uri(r.uri())
            .keyPrefix(prefix)
            .commandTimeout(COMMAND_TIMEOUT)
            .connectTimeout(CONNECT_TIMEOUT)
            .build();
    try {
      awaitFills(shared);
    } catch (RuntimeException e) {
      shared.close();
      throw e;
    }
    if (this == REDIS) {
      return shared;
    }
    try {
      return NearTier.builder(shared)
          .uri(r.uri())
          .maximumSize(cacheSize)
          .boundedStaleness(NEAR_STALENESS)
          .commandTimeout(COMMAND_TIMEOUT)
          .build();
    } catch (RuntimeException e) {
      shared.close();
      throw e;
    }
  }

  /**
   * Waits until {@code tier} caches loaded rows ({@link TierFills}), at most twice its write fence
   * timeout.
   *
   * @throws IllegalStateException if the tier still refuses fills then
   */
  private static void awaitFills(RedisTier<String, String> tier) {
    Duration max = tier.writeFenceTimeout().multipliedBy(2);
    if (TierFills.await(tier, "tandem-bench:fills", max) == null) {
      throw new IllegalStateException(
          "the Redis tier still refuses fills after twice its write fence timeout ("
              + tier.writeFenceTimeout()
              + "): is a write of another process fencing the prefix?");
    }
  }

  /** Converts a command-line name, case-insensitively. */
  static final class Converter implements ITypeConverter<BenchTier> {

    /** Creates the converter; picocli calls this. */
    Converter() {}

    @Override
    public BenchTier convert(String value) {
      for (BenchTier tier : values()) {
        if (tier.label().equalsIgnoreCase(value.strip())) {
          return tier;
        }
      }
      throw new TypeConversionException(
          "unknown tier '"
              + value
              + "' (expected one of "
              + Arrays.stream(values()).map(BenchTier::label).collect(Collectors.joining(", "))
              + ")");
    }
  }
}
