package dev.tandem.testkit.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * A real Redis Cluster of three masters (no replicas) on free loopback ports, each a {@link
 * RedisServer} in cluster mode: the slots are split in three ranges (CLUSTER ADDSLOTSRANGE), the
 * nodes meet (CLUSTER MEET), and {@link #start()} returns once every node reports {@code
 * cluster_state:ok}. Start one per test class; {@link #close()} stops every node.
 *
 * <p>A node can be killed and restarted, empty or from a snapshot, like any private server: it
 * keeps its cluster configuration file ({@code nodes.conf}), so it comes back with its node id and
 * slots.
 */
public final class RedisCluster implements AutoCloseable {

  private static final Duration FORMATION_WAIT = Duration.ofSeconds(30);
  private static final int SLOTS = 16384;

  private final List<RedisServer> nodes;

  private RedisCluster(List<RedisServer> nodes) {
    this.nodes = nodes;
  }

  /**
   * Starts three masters and forms the cluster.
   *
   * @throws IllegalStateException if a node cannot start or the cluster does not form in time
   */
  public static RedisCluster start() {
    List<RedisServer> nodes = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        nodes.add(RedisServer.startClusterNode());
      }
      for (int i = 0; i < 3; i++) {
        int from = SLOTS * i / 3;
        int to = SLOTS * (i + 1) / 3 - 1;
        expectOk(
            nodes.get(i), "CLUSTER", "ADDSLOTSRANGE", Integer.toString(from), Integer.toString(to));
      }
      for (int i = 1; i < 3; i++) {
        expectOk(
            nodes.get(0),
            "CLUSTER",
            "MEET",
            "127.0.0.1",
            Integer.toString(nodes.get(i).port()),
            Integer.toString(nodes.get(i).busPort()));
      }
      RedisCluster cluster = new RedisCluster(List.copyOf(nodes));
      cluster.awaitOk();
      return cluster;
    } catch (RuntimeException e) {
      nodes.forEach(RedisServer::close);
      throw e;
    }
  }

  /** Returns the three nodes, in the order of their slot ranges. */
  public List<RedisServer> nodes() {
    return nodes;
  }

  /** Returns the URI of every node, {@code redis://127.0.0.1:<port>}. */
  public List<String> uris() {
    return nodes.stream().map(RedisServer::uri).toList();
  }

  /**
   * Waits until every running node reports {@code cluster_state:ok} and knows the other two.
   *
   * @throws IllegalStateException if that does not happen within 30 seconds
   */
  public void awaitOk() {
    long deadline = System.nanoTime() + FORMATION_WAIT.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      boolean ok = true;
      for (RedisServer node : nodes) {
        String info = node.command("CLUSTER", "INFO");
        last = node + ": " + info.replace("\r\n", " ");
        if (!info.contains("cluster_state:ok") || !info.contains("cluster_known_nodes:3")) {
          ok = false;
          break;
        }
      }
      if (ok) {
        return;
      }
      LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
    }
    throw new IllegalStateException(
        "the cluster did not form within " + FORMATION_WAIT + "; last: " + last);
  }

  /** Stops every node and deletes its files; idempotent. */
  @Override
  public void close() {
    nodes.forEach(RedisServer::close);
  }

  @Override
  public String toString() {
    return "RedisCluster" + nodes;
  }

  private static void expectOk(RedisServer node, String... command) {
    String reply = node.command(command);
    if (!reply.startsWith("+OK")) {
      throw new IllegalStateException(
          String.join(" ", command) + " on " + node + " answered " + reply);
    }
  }
}
