package dev.tandem.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tandem.cli.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code tandem bench} option handling: help, and every usage error as one line with exit code 2,
 * before any work.
 */
class BenchCommandTest {

  @Test
  void helpExplainsTheOptionsWithTheirDefaults() {
    CliRun run = CliRun.of("bench", "--help");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .contains(
            "Usage: tandem bench",
            "--workload",
            "--scenario",
            "--compare",
            "--threads",
            "--duration",
            "--operations",
            "--warmup",
            "--records",
            "--value-size",
            "--distribution",
            "--db",
            "--jdbc-url",
            "--json",
            "--report",
            "--fsync",
            "(default: on)",
            "direct,naive,ehcache",
            "(default: A)",
            "(default: 10s)",
            "(default: h2)",
            "raw-jdbc",
            "group-commit-jdbc");
  }

  @Test
  void theTopLevelHelpListsBenchAndVerify() {
    CliRun run = CliRun.of("--help");

    assertThat(run.out()).contains("bench", "verify");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      --threads 0                                  | --threads must be between 1 and 1024 but was 0
      --records 0                                  | --records must be between 1 and 100,000,000 but was 0
      --value-size 0                               | --value-size must be between 1 and 10,000,000 bytes but was 0
      --duration 0s                                | --duration must be positive
      --duration soon                              | 'soon' is not a duration (write for example 500ms, 20s, 2m)
      --duration 1s --operations 10                | --duration and --operations exclude each other
      --operations 0                               | --operations must be positive but was 0
      --cache-size 0                               | --cache-size must be positive but was 0
      --workload E                                 | --workload
      --distribution pareto                        | --distribution
      --compare direct,memcached                   | unknown system 'memcached' (expected one of tandem, direct, naive, ehcache, raw-jdbc, group-commit-jdbc, cache-aside, redisson, redisson-near, hazelcast)
      --compare direct,naive,direct                | --compare names direct twice
      --db mysql                                   | --db
      --jdbc-user sa                               | --jdbc-user and --jdbc-password need --jdbc-url
      --jdbc-url jdbc:mysql://localhost/x          | --jdbc-url must be a PostgreSQL (jdbc:postgresql:), MariaDB (jdbc:mariadb:) or H2 (jdbc:h2:) URL
      --db h2 --jdbc-url jdbc:postgresql://h/x?p=1 | --db h2 does not match --jdbc-url jdbc:postgresql://h/x
      --table drop;table                           | --table must be a plain SQL name
      --threads many                               | --threads
      --fsync off                                  | --fsync applies to --db postgres; H2 runs in memory
      --db postgres --fsync maybe                  | --fsync
      --fsync on --jdbc-url jdbc:postgresql://h/x  | --fsync sets the embedded PostgreSQL server
      --redis                                      | Unknown option: '--redis'
      --tier far                                   | unknown tier 'far' (expected one of local, redis, near)
      --nodes 2                                    | --nodes 2 needs --db postgres
      --nodes 0                                    | --nodes must be between 1 and 32 but was 0
      --nodes 4 --threads 2                        | --nodes 4 needs at least as many --threads
      --redis-url redis://h:1                      | --redis-url is given but no system of the run uses Redis
      --tier redis --redis-url http://h            | --redis-url must be a redis://host:port URL
      """)
  void aUsageErrorIsOneLineWithExitCode2(String arguments, String message) {
    String[] args = ("bench " + arguments.strip()).split(" +");

    CliRun run = CliRun.of(args);

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
    assertThat(run.errLines())
        .as(run.toString())
        .singleElement()
        .asString()
        .startsWith("tandem bench: ")
        .contains(message)
        .endsWith("see 'tandem bench --help'")
        .doesNotContain("?p=1");
    assertThat(run.out()).as("nothing ran").isEmpty();
  }
}
