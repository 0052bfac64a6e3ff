package dev.tandem.bench;

import dev.tandem.bench.impl.CodecVariant;
import dev.tandem.redis.Codec;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a codec adds to each Redis-tier hit ({@code decode}) and write ({@code encode}): the
 * compressing and encrypting codecs against the plain UTF-8 codec they wrap, on JSON-like text, in
 * process (a hit's Redis round trip comes on top, the same for every codec). Below the compression
 * threshold (1 KiB) the {@code lz4} codec stores the bytes as they are.
 *
 * <pre>java -jar tandem-bench/target/benchmarks.jar CodecBenchmark</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(1)
public class CodecBenchmark {

  @Param({"plain", "lz4", "aes-gcm", "lz4+aes-gcm"})
  public String codec = "plain";

  /** Characters (UTF-8 bytes) per value. */
  @Param({"100", "4096"})
  public int valueBytes = 100;

  private @Nullable Codec<String> chosen;
  private String value = "";
  private byte[] stored = new byte[0];

  @Setup
  public void start() {
    chosen = CodecVariant.named(codec);
    value = CodecVariant.value(valueBytes, 42);
    stored = chosen.encode(value);
    if (!value.equals(chosen.decode(stored))) {
      throw new IllegalStateException(codec + " does not round-trip the value");
    }
    System.out.println(codec + ": " + valueBytes + " bytes stored as " + stored.length);
  }

  @Benchmark
  public String decode() {
    return java.util.Objects.requireNonNull(chosen).decode(stored);
  }

  @Benchmark
  public byte[] encode() {
    return java.util.Objects.requireNonNull(chosen).encode(value);
  }
}
