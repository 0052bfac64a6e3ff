package dev.tandem.redis;

import dev.tandem.spi.Cached;
import java.util.Arrays;

/**
 * How an entry is stored: 20 ASCII digits of version, one kind byte ({@code '='} a value, {@code
 * '-'} a known absence), then the value's bytes. The fixed-width decimal version lets the Lua
 * scripts read it with {@code GETRANGE 0 19} and compare any 64-bit version exactly.
 */
final class EntryFormat {

  /** Digits of a version. */
  static final int VERSION_DIGITS = 20;

  /** Bytes before the value: the version and the kind. */
  static final int HEADER = VERSION_DIGITS + 1;

  private static final byte VALUE = '=';
  private static final byte ABSENT = '-';

  private EntryFormat() {}

  /** Returns {@code version} as 20 ASCII digits, zero-padded. */
  static byte[] version(long version) {
    if (version < 0) {
      throw new IllegalArgumentException("negative version " + version);
    }
    byte[] digits = new byte[VERSION_DIGITS];
    long rest = version;
    for (int i = VERSION_DIGITS - 1; i >= 0; i--) {
      digits[i] = (byte) ('0' + rest % 10);
      rest /= 10;
    }
    return digits;
  }

  /**
   * Encodes an entry.
   *
   * @throws IllegalArgumentException if the codec fails or returns null, naming the key
   */
  static <V> byte[] encode(Object key, Cached<V> entry, Codec<V> codec) {
    byte[] version = version(entry.version());
    V value = entry.value();
    byte[] bytes;
    if (value == null) {
      bytes = new byte[0];
    } else {
      try {
        bytes = codec.encode(value);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            "the codec could not encode the value of key " + key + ": " + e.getMessage(), e);
      }
      if (bytes == null) {
        throw new IllegalArgumentException(
            "the codec encoded the value of key " + key + " as null");
      }
    }
    byte[] payload = new byte[HEADER + bytes.length];
    System.arraycopy(version, 0, payload, 0, VERSION_DIGITS);
    payload[VERSION_DIGITS] = value == null ? ABSENT : VALUE;
    System.arraycopy(bytes, 0, payload, HEADER, bytes.length);
    return payload;
  }

  /**
   * Decodes an entry.
   *
   * @throws IllegalStateException if the bytes are not an entry or the codec fails, naming the key
   */
  static <V> Cached<V> decode(Object key, byte[] payload, Codec<V> codec) {
    if (payload.length < HEADER) {
      throw new IllegalStateException(
          "the cached entry of key "
              + key
              + " is not a Tandem entry ("
              + payload.length
              + " bytes)");
    }
    long version = 0;
    for (int i = 0; i < VERSION_DIGITS; i++) {
      int digit = payload[i] - '0';
      if (digit < 0 || digit > 9) {
        throw new IllegalStateException("the cached entry of key " + key + " has no valid version");
      }
      version = version * 10 + digit;
    }
    byte kind = payload[VERSION_DIGITS];
    if (kind == ABSENT) {
      return version == 0 ? Cached.absent() : Cached.deleted(version);
    }
    if (kind != VALUE || version == 0) {
      throw new IllegalStateException(
          "the cached entry of key " + key + " has an invalid kind or version");
    }
    V value;
    try {
      value = codec.decode(Arrays.copyOfRange(payload, HEADER, payload.length));
    } catch (RuntimeException e) {
      throw new IllegalStateException(
          "the codec could not decode the cached value of key " + key + ": " + e.getMessage(), e);
    }
    if (value == null) {
      throw new IllegalStateException(
          "the codec decoded the cached value of key " + key + " as null");
    }
    return Cached.present(value, version);
  }
}
