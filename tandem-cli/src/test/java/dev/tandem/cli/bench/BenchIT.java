package dev.tandem.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.cli.CliRun;
import dev.tandem.cli.report.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code tandem bench} end to end on embedded H2, in-process, with short runs. */
class BenchIT {

  private static final List<String> ALL =
      List.of("tandem", "direct", "naive", "ehcache", "raw-jdbc", "group-commit-jdbc");

  @TempDir Path dir;

  @Test
  @SuppressWarnings("unchecked")
  void runsEverySystemAndWritesTheJsonTheReportAndTheHistogramLogs() throws IOException {
    Path json = dir.resolve("bench.json");
    Path report = dir.resolve("report");

    CliRun run =
        CliRun.of(
            "bench",
            "--compare",
            "direct,naive,ehcache,raw-jdbc,group-commit-jdbc",
            "--duration",
            "250ms",
            "--warmup",
            "80ms",
            "--records",
            "2000",
            "--threads",
            "4",
            "--seed",
            "42",
            "--json",
            json.toString(),
            "--report",
            report.toString());

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.err()).as(run.toString()).isEmpty();
    assertThat(run.out())
        .contains(
            "workload A (50% reads, 50% updates)",
            "ratios against direct", "vs direct", "Report written to")
        .doesNotContain("█", "\r");
    Map<String, Object> results = Json.object(Files.readString(json));
    assertThat(results)
        .containsEntry("scenario", "A")
        .containsEntry("threads", 4.0)
        .containsEntry("baseline", "direct")
        .containsEntry("seed", 42.0);
    List<Map<String, Object>> systems = (List<Map<String, Object>>) results.get("results");
    assertThat(systems).extracting(s -> s.get("system")).containsExactlyElementsOf(ALL);
    for (Map<String, Object> system : systems) {
      String name = (String) system.get("system");
      assertThat((Double) system.get("ops_per_sec")).as(name).isPositive();
      assertThat((Double) system.get("p50_us"))
          .as(name)
          .isPositive()
          .isLessThanOrEqualTo((Double) system.get("p99_us"));
      assertThat((Double) system.get("p99_us"))
          .as(name)
          .isLessThanOrEqualTo((Double) system.get("max_us"));
      assertThat((List<Map<String, Object>>) system.get("by_operation"))
          .as(name)
          .extracting(op -> op.get("operation"))
          .containsExactly("read", "update");
      boolean cached = List.of("tandem", "naive", "ehcache").contains(name);
      assertThat(system.get("hit_ratio") instanceof Double)
          .as(name + " has a hit ratio")
          .isEqualTo(cached);
    }
    assertThat(systems.get(1).get("ratio")).isEqualTo(1.0);
    assertThat((Map<String, Object>) results.get("machine"))
        .containsKeys("cores", "memory_bytes", "jdk");
    assertThat((String) ((Map<String, Object>) results.get("database")).get("product"))
        .startsWith("H2 ");
    assertThat((Map<String, Object>) results.get("database")).containsEntry("fsync", "n/a");

    assertThat(Files.readString(report.resolve("results.json"))).isEqualTo(Files.readString(json));
    assertThat(Files.readString(report.resolve("report.html")))
        .contains("<svg", "Latency: read", "group-commit-jdbc");
    for (String system : ALL) {
      assertThat(Files.readString(report.resolve(system + ".hlog")))
          .as(system)
          .startsWith("#[Histogram log format version")
          .contains("Tag=read,", "Tag=update,");
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void theWritesScenarioOfIssue4ComparesAgainstRawJdbc() throws IOException {
    Path json = dir.resolve("writes.json");

    CliRun run =
        CliRun.of(
            "bench",
            "--scenario",
            "writes",
            "--threads",
            "8",
            "--compare",
            "raw-jdbc,group-commit-jdbc",
            "--operations",
            "800",
            "--warmup",
            "0s",
            "--records",
            "500",
            "--json",
            json.toString());

    assertThat(run.exitCode()).as(run.toString()).isZero();
    Map<String, Object> results = Json.object(Files.readString(json));
    assertThat(results)
        .containsEntry("scenario", "writes")
        .containsEntry("threads", 8.0)
        .containsEntry("baseline", "raw-jdbc")
        .containsEntry("operations_per_system", 800.0)
        .containsEntry("duration_s", Json.NULL);
    List<Map<String, Object>> systems = (List<Map<String, Object>>) results.get("results");
    assertThat(systems)
        .extracting(s -> s.get("system"))
        .containsExactly("tandem", "raw-jdbc", "group-commit-jdbc");
    assertThat(systems).allSatisfy(s -> assertThat(s).containsEntry("operations", 800.0));
    assertThat(systems.get(1).get("ratio")).isEqualTo(1.0);
  }

  @ParameterizedTest(name = "workload {0}")
  @ValueSource(strings = {"B", "C", "D", "F"})
  void everyWorkloadRuns(String workload) {
    CliRun run =
        CliRun.of(
            "bench",
            "-w",
            workload,
            "--compare",
            "direct,naive",
            "--operations",
            "400",
            "--warmup",
            "0s",
            "--records",
            "300",
            "--threads",
            "3");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out()).contains("workload " + workload, "tandem", "direct", "naive");
    if (workload.equals("D")) {
      assertThat(run.out()).contains("insert", "latest records most");
    }
    if (workload.equals("F")) {
      assertThat(run.out()).contains("read-modify-write");
    }
  }
}
