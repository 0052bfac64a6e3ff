package dev.tandem.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CompressedCodecTest {

  private static final String LONG_TEXT = "{\"flight\":\"LX 318\",\"gate\":\"A12\"},".repeat(100);

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void compressesAValueFromTheThresholdAndRoundTripsIt() {
    CompressedCodec<String> codec = CompressedCodec.over(Codec.string()).threshold(256).build();
    byte[] stored = codec.encode(LONG_TEXT);
    assertThat(stored[0]).isEqualTo(CompressedCodec.LZ4);
    assertThat(stored.length).isLessThan(LONG_TEXT.length() / 5);
    assertThat(codec.decode(stored)).isEqualTo(LONG_TEXT);
  }

  @Test
  void storesAValueBelowTheThresholdAsTheOtherCodecMakesIt() {
    CompressedCodec<String> codec = CompressedCodec.over(Codec.string()).threshold(256).build();
    String small = "x".repeat(255);
    assertThat(codec.encode(small)).isEqualTo(utf8(small));
    assertThat(codec.decode(codec.encode(small))).isEqualTo(small);
    assertThat(codec.encode("x".repeat(256))[0]).isEqualTo(CompressedCodec.LZ4);
  }

  @Test
  void decodesEntriesWrittenBeforeCompressionWasTurnedOn() {
    CompressedCodec<String> codec = CompressedCodec.over(Codec.string()).threshold(0).build();
    assertThat(codec.decode(Codec.string().encode(LONG_TEXT))).isEqualTo(LONG_TEXT);
    assertThat(codec.decode(new byte[0])).isEmpty();
  }

  @Test
  void storesIncompressibleBytesAsTheyAre() {
    byte[] noise = new byte[4096];
    long seed = System.nanoTime();
    System.out.println("incompressible bytes, seed " + seed);
    new Random(seed).nextBytes(noise);
    noise[0] = 1; // not a marker byte
    CompressedCodec<byte[]> codec = CompressedCodec.over(Codec.bytes()).threshold(0).build();
    assertThat(codec.encode(noise)).isEqualTo(noise);
  }

  @Test
  void escapesARawValueThatBeginsWithAMarkerByte() {
    CompressedCodec<byte[]> codec = CompressedCodec.over(Codec.bytes()).threshold(1024).build();
    for (byte marker : new byte[] {CompressedCodec.LZ4, CompressedCodec.ESCAPE}) {
      byte[] value = {marker, 1, 2, 3};
      byte[] stored = codec.encode(value);
      assertThat(stored).containsExactly(CompressedCodec.ESCAPE, marker, 1, 2, 3);
      assertThat(codec.decode(stored)).isEqualTo(value);
    }
  }

  @Test
  void refusesACompressedValueThatDeclaresMoreThanTheMaximumSizeBeforeAllocatingIt() {
    CompressedCodec<String> codec =
        CompressedCodec.over(Codec.string()).maxValueSize(1 << 20).build();
    byte[] bomb = {CompressedCodec.LZ4, 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0, 0};
    assertThatThrownBy(() -> codec.decode(bomb))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(
            "declares 2147483647 bytes, more than the maximum value size of 1048576 bytes");
    byte[] negative = {CompressedCodec.LZ4, (byte) 0xFF, 0, 0, 0, 0};
    assertThatThrownBy(() -> codec.decode(negative))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("declares 4278190080 bytes");
  }

  @Test
  void refusesToEncodeAValueItWouldNotDecode() {
    CompressedCodec<String> codec =
        CompressedCodec.over(Codec.string()).threshold(10).maxValueSize(100).build();
    assertThatThrownBy(() -> codec.encode("x".repeat(101)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("a value of 101 bytes exceeds the maximum value size of 100 bytes");
  }

  @Test
  void aCorruptCompressedValueIsAnIllegalArgumentException() {
    CompressedCodec<String> codec = CompressedCodec.over(Codec.string()).build();
    byte[] stored = codec.encode(LONG_TEXT);
    byte[] truncated = Arrays.copyOf(stored, stored.length - 10);
    assertThatThrownBy(() -> codec.decode(truncated))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("corrupt");
    byte[] longer = stored.clone();
    longer[4]++; // declares one byte more than the block holds
    assertThatThrownBy(() -> codec.decode(longer)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> codec.decode(new byte[] {CompressedCodec.LZ4, 0, 0}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has no length");
  }

  @Test
  void theBuilderRefusesBadValuesAndSettingsMadeTwice() {
    assertThatThrownBy(() -> CompressedCodec.over(Codec.string()).threshold(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("threshold must not be negative: -1");
    assertThatThrownBy(() -> CompressedCodec.over(Codec.string()).maxValueSize(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maximum value size must be positive: 0");
    assertThatThrownBy(() -> CompressedCodec.over(Codec.string()).threshold(1).threshold(2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("threshold was already set to 1");
    assertThatThrownBy(() -> CompressedCodec.over(Codec.string()).maxValueSize(5).maxValueSize(6))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("maximum value size was already set to 5");
    assertThatThrownBy(
            () -> CompressedCodec.over(Codec.string()).threshold(100).maxValueSize(10).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("threshold (100 bytes) exceeds the maximum value size (10 bytes)");
    assertThat(CompressedCodec.over(Codec.string()).build())
        .returns(1024, CompressedCodec::threshold)
        .returns(64 << 20, CompressedCodec::maxValueSize);
  }
}
