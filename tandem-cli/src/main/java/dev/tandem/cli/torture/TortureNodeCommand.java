package dev.tandem.cli.torture;

import dev.tandem.Tandem;
import dev.tandem.cli.ExitCode;
import dev.tandem.cli.peers.HazelcastCluster;
import dev.tandem.jdbc.JdbcStore;
import dev.tandem.testkit.torture.Torture;
import dev.tandem.testkit.torture.TortureReport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tandem torture node}: one node of {@code tandem torture --processes}, in a JVM of its own,
 * started by the parent command (not for people: hidden). It builds its Tandem over the run's table
 * and Redis, runs its share of the clients, and talks to the parent in lines on the standard
 * streams: it prints {@code ready}, waits for {@code go}, runs, prints {@code stopped}, waits for
 * {@code final} (the parent healed the faults and waited for quiescence), reads every key through
 * its node, writes its history (JSON Lines) to {@code --history}, and prints last what it did as
 * one JSON line, {@code {"done":{...}}} (a {@link NodeDone}). Anything else goes to the error
 * stream. The JDBC URL and the Redis URI, which may hold passwords, come in environment variables
 * ({@link NodeProcess#JDBC_URL_VARIABLE}, {@link NodeProcess#REDIS_URI_VARIABLE}), not in the
 * arguments, which {@code ps} shows.
 */
@Command(
    name = "node",
    hidden = true,
    description = "One node of torture --processes (started by torture).")
final class TortureNodeCommand implements Callable<Integer> {

  @Option(names = "--node", required = true)
  int node;

  @Option(names = "--nodes", required = true)
  int nodes;

  @Option(names = "--clients", required = true)
  int clients;

  @Option(names = "--keys", required = true)
  int keys;

  @Option(names = "--duration-ms", required = true)
  long durationMillis;

  @Option(names = "--seed", required = true)
  long seed;

  @Option(names = "--tier", required = true)
  String tier = "";

  @Option(names = "--engine", required = true)
  TortureCommand.Engine engine = TortureCommand.Engine.TANDEM;

  @Option(names = "--table", required = true)
  String table = "";

  @Option(names = "--redis-prefix")
  @Nullable String redisPrefix;

  @Option(names = "--redis-ttl-ms")
  long redisTtlMillis = TortureTiers.EXPIRE_AFTER_WRITE.toMillis();

  @Option(names = "--redis-command-timeout-ms")
  long redisCommandTimeoutMillis = TortureTiers.REDIS_COMMAND_TIMEOUT.toMillis();

  @Option(names = "--cache-size", required = true)
  int cacheSize;

  @Option(names = "--batches")
  int batches = 1;

  @Option(names = "--history", required = true)
  Path history = Path.of("");

  @Option(names = "--hazelcast-cluster")
  String hazelcastName = "tandem-torture";

  @Option(names = "--hazelcast-port")
  int hazelcastPort = 5701;

  TortureNodeCommand() {}

  @Override
  public Integer call() throws InterruptedException, IOException {
    TortureCommand.quietLibraryLogs();
    String jdbcUrl =
        Objects.requireNonNull(
            System.getenv(NodeProcess.JDBC_URL_VARIABLE), NodeProcess.JDBC_URL_VARIABLE);
    String redisUri = System.getenv(NodeProcess.REDIS_URI_VARIABLE);
    PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    TortureTier cacheTier = Objects.requireNonNull(TortureTiers.named(tier), tier);
    TortureRedis redis =
        redisUri != null
            ? TortureRedis.attach(
                redisUri,
                Objects.requireNonNull(redisPrefix),
                Duration.ofMillis(redisTtlMillis),
                Duration.ofMillis(redisCommandTimeoutMillis))
            : null;
    TortureReport report;
    try (TortureDatabase database = TortureDatabase.attach(jdbcUrl, table)) {
      int perNode = (clients + nodes - 1) / nodes;
      JdbcStore<String, Long> store =
          database.store(database.pool(jdbcUrl, perNode + 2, "store-" + node));
      try (Tandem<String, Long> target =
          TortureTiers.node(
              engine,
              cacheTier,
              store,
              redis,
              cacheSize,
              batches,
              node,
              new HazelcastCluster(hazelcastName, hazelcastPort, nodes),
              null)) {
        out.println("ready");
        expect(in, "go");
        report =
            Torture.builder(target, database.store(database.direct()))
                .clients(clients)
                .keys(keys)
                .duration(Duration.ofMillis(durationMillis))
                .seed(seed)
                .partOf(node, nodes)
                .quiescence(
                    () -> {
                      out.println("stopped");
                      expect(in, "final");
                    })
                .build()
                .run();
      }
    }
    report.history().write(history);
    if (!report.clientsStopped()) {
      System.err.println(
          "node " + node + ": clients stuck after the run:\n" + report.stuckClients());
    }
    out.println(NodeDone.of(report).toLine());
    return ExitCode.OK;
  }

  private static void expect(BufferedReader in, String word) {
    try {
      String line = in.readLine();
      if (!word.equals(line)) {
        throw new IllegalStateException(
            "expected '" + word + "' from the parent process but got " + line);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("the parent process is gone", e);
    }
  }
}
