package dev.tandem.cli.bench;

import static java.util.Objects.requireNonNull;

import dev.tandem.cli.CommandFailedException;
import dev.tandem.cli.peers.HazelcastCluster;
import dev.tandem.cli.report.SystemResult;
import dev.tandem.cli.torture.NodeProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

/**
 * The nodes of {@code tandem bench --nodes N}: for each system, N JVMs ({@link BenchNodeCommand},
 * started as torture's {@code --processes} starts its nodes), each with its own connection pool,
 * Tandem (or peer) and share of the threads, against the one database and Redis of the run. The
 * nodes start one after another (a Hazelcast member joins the cluster of those before it), run at
 * once on {@code go}, and report their histograms; the result of the system is their merge, with
 * each node's figures beside it.
 */
final class BenchNodes {

  private final RunPlan plan;
  private final int nodes;
  private final String table;
  private final String jdbcUrl;
  private final @Nullable String user;
  private final @Nullable String password;
  private final BenchTier tier;
  private final @Nullable BenchRedis redis;

  BenchNodes(
      RunPlan plan,
      int nodes,
      String table,
      String jdbcUrl,
      @Nullable String user,
      @Nullable String password,
      BenchTier tier,
      @Nullable BenchRedis redis) {
    this.plan = requireNonNull(plan, "plan");
    this.nodes = nodes;
    this.table = requireNonNull(table, "table");
    this.jdbcUrl = requireNonNull(jdbcUrl, "jdbcUrl");
    this.user = user;
    this.password = password;
    this.tier = requireNonNull(tier, "tier");
    this.redis = redis;
  }

  /**
   * Runs {@code system} on every node, its Redis keys under {@code prefix}, and returns the total,
   * which holds each node's figures ({@link SystemResult#nodes}).
   *
   * @throws CommandFailedException if a node fails
   */
  SystemResult run(Contender system, String prefix) throws InterruptedException {
    HazelcastCluster cluster = HazelcastCluster.fresh(nodes);
    List<NodeProcess> children = new ArrayList<>();
    try {
      for (int i = 0; i < nodes; i++) {
        NodeProcess child =
            NodeProcess.start(
                i, List.of("bench", "node"), arguments(system, prefix, cluster, i), environment());
        children.add(child);
        child.await(
            "ready",
            Duration.ofMinutes(2)); // one at a time: each Hazelcast member joins those before it
      }
      children.forEach(c -> c.send("go"));
      Duration wait =
          plan.warmup()
              .plus(plan.duration() != null ? plan.duration() : Duration.ofMinutes(10))
              .plusMinutes(2);
      List<BenchRun.Measured> measured = new ArrayList<>();
      for (NodeProcess child : children) {
        measured.add(parse(child.await("done", wait)));
      }
      children.forEach(c -> c.send("close"));
      List<SystemResult> perNode = new ArrayList<>();
      for (int i = 0; i < nodes; i++) {
        perNode.add(
            BenchRun.result(
                system.label() + " node " + i,
                system.description(tier),
                plan.workload().operations(),
                measured.get(i)));
      }
      return BenchRun.result(
              system.label(),
              system.description(tier) + ", " + nodes + " nodes (JVMs)",
              plan.workload().operations(),
              merge(measured))
          .withNodes(perNode);
    } finally {
      children.forEach(NodeProcess::close);
    }
  }

  private List<String> arguments(
      Contender system, String prefix, HazelcastCluster cluster, int node) {
    int threads = share(plan.threads(), node);
    List<String> args =
        new ArrayList<>(
            List.of(
                "--system",
                system.label(),
                "--tier",
                tier.label(),
                "--node",
                Integer.toString(node),
                "--nodes",
                Integer.toString(nodes),
                "--workload",
                plan.workload().name(),
                "--distribution",
                plan.distribution().name(),
                "--records",
                Long.toString(plan.records()),
                "--value-size",
                Integer.toString(plan.valueSize()),
                "--cache-size",
                Long.toString(plan.cacheSize()),
                "--threads",
                Integer.toString(threads),
                "--warmup-ms",
                Long.toString(plan.warmup().toMillis()),
                "--seed",
                Long.toString(plan.seed()),
                "--table",
                table,
                "--prefix",
                prefix,
                "--hazelcast-cluster",
                cluster.name(),
                "--hazelcast-port",
                Integer.toString(cluster.port())));
    Duration duration = plan.duration();
    if (duration != null) {
      args.addAll(List.of("--duration-ms", Long.toString(duration.toMillis())));
    } else {
      args.addAll(List.of("--operations", Long.toString(share(plan.operations(), node))));
    }
    return args;
  }

  /**
   * Returns node {@code node}'s share of {@code total}: an even split, the remainder to the first
   * nodes.
   */
  private long share(long total, int node) {
    return total / nodes + (node < total % nodes ? 1 : 0);
  }

  private int share(int total, int node) {
    return (int) share((long) total, node);
  }

  private Map<String, String> environment() {
    Map<String, String> environment = new HashMap<>();
    environment.put(BenchNodeCommand.JDBC_URL_VARIABLE, jdbcUrl);
    if (user != null) {
      environment.put(BenchNodeCommand.JDBC_USER_VARIABLE, user);
    }
    if (password != null) {
      environment.put(BenchNodeCommand.JDBC_PASSWORD_VARIABLE, password);
    }
    if (redis != null) {
      environment.put(BenchNodeCommand.REDIS_URI_VARIABLE, redis.uri());
    }
    return environment;
  }

  private static BenchRun.Measured parse(List<String> said) {
    Histogram[] totals = new Histogram[Operation.values().length];
    BenchTarget.CacheCounts counts = null;
    double seconds = 0;
    for (String line : said) {
      String[] words = line.split(" ");
      switch (words[0]) {
        case "hist" ->
            totals[Operation.valueOf(words[1]).ordinal()] = BenchNodeCommand.decode(words[2]);
        case "counts" ->
            counts =
                new BenchTarget.CacheCounts(Long.parseLong(words[1]), Long.parseLong(words[2]));
        case "done" -> seconds = Double.parseDouble(words[1]);
        default -> {} // the node's other output
      }
    }
    return new BenchRun.Measured(totals, seconds, counts);
  }

  /**
   * Adds the nodes' histograms and counts up; the time is the longest node's (they ran at once).
   */
  private static BenchRun.Measured merge(List<BenchRun.Measured> nodes) {
    Histogram[] totals = new Histogram[Operation.values().length];
    long hits = 0;
    long misses = 0;
    boolean counted = false;
    double seconds = 0;
    for (BenchRun.Measured node : nodes) {
      for (int i = 0; i < totals.length; i++) {
        Histogram h = node.totals()[i];
        if (h != null) {
          if (totals[i] == null) {
            totals[i] = new Histogram(h.getNumberOfSignificantValueDigits());
          }
          totals[i].add(h);
        }
      }
      BenchTarget.CacheCounts counts = node.counts();
      if (counts != null) {
        counted = true;
        hits += counts.hits();
        misses += counts.misses();
      }
      seconds = Math.max(seconds, node.seconds());
    }
    return new BenchRun.Measured(
        totals, seconds, counted ? new BenchTarget.CacheCounts(hits, misses) : null);
  }
}
