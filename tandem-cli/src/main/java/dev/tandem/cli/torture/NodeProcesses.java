package dev.tandem.cli.torture;

import dev.tandem.cli.CommandFailedException;
import dev.tandem.cli.peers.HazelcastCluster;
import dev.tandem.jdbc.JdbcStore;
import dev.tandem.testkit.history.Event;
import dev.tandem.testkit.history.History;
import dev.tandem.testkit.history.HistoryRecorder;
import dev.tandem.testkit.torture.Nemesis;
import dev.tandem.testkit.torture.Torture;
import dev.tandem.testkit.torture.TortureReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * The nodes of a {@code --processes} run, each in a child JVM, and the merge of their histories.
 */
final class NodeProcesses {
  private final TortureDatabase database;
  private final @Nullable TortureRedis redis;
  private final boolean proxied;
  private final int cacheSize;
  private final long runSeed;
  private final HazelcastCluster cluster;

  /**
   * The command whose options the run has: nodes, clients, keys, duration, tier, engine, batches.
   */
  private final TortureCommand options;

  private final PrintWriter out;

  /**
   * Creates the nodes of a run of {@code options} over {@code database} and {@code redis}; they
   * reach the database through its fault proxy if {@code proxied}; progress goes to {@code out}.
   */
  NodeProcesses(
      TortureCommand options,
      TortureDatabase database,
      @Nullable TortureRedis redis,
      boolean proxied,
      int cacheSize,
      long runSeed,
      HazelcastCluster cluster,
      PrintWriter out) {
    this.options = options;
    this.out = out;
    this.cluster = cluster;
    this.database = database;
    this.redis = redis;
    this.proxied = proxied;
    this.cacheSize = cacheSize;
    this.runSeed = runSeed;
  }

  TortureReport run(Nemesis nemesis, Runnable quiescence, JdbcStore<String, Long> direct)
      throws InterruptedException {
    Path dir;
    try {
      dir = Files.createTempDirectory("tandem-torture-");
    } catch (IOException e) {
      throw new CommandFailedException(
          "cannot create a directory for the nodes' histories: " + e.getMessage(), e);
    }
    String url = proxied ? database.proxiedUrl() : database.url();
    List<NodeProcess> children = new ArrayList<>();
    try {
      for (int i = 0; i < options.nodes; i++) {
        List<String> args =
            new ArrayList<>(
                List.of(
                    "--node",
                    Integer.toString(i),
                    "--nodes",
                    Integer.toString(options.nodes),
                    "--clients",
                    Integer.toString(options.clients),
                    "--keys",
                    Integer.toString(options.keys),
                    "--duration-ms",
                    Long.toString(options.duration.toMillis()),
                    "--seed",
                    Long.toString(runSeed),
                    "--tier",
                    options.tier,
                    "--engine",
                    options.engine.name(),
                    "--table",
                    database.table(),
                    "--cache-size",
                    Integer.toString(cacheSize),
                    "--batches",
                    Integer.toString(options.batches),
                    "--history",
                    dir.resolve("node-" + i + ".jsonl").toString()));
        args.addAll(
            List.of(
                "--hazelcast-cluster",
                cluster.name(),
                "--hazelcast-port",
                Integer.toString(cluster.port())));
        Map<String, String> secrets = new HashMap<>(Map.of(NodeProcess.JDBC_URL_VARIABLE, url));
        if (redis != null) {
          secrets.put(NodeProcess.REDIS_URI_VARIABLE, redis.nodeUri(i).toURI().toString());
          args.addAll(
              List.of(
                  "--redis-prefix",
                  redis.prefix(),
                  "--redis-ttl-ms",
                  Long.toString(redis.entryTimeToLive().toMillis()),
                  "--redis-command-timeout-ms",
                  Long.toString(redis.commandTimeout().toMillis())));
        }
        children.add(NodeProcess.start(i, args, secrets));
        if (options.engine
            == TortureCommand.Engine
                .HAZELCAST) { // one at a time: each member joins those before it, never a cluster
          // of its own
          children.get(i).await("ready", Duration.ofMinutes(2));
        }
      }
      for (NodeProcess child :
          options.engine == TortureCommand.Engine.HAZELCAST ? List.<NodeProcess>of() : children) {
        child.await("ready", Duration.ofMinutes(2));
      }
      long start = System.nanoTime();
      children.forEach(c -> c.send("go"));
      TortureCommand.say(
          out,
          "nodes running: "
              + children.stream().map(NodeProcess::toString).collect(Collectors.joining(", ")));
      nemesis.start();
      try {
        for (NodeProcess child : children) {
          child.await("stopped", options.duration.plusMinutes(1));
        }
      } finally {
        nemesis.stop();
      }
      Duration ran = Duration.ofNanos(System.nanoTime() - start);
      quiescence.run();
      children.forEach(c -> c.send("final"));
      long invalidations = 0;
      long absentUpdates = 0;
      long surprises = 0;
      List<String> examples = new ArrayList<>();
      StringBuilder stuck = new StringBuilder();
      for (NodeProcess child : children) {
        List<String> said = child.await(NodeDone.WORD, Duration.ofMinutes(2));
        NodeDone done = NodeDone.parse(child, said.get(said.size() - 1));
        done.surpriseExamples().stream()
            .limit(Math.max(0, 2 - examples.size() / options.nodes))
            .forEach(e -> examples.add(child + ": " + e));
        invalidations += done.invalidations();
        absentUpdates += done.absentUpdates();
        surprises += done.surprises();
        if (done.clientsStuck()) {
          stuck.append(child).append(": clients stuck (thread dump on its error output)\n");
        }
      }
      HistoryRecorder databaseReads = new HistoryRecorder();
      long[] failedReads = {0};
      Torture.readDatabase(
          direct,
          databaseReads,
          options.clients,
          options.keys,
          (op, e) -> {
            failedReads[0]++;
            if (examples.size() < 5) {
              examples.add(op + ": " + e);
            }
          });
      List<Event> events = new ArrayList<>(databaseReads.events());
      for (int i = 0; i < options.nodes; i++) {
        events.addAll(History.read(dir.resolve("node-" + i + ".jsonl")).events());
      }
      events.sort(
          Comparator.comparingLong(Event::time)); // stable: a process's events keep their order
      return new TortureReport(
          History.of(events),
          ran,
          invalidations,
          absentUpdates,
          surprises + failedReads[0],
          examples,
          nemesis.summary(),
          stuck.toString());
    } finally {
      children.forEach(NodeProcess::close);
      try (var files = Files.list(dir)) {
        files.forEach(f -> f.toFile().delete());
        Files.deleteIfExists(dir);
      } catch (IOException e) {
        // a temporary directory left behind is harmless
      }
    }
  }
}
