package dev.tandem.cli.peers;

import static java.util.Objects.requireNonNull;

import java.util.function.Function;

/**
 * How a peer's values travel: as text, so that every peer stores them as strings (Redisson's {@code
 * StringCodec}, Hazelcast's built-in string serializer, Lettuce's UTF-8 codec), never by Java
 * serialization.
 *
 * @param encode turns a value into its text
 * @param decode turns the text back into the value
 * @param <V> the value type
 */
public record PeerCodec<V>(
    Function<? super V, String> encode, Function<String, ? extends V> decode) {

  /** Strings as they are. */
  public static final PeerCodec<String> STRINGS = new PeerCodec<>(s -> s, s -> s);

  /** Longs as decimal text. */
  public static final PeerCodec<Long> LONGS = new PeerCodec<>(String::valueOf, Long::valueOf);

  /** Checks the functions. */
  public PeerCodec {
    requireNonNull(encode, "encode");
    requireNonNull(decode, "decode");
  }
}
