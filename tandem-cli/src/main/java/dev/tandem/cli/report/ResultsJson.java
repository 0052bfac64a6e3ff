package dev.tandem.cli.report;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

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

  private ResultsJson() {}

  /** Returns {@code results} as an indented JSON document. */
  public static String of(BenchResults results) {
    requireNonNull(results, "results");
    RunSettings s = results.settings();
    Environment e = results.environment();
    JsonWriter json = new JsonWriter().beginObject();
    json.name("tool").value("tandem bench");
    json.name("tandem_version").value(e.tandemVersion());
    json.name("started_at").value(e.startedAt().toString());
    json.name("command").value(s.commandLine());
    json.name("scenario").value(s.workload());
    json.name("workload").value(s.workloadDescription());
    json.name("distribution").value(s.distribution());
    json.name("records").value(s.records());
    json.name("value_size").value(s.valueSize());
    json.name("cache_size").value(s.cacheSize());
    json.name("threads").value(s.threads());
    Duration duration = s.duration();
    if (duration == null) {
      json.name("duration_s").nullValue();
    } else {
      json.name("duration_s").value(seconds(duration));
    }
    json.name("operations_per_system").value(s.operations());
    json.name("warmup_s").value(seconds(s.warmup()));
    json.name("seed").value(s.seed());
    json.name("baseline").value(results.baseline());
    json.name("machine").beginObject()
        .name("cores").value(e.cores())
        .name("memory_bytes").value(e.memoryBytes())
        .name("max_heap_bytes").value(e.maxHeapBytes())
        .name("jdk").value(e.jdk())
        .name("os").value(e.os())
        .endObject();
    json.name("database").beginObject()
        .name("product").value(e.database())
        .name("setup").value(e.databaseSetup())
        .name("fsync").value(e.fsync())
        .name("synchronous_commit").value(e.synchronousCommit())
        .endObject();
    json.name("results").beginArray();
    for (SystemResult r : results.results()) {
      json.beginObject();
      json.name("system").value(r.system());
      json.name("description").value(r.description());
      json.name("ops_per_sec").value(r.opsPerSec());
      json.name("ratio").value(results.ratio(r));
      json.name("operations").value(r.operations());
      json.name("seconds").value(r.seconds());
      latency(json, r.latency());
      Double hitRatio = r.hitRatio();
      if (hitRatio == null) {
        json.name("hit_ratio").nullValue();
      } else {
        json.name("hit_ratio").value(hitRatio.doubleValue());
      }
      json.name("by_operation").beginArray();
      for (OperationResult op : r.byOperation()) {
        json.beginObject();
        json.name("operation").value(op.operation());
        json.name("count").value(op.latency().count());
        json.name("ops_per_sec").value(op.opsPerSec());
        latency(json, op.latency());
        json.name("percentiles").beginArray();
        for (PercentilePoint point : op.latency().curve()) {
          json.beginArray().value(point.percentile()).value(point.micros()).endArray();
        }
        json.endArray();
        json.endObject();
      }
      json.endArray();
      json.endObject();
    }
    json.endArray();
    return json.endObject().toJson();
  }

  private static void latency(JsonWriter json, LatencySummary latency) {
    json.name("p50_us").value(latency.p50());
    json.name("p90_us").value(latency.p90());
    json.name("p99_us").value(latency.p99());
    json.name("p999_us").value(latency.p999());
    json.name("max_us").value(latency.max());
    json.name("mean_us").value(latency.mean());
  }

  private static double seconds(Duration duration) {
    return duration.toNanos() / 1e9;
  }
}
