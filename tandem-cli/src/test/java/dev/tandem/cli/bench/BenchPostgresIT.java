package dev.tandem.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.cli.CliRun;
import dev.tandem.cli.report.Json;
import dev.tandem.testkit.server.PostgresServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tandem bench} on PostgreSQL: the issue-4 write comparison on a given URL, and {@code --db
 * postgres}.
 */
class BenchPostgresIT {

  @TempDir Path dir;

  @Test
  @SuppressWarnings("unchecked")
  void comparesWritersOnAGivenPostgresDatabase() throws IOException {
    PostgresServer server = PostgresServer.shared();
    server.createDatabase("bench_writes");
    Path json = dir.resolve("writes.json");

    CliRun run =
        CliRun.of(
            "bench",
            "--scenario",
            "writes",
            "--jdbc-url",
            server.jdbcUrl("bench_writes"),
            "--threads",
            "16",
            "--compare",
            "raw-jdbc,group-commit-jdbc,naive,ehcache",
            "--duration",
            "300ms",
            "--warmup",
            "100ms",
            "--records",
            "1000",
            "--json",
            json.toString());

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out()).contains("PostgreSQL").doesNotContain("user=postgres");
    Map<String, Object> results = Json.object(Files.readString(json));
    assertThat(results).containsEntry("scenario", "writes").containsEntry("threads", 16.0);
    assertThat((List<Map<String, Object>>) results.get("results"))
        .extracting(s -> s.get("system"))
        .containsExactly("tandem", "raw-jdbc", "group-commit-jdbc", "naive", "ehcache");
    assertThat((String) ((Map<String, Object>) results.get("database")).get("product"))
        .startsWith("PostgreSQL ");
    assertThat((Map<String, Object>) results.get("database"))
        .as("what the shared test server reports")
        .containsEntry("fsync", "off")
        .containsEntry("synchronous_commit", "on");
    assertThat(run.out()).contains("  fsync     off (synchronous_commit on)");
  }

  @Test
  @SuppressWarnings("unchecked")
  void startsItsOwnPostgresWithFsyncOnAndSaysSoInTheHeaderTheJsonAndTheReport() throws IOException {
    Path report = dir.resolve("report");

    CliRun run =
        CliRun.of(
            "bench",
            "--db",
            "postgres",
            "--compare",
            "direct",
            "--operations",
            "200",
            "--warmup",
            "0s",
            "--records",
            "100",
            "--threads",
            "2",
            "--report",
            report.toString());

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .contains(
            "Starting an embedded PostgreSQL server",
            "PostgreSQL",
            "embedded server started",
            "  fsync     on (synchronous_commit on)",
            ", data in ");
    Map<String, Object> database =
        (Map<String, Object>)
            Json.object(Files.readString(report.resolve("results.json"))).get("database");
    assertThat(database).containsEntry("fsync", "on").containsEntry("synchronous_commit", "on");
    assertThat((String) database.get("setup")).contains("fsync on", "data in ");
    assertThat(Files.readString(report.resolve("report.html")))
        .contains("fsync on, synchronous_commit on");
  }

  @Test
  @SuppressWarnings("unchecked")
  void fsyncOffStartsItsServerWithoutFsync() throws IOException {
    Path json = dir.resolve("off.json");

    CliRun run =
        CliRun.of(
            "bench",
            "--db",
            "postgres",
            "--fsync",
            "off",
            "--compare",
            "direct",
            "--operations",
            "100",
            "--warmup",
            "0s",
            "--records",
            "100",
            "--threads",
            "2",
            "--json",
            json.toString());

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out()).contains("  fsync     off (synchronous_commit on)");
    assertThat((Map<String, Object>) Json.object(Files.readString(json)).get("database"))
        .containsEntry("fsync", "off");
  }
}
