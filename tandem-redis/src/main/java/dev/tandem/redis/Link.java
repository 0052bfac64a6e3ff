package dev.tandem.redis;

import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A connection to Redis (a server, or every master of a cluster) that was verified before its first
 * use: each server process it reaches vouched, through its epoch key, that this tier's keys on it
 * were cleared or checked since the process started (race H9). The connection never reconnects by
 * itself, so every command it carries reaches a process it verified; when it breaks, the tier makes
 * a new one and verifies that.
 */
final class Link {

  final StatefulConnection<byte[], byte[]> connection;
  final RedisClusterCommands<byte[], byte[]> redis;
  final RedisClusterAsyncCommands<byte[], byte[]> async;

  /** One command interface per server process reached: the server, or each master. */
  final List<RedisClusterCommands<byte[], byte[]>> nodes;

  private final List<? extends StatefulConnection<byte[], byte[]>> nodeConnections;

  /**
   * The run ids of the server processes reached, in a fixed order: equal strings, same processes.
   */
  final String runIds;

  private final long fillsFromNanos;
  private final long evictionsAtStart;
  private volatile long lastEvictions;
  private volatile boolean fillsOpen;

  Link(
      StatefulConnection<byte[], byte[]> connection,
      RedisClusterCommands<byte[], byte[]> redis,
      RedisClusterAsyncCommands<byte[], byte[]> async,
      List<RedisClusterCommands<byte[], byte[]>> nodes,
      List<? extends StatefulConnection<byte[], byte[]>> nodeConnections,
      String runIds,
      long fillsFromNanos,
      long evictionsAtStart) {
    this.connection = connection;
    this.redis = redis;
    this.async = async;
    this.nodes = nodes;
    this.nodeConnections = nodeConnections;
    this.runIds = runIds;
    this.fillsFromNanos = fillsFromNanos;
    this.evictionsAtStart = evictionsAtStart;
  }

  /** Returns the server's count of evicted and expired keys (INFO stats). */
  static long evictions(RedisClusterCommands<byte[], byte[]> node) {
    long count = 0;
    for (String line : node.info("stats").split("\r?\n")) {
      if (line.startsWith("evicted_keys:") || line.startsWith("expired_keys:")) {
        count += Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
      }
    }
    return count;
  }

  /** Returns the keys evicted or expired on the servers since this link was verified. */
  long evictionsSinceVerified() {
    long now = 0;
    for (RedisClusterCommands<byte[], byte[]> node : nodes) {
      now += evictions(node);
    }
    long since = Math.max(0, now - evictionsAtStart);
    lastEvictions = since;
    return since;
  }

  /** Returns what {@link #evictionsSinceVerified()} last returned. */
  long lastEvictions() {
    return lastEvictions;
  }

  /** Returns whether every connection of this link is still open. */
  boolean isOpen() {
    if (!connection.isOpen()) {
      return false;
    }
    for (StatefulConnection<byte[], byte[]> node : nodeConnections) {
      if (!node.isOpen()) {
        return false;
      }
    }
    return true;
  }

  /**
   * Returns whether fills may be installed: not before the write fence timeout has passed since a
   * server came back without the fences of the writes that were in flight.
   */
  boolean fillsAllowed() {
    if (fillsOpen) {
      return true;
    }
    if (System.nanoTime() - fillsFromNanos >= 0) {
      fillsOpen = true;
      return true;
    }
    return false;
  }

  /**
   * Returns whether a fence placed through {@code other} is still on the servers this link reaches.
   */
  boolean sameServers(Link other) {
    return other == this || runIds.equals(other.runIds);
  }

  void close() {
    connection.closeAsync();
  }

  /**
   * Closes the connection and waits up to {@code timeout} for it to be closed, so that a client
   * shut down next does not find it still open. Not for an event-loop thread.
   */
  void closeAndWait(Duration timeout) {
    try {
      connection.closeAsync().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // closing is best effort: the client's shutdown closes what is left
    }
  }

  @Override
  public String toString() {
    return "Link{" + runIds + (fillsAllowed() ? "" : ", no fills yet") + "}";
  }
}
