package dev.tandem.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.cli.CliRun;
import dev.tandem.testkit.server.RedisServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tandem demo --cache redis|near} end to end, in-process, on a real {@code redis-server}:
 * the six steps' outcomes, the Redis commands of {@code --verbose}, and the server started for the
 * run and stopped after it. FlightDelayDemoIT shows that the check reads what Redis holds.
 */
class DemoRedisIT {

  private static final Pattern STARTED =
      Pattern.compile("redis-server started for this run on 127\\.0\\.0\\.1:(\\d+)");

  /** One H2 demo database for the class: created by the first run, reused by the others. */
  @TempDir static Path dataDir;

  private static RedisServer redis;

  @BeforeAll
  static void startRedis() {
    redis = RedisServer.start();
  }

  @AfterAll
  static void stopRedis() {
    redis.close();
  }

  @Test
  void runsTheSixStepsOnARedisServerStartedForTheRunAndStopsIt() {
    CliRun run =
        CliRun.of(
            "demo",
            "--data-dir",
            dataDir.toString(),
            "--cache",
            "redis",
            "--verbose",
            "--no-color");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.err()).as(run.toString()).isEmpty();
    String out = run.out();
    assertThat(out)
        .containsSubsequence(
            "Step 1/6",
            "CACHE_MISS",
            "Step 2/6",
            "CACHE_HIT",
            "Step 3/6",
            "Step 4/6",
            "CONSISTENT",
            "Step 5/6",
            "CACHE_HIT",
            "Step 6/6",
            "CONSISTENT",
            "Summary")
        .doesNotContain("INCONSISTENT")
        .containsPattern("(?m)^\\s+second\\s+cache\\s+\\S+ \\S+\\s+[0-9.,]+x$");
    String miss = section(out, "Step 1/6", "Step 2/6");
    assertThat(miss)
        .contains(
            "redis> GET tandem-demo:FLIGHTS.PUBLIC.FLIGHT:{115}",
            "(begin_fill.lua)",
            "(fill.lua)",
            "SELECT");
    String hit = section(out, "Step 2/6", "Step 3/6");
    assertThat(hit)
        .contains(
            "redis> GET tandem-demo:FLIGHTS.PUBLIC.FLIGHT:{115}",
            "no SQL: the database was not touched");
    String write = section(out, "Step 3/6", "Step 4/6");
    assertThat(write).containsSubsequence("(before_write.lua)", "COMMIT", "(apply.lua)");
    String check = section(out, "Step 4/6", "Step 5/6");
    assertThat(check).containsPattern("Field\\s+Database\\s+Redis\\s+Match");

    Matcher started = STARTED.matcher(out);
    assertThat(started.find()).as(out).isTrue();
    int port = Integer.parseInt(started.group(1));
    assertThatThrownBy(() -> connect(port))
        .as("the redis-server of the run is stopped")
        .isInstanceOf(IOException.class);
  }

  @Test
  void nearTierOnARedisUrlAnswersTheSecondReadFromL1() {
    CliRun run =
        CliRun.of(
            "demo",
            "--data-dir",
            dataDir.toString(),
            "--cache",
            "near",
            "--redis-url",
            redis.uri(),
            "--verbose",
            "--no-color");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .containsSubsequence("CACHE_MISS", "CACHE_HIT", "CONSISTENT", "CACHE_HIT", "CONSISTENT")
        .doesNotContain("INCONSISTENT")
        .contains("Redis at redis://127.0.0.1:" + redis.port());
    assertThat(section(run.out(), "Step 2/6", "Step 3/6"))
        .contains("no SQL, no Redis command: answered from this process's L1");
    assertThat(section(run.out(), "Step 4/6", "Step 5/6"))
        .containsPattern("Field\\s+Database\\s+L1\\s+Redis\\s+Match");
    assertThat(redis.isRunning()).as("a server of --redis-url is not ours to stop").isTrue();
  }

  @Test
  void runsOnAnEmbeddedPostgresStartedForTheRun() {
    CliRun run =
        CliRun.of(
            "demo",
            "--db",
            "postgres",
            "--cache",
            "redis",
            "--redis-url",
            redis.uri(),
            "--no-color");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .contains("PostgreSQL", "server started for this run")
        .containsSubsequence("CACHE_MISS", "CACHE_HIT", "CONSISTENT", "CACHE_HIT", "CONSISTENT")
        .doesNotContain("INCONSISTENT");
  }

  /** The seed's setting: the flights on MariaDB, the cache on Redis, one command. */
  @Test
  void runsOnAMariaDbServerStartedForTheRun() {
    CliRun run =
        CliRun.of(
            "demo",
            "--db",
            "mariadb",
            "--cache",
            "redis",
            "--redis-url",
            redis.uri(),
            "--no-color");

    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .contains("MariaDB", "started for this run")
        .containsSubsequence("CACHE_MISS", "CACHE_HIT", "CONSISTENT", "CACHE_HIT", "CONSISTENT")
        .doesNotContain("INCONSISTENT");
  }

  @Test
  void anUnreachableRedisUrlIsAOneLineErrorWithoutItsPassword() {
    CliRun run =
        CliRun.of(
            "demo",
            "--data-dir",
            dataDir.toString(),
            "--cache",
            "redis",
            "--redis-url",
            "redis://:secret@127.0.0.1:1");

    assertThat(run.exitCode()).as(run.toString()).isEqualTo(1);
    assertThat(run.errLines())
        .singleElement()
        .asString()
        .startsWith("tandem demo: cannot use --redis-url redis://:***@127.0.0.1:1: ")
        .doesNotContain("secret");
    assertThat(run.out()).doesNotContain("Step 1");
  }

  private static String section(String out, String from, String to) {
    return out.substring(out.indexOf(from), out.indexOf(to));
  }

  private static void connect(int port) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
    }
  }
}
