package dev.tandem.cli.verify;

import dev.tandem.redis.Codec;
import dev.tandem.redis.RedisTier;
import io.lettuce.core.RedisURI;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.function.BiPredicate;
import java.util.function.Function;

/**
 * The shared Redis tier of a live application, opened by {@code tandem verify --redis-url} to be
 * read (and, with {@code --repair}, invalidated): its entries are decoded into {@link Row}s as the
 * chosen {@link ValueCodec} says, and its entry names into keys of the table's key type.
 */
final class SharedCache {

  private SharedCache() {}

  /** How the application's codec stored the values, as far as verify can read them. */
  enum ValueCodec {
    /** Values are not decoded: versions, deletions and insertions are compared, not values. */
    OPAQUE,
    /**
     * Values are the UTF-8 text of the table's single value column ({@code Codec.string()}, or a
     * number as its decimal text), compared with that column's value as text.
     */
    TEXT;

    /** Returns the codec that turns an entry's value bytes into a {@link Row}. */
    Codec<Row> codec() {
      Function<byte[], Row> decoder =
          this == TEXT
              ? bytes -> new Row(new Object[] {new String(bytes, StandardCharsets.UTF_8)})
              : bytes -> new Row(new Object[] {bytes});
      return Codec.of(
          row -> {
            throw new UnsupportedOperationException(
                "tandem verify only reads the cache; it never writes entries");
          },
          decoder);
    }

    /** Returns how a cached row and the database's row are compared. */
    BiPredicate<Row, Row> equality() {
      return this == TEXT ? Row::sameText : (cached, database) -> true;
    }
  }

  /**
   * Opens the tier under {@code prefix} at {@code url}, its keys decoded to {@code keyType}.
   *
   * @throws RuntimeException if Redis cannot be reached
   */
  static RedisTier<Object, Row> open(
      String url, String prefix, Class<?> keyType, ValueCodec values) {
    return RedisTier.<Object, Row>builder(values.codec())
        .uri(url)
        .keyPrefix(prefix)
        .keyDecoder(decoder(keyType))
        .build();
  }

  /**
   * Returns the inverse of the tier's default key encoder ({@code String.valueOf}) for {@code
   * keyType}.
   */
  static Function<String, Object> decoder(Class<?> keyType) {
    if (keyType == Long.class) {
      return Long::valueOf;
    }
    if (keyType == Integer.class) {
      return Integer::valueOf;
    }
    if (keyType == UUID.class) {
      return UUID::fromString;
    }
    return text -> text;
  }

  /** Returns {@code url} without its credentials, for messages: host and port (or the socket). */
  static String shown(String url) {
    try {
      RedisURI uri = RedisURI.create(url);
      return uri.getSocket() != null ? uri.getSocket() : uri.getHost() + ":" + uri.getPort();
    } catch (RuntimeException e) {
      return "the given Redis URL";
    }
  }
}
