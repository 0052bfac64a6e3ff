package dev.tandem.redis;

import java.nio.charset.StandardCharsets;

/** Strings as UTF-8. */
enum StringCodec implements Codec<String> {
  INSTANCE;

  @Override
  public byte[] encode(String value) {
    return value.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public String decode(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "Codec.string()";
  }
}
