package dev.tandem.testkit.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The faults a private {@link RedisServer} takes for the cache torture: SIGKILL, SIGSTOP/SIGCONT,
 * and a restart from an old snapshot (race H9), each seen by a real Lettuce client.
 */
class RedisServerIT {

  private final RedisServer server = RedisServer.start();
  private final RedisClient client =
      RedisClient.create(
          RedisURI.builder(RedisURI.create(server.uri()))
              .withTimeout(Duration.ofMillis(500))
              .build());

  @AfterEach
  void stop() {
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    server.close();
  }

  private String get(String key) {
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      return c.sync().get(key);
    }
  }

  private void set(String key, String value) {
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      c.sync().set(key, value);
    }
  }

  @Test
  void aKilledServerRefusesConnectionsAndRestartsEmpty() {
    set("k", "1");
    long pid = server.pid();

    server.kill();

    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    assertThatThrownBy(() -> get("k")).isInstanceOf(RedisException.class);
    server.restart();
    assertThat(get("k")).isNull();
  }

  @Test
  void aPausedServerLetsCommandsTimeOutAndRunsThemAfterResume() {
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      RedisCommands<String, String> redis = c.sync();
      redis.set("k", "1");

      server.pause();
      assertThatThrownBy(() -> redis.set("k", "2"))
          .isInstanceOf(RedisCommandTimeoutException.class);
      server.resume();

      assertThat(redis.get("k")).as("the timed-out SET ran after SIGCONT").isEqualTo("2");
    }
  }

  @Test
  void aRestartFromAnOldSnapshotBringsBackTheOldDataAndALaterRestartIsEmpty() {
    set("k", "old");
    Path snapshot = server.snapshot();
    set("k", "new");
    set("other", "x");
    assertThat(snapshot).exists();

    server.restartFrom(snapshot);

    assertThat(get("k")).isEqualTo("old");
    assertThat(get("other")).isNull();
    assertThat(Files.exists(snapshot.resolveSibling("dump.rdb")))
        .as("the dump is not loaded again")
        .isFalse();
    server.restart();
    assertThat(get("k")).isNull();
  }

  @Test
  void theSharedServerTakesNoFaults() {
    RedisServer shared = RedisServer.shared();
    assertThatThrownBy(shared::kill).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(shared::pause).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(shared::snapshot).isInstanceOf(IllegalStateException.class);
  }

  /**
   * A private server that nobody closed (a benchmark whose setup threw, so JMH never ran its
   * teardown) is stopped when its JVM exits, instead of running on as an orphan.
   */
  @Test
  void aServerLeftOpenStopsWithItsJvm() throws Exception {
    Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
    Path log = Files.createTempFile("left-open-", ".log");
    Process child =
        new ProcessBuilder(
                javaBin.toString(),
                "-cp",
                System.getProperty("java.class.path"),
                LeftOpen.class.getName())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    boolean exited = child.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
    String output = Files.readString(log);
    Files.delete(log);
    if (!exited) {
      child.destroyForcibly();
    }
    assertThat(exited).as("child JVM exits: %s", output).isTrue();
    assertThat(child.exitValue()).as(output).isZero();
    long pid =
        Long.parseLong(
            output
                .lines()
                .filter(l -> l.startsWith("pid="))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no pid in: " + output))
                .substring(4));

    try {
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
          .as("redis-server %d after its JVM exited", pid)
          .isFalse();
    } finally {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly); // no orphan if it failed
    }
  }

  /** Starts a private server, prints its pid and exits without closing it. */
  static final class LeftOpen {
    public static void main(String[] args) {
      RedisServer left = RedisServer.start();
      System.out.println("pid=" + left.pid());
    }
  }
}
