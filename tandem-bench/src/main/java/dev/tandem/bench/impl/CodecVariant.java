package dev.tandem.bench.impl;

import dev.tandem.redis.Codec;
import dev.tandem.redis.CompressedCodec;
import dev.tandem.redis.EncryptedCodec;
import java.util.SplittableRandom;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The Redis tier's codecs that the codec benchmark compares, each over the plain UTF-8 codec:
 * {@code plain}, {@code lz4} (compressed from 1 KiB), {@code aes-gcm} (a 256-bit key) and {@code
 * lz4+aes-gcm} (compressed, then encrypted).
 */
public final class CodecVariant {

  private CodecVariant() {}

  /** Returns the codec named by the benchmark's {@code @Param}. */
  public static Codec<String> named(String name) {
    return switch (name) {
      case "plain" -> Codec.string();
      case "lz4" -> CompressedCodec.over(Codec.string()).threshold(1024).build();
      case "aes-gcm" -> EncryptedCodec.over(Codec.string()).encryptWith("bench", key()).build();
      case "lz4+aes-gcm" ->
          EncryptedCodec.over(CompressedCodec.over(Codec.string()).threshold(1024).build())
              .encryptWith("bench", key())
              .build();
      default -> throw new IllegalArgumentException("unknown codec " + name);
    };
  }

  /**
   * Returns JSON-like text of exactly {@code length} characters: booking records with varying
   * numbers, about as compressible as a cached row serialized as JSON.
   */
  public static String value(int length, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    StringBuilder text = new StringBuilder("[");
    while (text.length() < length) {
      text.append("{\"flight\":\"LX")
          .append(random.nextInt(100, 2000))
          .append("\",\"from\":\"ZRH\",\"to\":\"")
          .append(random.nextBoolean() ? "JFK" : "SIN")
          .append("\",\"seat\":\"")
          .append(random.nextInt(1, 40))
          .append((char) ('A' + random.nextInt(6)))
          .append("\",\"fare\":")
          .append(random.nextInt(90, 4000))
          .append("},");
    }
    return text.substring(0, length);
  }

  private static SecretKey key() {
    byte[] bytes = new byte[32];
    new SplittableRandom(7).nextBytes(bytes);
    return new SecretKeySpec(bytes, "AES");
  }
}
