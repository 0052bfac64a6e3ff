package dev.tandem.cli.report;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The JSON form of {@link BenchResults} ({@code results.json}, {@code --json FILE}): settings and
 * environment at the top, then {@code "results"}, one object per system in the order they ran:
 *
 * <pre>{@code
 * {"scenario": "writes", "threads": 64, ..., "baseline": "raw-jdbc",
 *  "machine": {"cores": 2, "memory_bytes": ..., "jdk": ...}, "database": {"product": ..., "setup": ...,
 *  "fsync": "on", "synchronous_commit": "on"},
 *  "results": [{"system": "tandem", "ops_per_sec": ..., "ratio": ..., "p50_us": ..., "p99_us": ...,
 *               "hit_ratio": ..., "by_operation": [{"operation": "update", ..., "percentiles": [[50, 812.5], ...]}]},
 *              ...]}
 * }</pre>
 *
 * Latencies are in microseconds; durations in seconds; a ratio is the system's throughput divided
 * by the baseline's; {@code hit_ratio} is null for a system without a cache.
 */
public final class ResultsJson {

  private static final JsonFactory FACTORY = new JsonFactory();
  private static final DefaultIndenter INDENT = new DefaultIndenter("  ", "\n");

  /**
   * Two spaces per level, one element per line, {@code "name": value}, empty containers as {@code
   * {}} and {@code []}.
   */
  private static final DefaultPrettyPrinter LAYOUT =
      new DefaultPrettyPrinter(
              Separators.createDefaultInstance()
                  .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                  .withObjectEmptySeparator("")
                  .withArrayEmptySeparator(""))
          .withObjectIndenter(INDENT)
          .withArrayIndenter(INDENT);

  private ResultsJson() {}

  /** Returns {@code results} as an indented JSON document, ending with a line break. */
  public static String of(BenchResults results) {
    requireNonNull(results, "results");
    StringWriter text = new StringWriter();
    try (JsonGenerator json = FACTORY.createGenerator(text)) {
      json.setPrettyPrinter(LAYOUT.createInstance());
      write(json, results);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringWriter does not fail
    }
    return text + "\n";
  }

  private static void write(JsonGenerator json, BenchResults results) throws IOException {
    RunSettings s = results.settings();
    Environment e = results.environment();
    json.writeStartObject();
    json.writeStringField("tool", "tandem bench");
    json.writeStringField("tandem_version", e.tandemVersion());
    json.writeStringField("started_at", e.startedAt().toString());
    json.writeStringField("command", s.commandLine());
    json.writeStringField("scenario", s.workload());
    json.writeStringField("workload", s.workloadDescription());
    json.writeStringField("distribution", s.distribution());
    json.writeNumberField("records", s.records());
    json.writeNumberField("value_size", s.valueSize());
    json.writeNumberField("cache_size", s.cacheSize());
    json.writeNumberField("threads", s.threads());
    Duration duration = s.duration();
    json.writeFieldName("duration_s");
    number(json, duration == null ? Double.NaN : seconds(duration));
    json.writeNumberField("operations_per_system", s.operations());
    json.writeFieldName("warmup_s");
    number(json, seconds(s.warmup()));
    json.writeNumberField("seed", s.seed());
    json.writeStringField("baseline", results.baseline());
    json.writeObjectFieldStart("machine");
    json.writeNumberField("cores", e.cores());
    json.writeNumberField("memory_bytes", e.memoryBytes());
    json.writeNumberField("max_heap_bytes", e.maxHeapBytes());
    json.writeStringField("jdk", e.jdk());
    json.writeStringField("os", e.os());
    json.writeEndObject();
    json.writeObjectFieldStart("database");
    json.writeStringField("product", e.database());
    json.writeStringField("setup", e.databaseSetup());
    json.writeStringField("fsync", e.fsync());
    json.writeStringField("synchronous_commit", e.synchronousCommit());
    json.writeEndObject();
    json.writeArrayFieldStart("results");
    for (SystemResult r : results.results()) {
      json.writeStartObject();
      json.writeStringField("system", r.system());
      json.writeStringField("description", r.description());
      json.writeFieldName("ops_per_sec");
      number(json, r.opsPerSec());
      json.writeFieldName("ratio");
      number(json, results.ratio(r));
      json.writeNumberField("operations", r.operations());
      json.writeFieldName("seconds");
      number(json, r.seconds());
      latency(json, r.latency());
      Double hitRatio = r.hitRatio();
      json.writeFieldName("hit_ratio");
      number(json, hitRatio == null ? Double.NaN : hitRatio);
      json.writeArrayFieldStart("by_operation");
      for (OperationResult op : r.byOperation()) {
        json.writeStartObject();
        json.writeStringField("operation", op.operation());
        json.writeNumberField("count", op.latency().count());
        json.writeFieldName("ops_per_sec");
        number(json, op.opsPerSec());
        latency(json, op.latency());
        json.writeArrayFieldStart("percentiles");
        for (PercentilePoint point : op.latency().curve()) {
          json.writeStartArray();
          number(json, point.percentile());
          number(json, point.micros());
          json.writeEndArray();
        }
        json.writeEndArray();
        json.writeEndObject();
      }
      json.writeEndArray();
      if (!r.nodes().isEmpty()) {
        nodes(json, r.nodes()); // only then: the layout of a one-JVM run stays as it was
      }
      json.writeEndObject();
    }
    json.writeEndArray();
    json.writeEndObject();
  }

  private static void nodes(JsonGenerator json, List<SystemResult> nodes) throws IOException {
    json.writeArrayFieldStart("nodes");
    for (SystemResult node : nodes) {
      json.writeStartObject();
      json.writeStringField("node", node.system());
      json.writeFieldName("ops_per_sec");
      number(json, node.opsPerSec());
      json.writeNumberField("operations", node.operations());
      json.writeFieldName("seconds");
      number(json, node.seconds());
      latency(json, node.latency());
      Double nodeHits = node.hitRatio();
      json.writeFieldName("hit_ratio");
      number(json, nodeHits == null ? Double.NaN : nodeHits);
      json.writeEndObject();
    }
    json.writeEndArray();
  }

  private static void latency(JsonGenerator json, LatencySummary latency) throws IOException {
    String[] names = {"p50_us", "p90_us", "p99_us", "p999_us", "max_us", "mean_us"};
    double[] values = {
      latency.p50(), latency.p90(), latency.p99(), latency.p999(), latency.max(), latency.mean()
    };
    for (int i = 0; i < names.length; i++) {
      json.writeFieldName(names[i]);
      number(json, values[i]);
    }
  }

  /** Writes {@code value} with at most three decimals, or {@code null} if it is not finite. */
  private static void number(JsonGenerator json, double value) throws IOException {
    String text = number(value);
    if (text == null) {
      json.writeNull();
    } else {
      json.writeNumber(text);
    }
  }

  /**
   * Returns the text of {@code value} in results.json: an integral value without decimals, any
   * other with at most three (trailing zeros dropped); null if it is not finite.
   */
  static @Nullable String number(double value) {
    if (!Double.isFinite(value)) {
      return null;
    }
    if (value == Math.rint(value) && Math.abs(value) < 1e15) {
      return Long.toString((long) value);
    }
    String text = String.format(Locale.ROOT, "%.3f", value).replaceAll("0+$", "");
    return text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
  }

  private static double seconds(Duration duration) {
    return duration.toNanos() / 1e9;
  }
}
