package dev.tandem.redis;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import net.jpountz.lz4.LZ4Compressor;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;

/**
 * Compresses the bytes of another codec with LZ4 when they reach a size {@linkplain
 * Builder#threshold threshold}; smaller values are stored as the other codec makes them. Needs
 * {@code at.yawk.lz4:lz4-java} on the class path (an optional dependency of this module).
 *
 * <p><b>Stored form.</b> A compressed value is the byte {@code 0xF5}, the length of the
 * uncompressed bytes (4 bytes, big-endian), then one LZ4 block. Any other value is the other
 * codec's bytes as they are, so entries written before compression was turned on still decode, and
 * a small value costs no byte more. The bytes {@code 0xF5} and {@code 0xF6} never begin UTF-8 text
 * (JSON, {@link Codec#string()}); a value of the other codec that begins with either of them is
 * stored behind an escape byte {@code 0xF6}. Values compressed with too little gain (the LZ4 block
 * and its 5 header bytes are not smaller than the value) are stored as they are.
 *
 * <p><b>Bounded decoding.</b> Whoever can write to Redis chooses the bytes this codec decodes: a
 * compressed value declaring more than the {@linkplain Builder#maxValueSize maximum value size} is
 * refused before any memory is allocated for it, and encoding a larger value is refused too, so the
 * codec never writes what it would not read.
 *
 * <p>Put it inside an {@link EncryptedCodec}, never outside: encrypted bytes do not compress. The
 * codec is immutable and thread-safe.
 *
 * @param <V> the value type
 */
public final class CompressedCodec<V> implements Codec<V> {

  /** The first byte of a compressed value. */
  static final byte LZ4 = (byte) 0xF5;

  /**
   * The first byte of an uncompressed value whose own first byte is {@link #LZ4} or {@link
   * #ESCAPE}.
   */
  static final byte ESCAPE = (byte) 0xF6;

  private static final int HEADER = 5;
  private static final int DEFAULT_THRESHOLD = 1024;
  private static final int DEFAULT_MAX_VALUE_SIZE = 64 << 20;
  private static final int UNSET = -1;

  private final Codec<V> inner;
  private final int threshold;
  private final int maxValueSize;
  private final LZ4Compressor compressor;
  private final LZ4SafeDecompressor decompressor;

  private CompressedCodec(Builder<V> builder) {
    this.inner = builder.inner;
    this.threshold = builder.threshold == UNSET ? DEFAULT_THRESHOLD : builder.threshold;
    this.maxValueSize =
        builder.maxValueSize == UNSET ? DEFAULT_MAX_VALUE_SIZE : builder.maxValueSize;
    LZ4Factory lz4 = LZ4Factory.fastestInstance();
    this.compressor = lz4.fastCompressor();
    this.decompressor = lz4.safeDecompressor();
  }

  /**
   * Returns a builder of a codec that compresses the bytes of {@code inner}.
   *
   * @throws NoClassDefFoundError if lz4-java is not on the class path
   */
  public static <V> Builder<V> over(Codec<V> inner) {
    return new Builder<>(requireNonNull(inner, "inner"));
  }

  /**
   * Returns the other codec's bytes of {@code value}, compressed if they have at least {@linkplain
   * #threshold() threshold} bytes and shrink.
   *
   * @throws IllegalArgumentException if the other codec fails, or its bytes exceed the {@linkplain
   *     #maxValueSize() maximum value size}
   */
  @Override
  public byte[] encode(V value) {
    byte[] raw = inner.encode(value);
    if (raw == null) {
      throw new IllegalArgumentException(inner + " encoded a value as null");
    }
    if (raw.length > maxValueSize) {
      throw new IllegalArgumentException(
          "a value of "
              + raw.length
              + " bytes exceeds the maximum value size of "
              + maxValueSize
              + " bytes");
    }
    if (raw.length >= threshold && raw.length > HEADER) {
      byte[] packed = new byte[HEADER + compressor.maxCompressedLength(raw.length)];
      int length = compressor.compress(raw, 0, raw.length, packed, HEADER, packed.length - HEADER);
      if (HEADER + length < raw.length) {
        packed[0] = LZ4;
        packed[1] = (byte) (raw.length >>> 24);
        packed[2] = (byte) (raw.length >>> 16);
        packed[3] = (byte) (raw.length >>> 8);
        packed[4] = (byte) raw.length;
        return Arrays.copyOf(packed, HEADER + length);
      }
    }
    if (raw.length > 0 && (raw[0] == LZ4 || raw[0] == ESCAPE)) {
      byte[] escaped = new byte[raw.length + 1];
      escaped[0] = ESCAPE;
      System.arraycopy(raw, 0, escaped, 1, raw.length);
      return escaped;
    }
    return raw;
  }

