package dev.tandem.redis;

import static java.util.Objects.requireNonNull;

import java.util.function.Function;

/**
 * Turns values into the bytes a {@link RedisTier} stores, and back. Never Java serialization: a
 * process that can write to Redis must not be able to make another one run code.
 *
 * <p>A codec must be deterministic and thread-safe, and {@code decode(encode(v))} must equal {@code
 * v}. Nodes that share one Redis must use the same codec. For JSON, see {@link JsonCodec}.
 *
 * @param <V> the value type
 */
public interface Codec<V> {

  /**
   * Returns the bytes of {@code value}; the tier does not modify the array.
   *
   * @throws RuntimeException if the value cannot be encoded
   */
  byte[] encode(V value);

  /**
   * Returns the value that {@code bytes} encode; the array is the codec's to keep.
   *
   * @throws RuntimeException if the bytes are not a value of this codec
   */
  V decode(byte[] bytes);

  /** Returns the codec of strings as UTF-8. */
  static Codec<String> string() {
    return StringCodec.INSTANCE;
  }

  /**
   * Returns the codec of byte arrays as themselves (an encoded array is stored as is, not copied).
   */
  static Codec<byte[]> bytes() {
    return BytesCodec.INSTANCE;
  }

  /**
   * Returns a codec made of two functions.
   *
   * @param encoder turns a value into bytes
   * @param decoder turns bytes back into a value
   */
  static <V> Codec<V> of(
      Function<? super V, byte[]> encoder, Function<byte[], ? extends V> decoder) {
    return new FunctionCodec<>(
        requireNonNull(encoder, "encoder"), requireNonNull(decoder, "decoder"));
  }
}
