package dev.tandem.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.spi.Cached;
import dev.tandem.testkit.server.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Compressed and encrypted entries in a real Redis, between tiers of nodes in the middle of a key
 * rotation: a node reads what another encrypted under a key it holds for decryption; an entry under
 * a key it lacks, or changed in Redis, is an entry it cannot decode (the engine reads the database
 * instead), never a wrong value.
 */
class SealedEntriesIT {

  private static final String PREFIX = "sealed:";
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final SecretKey JUNE = key();
  private static final SecretKey DECEMBER = key();

  private final List<RedisTier<String, Long>> tiers = new ArrayList<>();

  private static SecretKey key() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return new SecretKeySpec(bytes, "AES");
  }

  private RedisTier<String, Long> tier(EncryptedCodec.Builder<Long> keys) {
    Epochs.trust(RedisServer.shared().uri(), PREFIX);
    RedisTier<String, Long> tier =
        RedisTier.<String, Long>builder(keys.build())
            .uri(RedisServer.shared().uri())
            .keyPrefix(PREFIX)
            .build();
    tiers.add(tier);
    return tier;
  }

  private static EncryptedCodec.Builder<Long> sealed() {
    return EncryptedCodec.over(CompressedCodec.over(TandemOnRedisIT.LONGS).threshold(0).build());
  }

  @AfterEach
  void close() {
    tiers.forEach(RedisTier::close);
  }

  @Test
  void nodesInTheMiddleOfARotationReadEachOthersEntriesAndNeverAWrongValue() {
    RedisTier<String, Long> before =
        tier(sealed().encryptWith("2026-06", JUNE).decryptWith("2026-12", DECEMBER));
    RedisTier<String, Long> after =
        tier(sealed().encryptWith("2026-12", DECEMBER).decryptWith("2026-06", JUNE));
    RedisTier<String, Long> withoutJune = tier(sealed().encryptWith("2026-12", DECEMBER));
    before.invalidate("x");
    long lease = before.beginFill("x");
    assertThat(before.fill("x", lease, Cached.present(1234567L, 3))).isTrue();

    assertThat(after.getIfPresent("x")).isEqualTo(Cached.present(1234567L, 3));
    assertThat(withoutJune.getAllPresent(List.of("x")))
        .as("a batch read counts it a miss")
        .isEmpty();
    assertThat(withoutJune.getIfPresent("x"))
        .as("a key id it does not know: a miss, never a value")
        .isNull();
    assertThat(after.getIfPresent("x"))
        .as("the undecodable entry was dropped, to be filled again")
        .isNull();

    lease = before.beginFill("x");
    assertThat(before.fill("x", lease, Cached.present(1234567L, 4))).isTrue();
    RedisClient client = RedisClient.create(RedisServer.shared().uri());
    try (StatefulRedisConnection<byte[], byte[]> redis = client.connect(ByteArrayCodec.INSTANCE)) {
      byte[] entry = new KeySpace<String>(PREFIX, String::valueOf).entry("x");
      byte[] stored = redis.sync().get(entry);
      stored[stored.length - 1] ^= 0x01;
      redis.sync().set(entry, stored);
    } finally {
      client.shutdown();
    }
    assertThat(after.getIfPresent("x"))
        .as("a tampered entry: a miss, never a wrong value")
        .isNull();
  }
}