  /**
   * Returns the value that {@code bytes} encode, decompressing them first if they are compressed.
   *
   * @throws IllegalArgumentException if the bytes are a compressed value that is corrupt, or
   *     declares more than the {@linkplain #maxValueSize() maximum value size}; or what the other
   *     codec throws
   */
  @Override
  public V decode(byte[] bytes) {
    requireNonNull(bytes, "bytes");
    if (bytes.length == 0 || (bytes[0] != LZ4 && bytes[0] != ESCAPE)) {
      return inner.decode(bytes);
    }
    if (bytes[0] == ESCAPE) {
      return inner.decode(Arrays.copyOfRange(bytes, 1, bytes.length));
    }
    if (bytes.length < HEADER) {
      throw new IllegalArgumentException(
          "a compressed value of " + bytes.length + " bytes has no length");
    }
    int length =
        (bytes[1] & 0xFF) << 24
            | (bytes[2] & 0xFF) << 16
            | (bytes[3] & 0xFF) << 8
            | bytes[4] & 0xFF;
    if (length < 0 || length > maxValueSize) {
      throw new IllegalArgumentException(
          "a compressed value declares "
              + Integer.toUnsignedString(length)
              + " bytes, more than the maximum value size of "
              + maxValueSize
              + " bytes");
    }
    byte[] raw = new byte[length];
    int decompressed;
    try {
      decompressed = decompressor.decompress(bytes, HEADER, bytes.length - HEADER, raw, 0, length);
    } catch (LZ4Exception e) {
      throw new IllegalArgumentException(
          "a compressed value of " + bytes.length + " bytes is corrupt: " + e.getMessage(), e);
    }
    if (decompressed != length) {
      throw new IllegalArgumentException(
          "a compressed value declares " + length + " bytes but holds " + decompressed);
    }
    return inner.decode(raw);
  }

  /** Returns the size in bytes from which the other codec's bytes are compressed. */
  public int threshold() {
    return threshold;
  }

  /**
   * Returns the largest value, in bytes before compression, that this codec encodes and decodes.
   */
  public int maxValueSize() {
    return maxValueSize;
  }

  @Override
  public String toString() {
    return "CompressedCodec{lz4, threshold=" + threshold + ", over " + inner + "}";
  }

  /**
   * Sets up a {@link CompressedCodec}; each setting may be made once. Not thread-safe.
   *
   * @param <V> the value type
   */
  public static final class Builder<V> {

    private final Codec<V> inner;
    private int threshold = UNSET;
    private int maxValueSize = UNSET;

    private Builder(Codec<V> inner) {
      this.inner = inner;
    }

    /**
     * Sets the size in bytes (of the other codec's output) from which values are compressed;
     * default 1,024. Zero compresses every value that shrinks.
     *
     * @throws IllegalArgumentException if {@code bytes} is negative
     * @throws IllegalStateException if the threshold was already set
     */
    public Builder<V> threshold(int bytes) {
      if (threshold != UNSET) {
        throw new IllegalStateException("threshold was already set to " + threshold);
      }
      if (bytes < 0) {
        throw new IllegalArgumentException("threshold must not be negative: " + bytes);
      }
      this.threshold = bytes;
      return this;
    }

    /**
     * Sets the largest value, in bytes before compression, that the codec encodes and decodes;
     * default 64 MiB. A compressed value from Redis that declares more is refused unread.
     *
     * @throws IllegalArgumentException if {@code bytes} is not positive
     * @throws IllegalStateException if the maximum value size was already set
     */
    public Builder<V> maxValueSize(int bytes) {
      if (maxValueSize != UNSET) {
        throw new IllegalStateException("maximum value size was already set to " + maxValueSize);
      }
      if (bytes <= 0) {
        throw new IllegalArgumentException("maximum value size must be positive: " + bytes);
      }
      this.maxValueSize = bytes;
      return this;
    }

    /**
     * Returns the codec.
     *
     * @throws IllegalStateException if the threshold exceeds the maximum value size
     * @throws NoClassDefFoundError if lz4-java is not on the class path
     */
    public CompressedCodec<V> build() {
      int limit = maxValueSize == UNSET ? DEFAULT_MAX_VALUE_SIZE : maxValueSize;
      if (threshold != UNSET && threshold > limit) {
        throw new IllegalStateException(
            "threshold ("
                + threshold
                + " bytes) exceeds the maximum value size ("
                + limit
                + " bytes)");
      }
      return new CompressedCodec<>(this);
    }
  }
}
