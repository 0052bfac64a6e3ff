package dev.tandem.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.spi.Cached;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The stored form of an entry: fixed-width decimal version, kind, value bytes. */
class EntryFormatTest {

  @Test
  void valuesTombstonesAndAbsencesRoundTrip() {
    for (Cached<String> entry :
        java.util.List.of(
            Cached.present("héllo", 7),
            Cached.present("", 1),
            Cached.<String>deleted(9),
            Cached.<String>absent(),
            Cached.present("max", Long.MAX_VALUE))) {
      byte[] payload = EntryFormat.encode("k", entry, Codec.string());
      assertThat(EntryFormat.decode("k", payload, Codec.string())).isEqualTo(entry);
    }
  }

  @Test
  void versionIsTwentyDigitsThatSortLikeNumbers() {
    assertThat(new String(EntryFormat.version(42), StandardCharsets.US_ASCII))
        .isEqualTo("00000000000000000042");
    assertThat(new String(EntryFormat.version(Long.MAX_VALUE), StandardCharsets.US_ASCII))
        .isEqualTo("09223372036854775807");
    byte[] payload = EntryFormat.encode("k", Cached.present("v", 10_000_000_000L), Codec.string());
    assertThat(new String(payload, StandardCharsets.US_ASCII)).isEqualTo("00000000010000000000=v");
  }

  @Test
  void codecFailuresNameTheKey() {
    Codec<String> failing =
        Codec.of(
            v -> {
              throw new IllegalStateException("boom");
            },
            b -> "x");
    assertThatThrownBy(() -> EntryFormat.encode("key-1", Cached.present("v", 1), failing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key-1")
        .hasMessageContaining("boom");
    Codec<String> nullEncoder = Codec.of(v -> null, b -> "x");
    assertThatThrownBy(() -> EntryFormat.encode("key-2", Cached.present("v", 1), nullEncoder))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("key-2");
  }

  @Test
  void foreignBytesAreRejectedNamingTheKey() {
    assertThatThrownBy(
            () ->
                EntryFormat.decode(
                    "key-3", "plain".getBytes(StandardCharsets.US_ASCII), Codec.string()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("key-3");
    assertThatThrownBy(
            () ->
                EntryFormat.decode(
                    "key-4",
                    "0000000000000000000x=value".getBytes(StandardCharsets.US_ASCII),
                    Codec.string()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("key-4");
  }

  @Test
  void bytesCodecKeepsTheBytes() {
    byte[] value = {0, 1, (byte) 0xff, 13, 10};
    Cached<byte[]> decoded =
        EntryFormat.decode(
            "k", EntryFormat.encode("k", Cached.present(value, 3), Codec.bytes()), Codec.bytes());
    assertThat(decoded.value()).containsExactly(value);
    assertThat(decoded.version()).isEqualTo(3);
  }
}
