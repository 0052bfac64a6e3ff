package dev.tandem.cli.peers;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The Hazelcast cluster of a run: its name (its own, so that it never joins another run's members
 * on this machine) and the ports of its members on 127.0.0.1 (TCP/IP join, no multicast).
 *
 * @param name the cluster name
 * @param port the first member's port; member {@code i} takes {@code port + i}
 * @param members how many members the run starts
 */
public record HazelcastCluster(String name, int port, int members) {

  /** Checks the values. */
  public HazelcastCluster {
    requireNonNull(name, "name");
    if (port < 1024 || port + members > 65535) {
      throw new IllegalArgumentException(
          "port must leave room for " + members + " members but was " + port);
    }
    if (members < 1) {
      throw new IllegalArgumentException("members must be positive but was " + members);
    }
  }

  /**
   * Returns a new cluster of {@code members} members with its own name, on ports that are free now.
   */
  public static HazelcastCluster fresh(int members) {
    String name = "tandem-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    for (int attempt = 0; attempt < 50; attempt++) {
      int port = 20_000 + ThreadLocalRandom.current().nextInt(30_000);
      if (free(port, members)) {
        return new HazelcastCluster(name, port, members);
      }
    }
    throw new IllegalStateException(
        "found no " + members + " free ports in a row for the Hazelcast members");
  }

  private static boolean free(int port, int count) {
    for (int p = port; p < port + count; p++) {
      try (ServerSocket socket = new ServerSocket(p, 1, InetAddress.getLoopbackAddress())) {
        socket.setReuseAddress(true);
      } catch (IOException e) {
        return false;
      }
    }
    return true;
  }
}
