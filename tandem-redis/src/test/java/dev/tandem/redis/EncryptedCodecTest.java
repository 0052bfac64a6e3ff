package dev.tandem.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class EncryptedCodecTest {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final SecretKey OLD = aesKey(32);
  private static final SecretKey NEW = aesKey(16);
  private static final String TEXT = "{\"flight\":\"LX 318\",\"gate\":\"A12\"}";

  private static SecretKey aesKey(int bytes) {
    byte[] key = new byte[bytes];
    RANDOM.nextBytes(key);
    return new SecretKeySpec(key, "AES");
  }

  private static EncryptedCodec<String> codec(String id, SecretKey key) {
    return EncryptedCodec.over(Codec.string()).encryptWith(id, key).build();
  }

  @Test
  void roundTripsAValueThatRedisDoesNotSeeInTheClear() {
    EncryptedCodec<String> codec = codec("k1", OLD);
    byte[] stored = codec.encode(TEXT);
    assertThat(new String(stored, StandardCharsets.ISO_8859_1)).doesNotContain("LX 318");
    assertThat(stored).hasSize(2 + 2 + 12 + TEXT.length() + 16);
    assertThat(codec.decode(stored)).isEqualTo(TEXT);
    assertThat(codec.decode(codec.encode(""))).isEmpty();
  }

  /** Ciphers are reused between calls: concurrent calls must never share one. */
  @Test
  void concurrentCallsRoundTripTheirOwnValues() throws Exception {
    EncryptedCodec<String> codec = codec("k1", OLD);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Integer>> done = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int thread = t;
        done.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < 2_000; i++) {
                    String value = TEXT + thread + ":" + i;
                    byte[] stored = codec.encode(value);
                    if (!codec.decode(stored).equals(value)) {
                      throw new AssertionError("thread " + thread + " read another value at " + i);
                    }
                  }
                  return thread;
                }));
      }
      for (Future<Integer> each : done) {
        assertThat(each.get(60, TimeUnit.SECONDS)).isNotNegative();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void usesAFreshNonceForEachValue() {
    EncryptedCodec<String> codec = codec("k1", OLD);
    assertThat(codec.encode(TEXT)).isNotEqualTo(codec.encode(TEXT));
  }

  @Test
  void decryptsWithEveryKeyAndEncryptsWithTheCurrentOne() {
    byte[] underOld = codec("2026-06", OLD).encode(TEXT);
    EncryptedCodec<String> rotated =
        EncryptedCodec.over(Codec.string())
            .encryptWith("2026-12", NEW)
            .decryptWith("2026-06", OLD)
            .build();
    assertThat(rotated.decode(underOld)).isEqualTo(TEXT);
    byte[] underNew = rotated.encode(TEXT);
    assertThat(new String(underNew, 2, 7, StandardCharsets.US_ASCII)).isEqualTo("2026-12");
    // a node not yet rotated, which already has the new key for decryption, reads what rotated
    // nodes write
    EncryptedCodec<String> before =
        EncryptedCodec.over(Codec.string())
            .encryptWith("2026-06", OLD)
            .decryptWith("2026-12", NEW)
            .build();
    assertThat(before.decode(underNew)).isEqualTo(TEXT);
    assertThat(rotated.currentKeyId()).isEqualTo("2026-12");
  }

  @Test
  void aValueUnderAnUnknownKeyIdIsAClearError() {
    byte[] underOld = codec("2026-06", OLD).encode(TEXT);
    assertThatThrownBy(() -> codec("2026-12", NEW).decode(underOld))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "the value is encrypted under key id '2026-06', which this codec does not know (it knows [2026-12])");
  }

  @Test
  void aValueUnderAnotherKeyOfTheSameIdIsAClearError() {
    byte[] stored = codec("k1", OLD).encode(TEXT);
    assertThatThrownBy(() -> codec("k1", aesKey(32)).decode(stored))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not authenticate under key id 'k1'");
  }

  @Test
  void everyTamperedByteIsDetected() {
    EncryptedCodec<String> codec =
        EncryptedCodec.over(Codec.string()).encryptWith("k1", OLD).decryptWith("k2", NEW).build();
    byte[] stored = codec.encode(TEXT);
    for (int i = 0; i < stored.length; i++) {
      byte[] tampered = stored.clone();
      tampered[i] ^= 0x01;
      assertThatThrownBy(() -> codec.decode(tampered))
          .as("byte %d flipped", i)
          .isInstanceOf(IllegalArgumentException.class);
    }
    byte[] renamed = stored.clone();
    renamed[3] = '2'; // claims the other known key: the id is authenticated
    assertThatThrownBy(() -> codec.decode(renamed))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not authenticate under key id 'k2'");
    assertThatThrownBy(() -> codec.decode(Arrays.copyOf(stored, stored.length - 1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> codec.decode(Arrays.copyOf(stored, 20)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("truncated");
  }

  @Test
  void refusesAValueThatIsNotEncrypted() {
    assertThatThrownBy(() -> codec("k1", OLD).decode(Codec.string().encode(TEXT)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the value is not encrypted by an EncryptedCodec (32 bytes, first byte 0x7B)");
    assertThatThrownBy(() -> codec("k1", OLD).decode(new byte[0]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theTierSeesATamperedEntryAsAnEntryItCannotDecode() {
    EncryptedCodec<String> codec = codec("k1", OLD);
    byte[] entry = EntryFormat.encode("LX", dev.tandem.spi.Cached.present(TEXT, 7), codec);
    assertThat(EntryFormat.decode("LX", entry, codec).value()).isEqualTo(TEXT);
    entry[entry.length - 1] ^= 0x01;
    // RedisTier.getIfPresent throws it (the engine then reads the database), getAllPresent counts
    // it a miss
    assertThatThrownBy(() -> EntryFormat.decode("LX", entry, codec))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("could not decode the cached value of key LX")
        .hasMessageContaining("does not authenticate under key id 'k1'");
  }

  @Test
  void composesOverCompression() {
    CompressedCodec<String> compressed = CompressedCodec.over(Codec.string()).threshold(64).build();
    EncryptedCodec<String> codec = EncryptedCodec.over(compressed).encryptWith("k1", OLD).build();
    String value = TEXT.repeat(50);
    byte[] stored = codec.encode(value);
    assertThat(stored.length).isLessThan(value.length() / 4);
    assertThat(codec.decode(stored)).isEqualTo(value);
    assertThat(codec.decode(codec.encode(TEXT))).isEqualTo(TEXT);
    assertThat(codec.toString())
        .isEqualTo(
            "EncryptedCodec{AES-GCM, current=k1, keys=[k1], over "
                + "CompressedCodec{lz4, threshold=64, over Codec.string()}}");
  }

  @Test
  void theBuilderRefusesBadKeysAndIds() {
    assertThatThrownBy(() -> EncryptedCodec.over(Codec.string()).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("no current key: call encryptWith(id, key)");
    assertThatThrownBy(
            () -> EncryptedCodec.over(Codec.string()).encryptWith("a", OLD).encryptWith("b", NEW))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("current key was already set to key id 'a'");
    assertThatThrownBy(
            () -> EncryptedCodec.over(Codec.string()).encryptWith("a", OLD).decryptWith("a", NEW))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("key id 'a' was already set");
    assertThatThrownBy(() -> EncryptedCodec.over(Codec.string()).encryptWith("", OLD))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key id '' is not 1 to 64 characters");
    assertThatThrownBy(() -> EncryptedCodec.over(Codec.string()).encryptWith("é", OLD))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                EncryptedCodec.over(Codec.string())
                    .encryptWith("a", new SecretKeySpec(new byte[10], "AES")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("key id 'a' is not an AES key of 128, 192 or 256 bits (80 bits)");
    assertThatThrownBy(
            () ->
                EncryptedCodec.over(Codec.string())
                    .encryptWith("a", new SecretKeySpec(new byte[16], "HmacSHA256")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("key id 'a' is a HmacSHA256 key, not AES");
  }
}
