package dev.tandem.redis;

import dev.tandem.spi.CacheTier;
import dev.tandem.spi.CacheTierContract;
import dev.tandem.testkit.server.RedisServer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;

/**
 * The {@link CacheTierContract} against two near tiers (each its own L1 over its own {@link
 * RedisTier}) sharing one prefix of a real Redis: two nodes. What only the near tier has (L1
 * copies, invalidation messages, bounded staleness, a lost channel) is in {@link NearTierIT}.
 */
class NearTierContractIT extends CacheTierContract {

  private static final AtomicInteger PREFIXES = new AtomicInteger();

  private final String prefix =
      "near-contract-" + ProcessHandle.current().pid() + "-" + PREFIXES.incrementAndGet() + ":";
  private final NearTier<String, String> tier = node();
  private final NearTier<String, String> otherNode = node();

  private NearTier<String, String> node() {
    Epochs.trust(RedisServer.shared().uri(), prefix);
    RedisTier<String, String> shared =
        RedisTier.<String, String>builder(Codec.string())
            .uri(RedisServer.shared().uri())
            .keyPrefix(prefix)
            .build();
    return NearTier.builder(shared)
        .uri(RedisServer.shared().uri())
        .maximumSize(1_000)
        .boundedStaleness(Duration.ofSeconds(30))
        .build();
  }

  @Override
  protected CacheTier<String, String> tier() {
    return tier;
  }

  @Override
  protected CacheTier<String, String> otherNode() {
    return otherNode;
  }

  @AfterEach
  void close() {
    tier.close();
    otherNode.close();
  }
}
