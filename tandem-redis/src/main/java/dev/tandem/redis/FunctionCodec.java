package dev.tandem.redis;

import java.util.function.Function;

/** A codec made of an encoding and a decoding function ({@link Codec#of}). */
record FunctionCodec<V>(Function<? super V, byte[]> encoder, Function<byte[], ? extends V> decoder)
    implements Codec<V> {

  @Override
  public byte[] encode(V value) {
    return encoder.apply(value);
  }

  @Override
  public V decode(byte[] bytes) {
    return decoder.apply(bytes);
  }
}
