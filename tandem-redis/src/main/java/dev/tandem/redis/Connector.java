package dev.tandem.redis;

import static java.util.Objects.requireNonNull;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.event.connection.ConnectionDeactivatedEvent;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;

/**
 * The Redis tier's connection and restart handling: makes a {@link Link} to the server (or every
 * master of a cluster), verifies each server process it reaches before the link's first use (race
 * H9, {@link ServerEpoch}), loads the scripts, lets the tier check the link, holds it, and drops it
 * when a connection of it breaks, so that the next call makes and verifies a new one.
 *
 * <p>Thread-safe. One thread at a time connects; the others fail at once instead of queueing behind
 * it.
 */
final class Connector implements AutoCloseable {

  private static final VarHandle LINK;

  static {
    try {
      LINK = MethodHandles.lookup().findVarHandle(Connector.class, "link", Link.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final @Nullable AbstractRedisClient ownedClient;
  private final @Nullable RedisClient client;
  private final @Nullable RedisClusterClient clusterClient;
  private final String server;
  private final Duration commandTimeout;
  private final KeySpace<?> keys;
  private final long fenceMillis;
  private final List<LuaScript> scripts;
  private final Consumer<Link> verify;
  private final ReentrantLock connecting = new ReentrantLock();
  private final AtomicBoolean closed = new AtomicBoolean();

  /** Evictions counted by links dropped since: the tier's count goes on across links. */
  private final AtomicLong evictionsBefore = new AtomicLong();

  private final @Nullable Disposable deactivations;
  private volatile @Nullable Link link;

  /**
   * @param ownedClient the client to shut down at close, if the tier created it
   * @param client the client of one server, or null with a cluster client
   * @param clusterClient the client of a cluster, or null with a client of one server
   * @param server the server, as messages name it
   * @param fenceMillis the write fence timeout: how long a restarted server holds fills back (H9)
   * @param scripts the scripts to load on every server process before a link's first use
   * @param verify the tier's own checks of a new link before its first use; it throws to refuse it
   */
  Connector(
      @Nullable AbstractRedisClient ownedClient,
      @Nullable RedisClient client,
      @Nullable RedisClusterClient clusterClient,
      String server,
      Duration commandTimeout,
      KeySpace<?> keys,
      long fenceMillis,
      List<LuaScript> scripts,
      Consumer<Link> verify) {
    this.ownedClient = ownedClient;
    this.client = client;
    this.clusterClient = clusterClient;
    this.server = server;
    this.commandTimeout = commandTimeout;
    this.keys = keys;
    this.fenceMillis = fenceMillis;
    this.scripts = List.copyOf(scripts);
    this.verify = verify;
    // A cluster connection opens node connections by itself; when one of those the link verified
    // closes (its master went away), the link is dropped at once rather than at its next failure.
    this.deactivations =
        clusterClient == null
            ? null
            : clusterClient
                .getResources()
                .eventBus()
                .get()
                .filter(ConnectionDeactivatedEvent.class::isInstance)
                .subscribe(event -> dropIfBroken(link));
  }

  /** Returns the server, as messages name it. */
  String server() {
    return server;
  }

  /** Returns whether this connector talks to a Redis Cluster. */
  boolean isCluster() {
    return clusterClient != null;
  }

  /** Returns the current link, or null if there is none now. */
  @Nullable Link current() {
    return link;
  }

  /**
   * Returns the link, making and verifying a new one if there is none.
   *
   * @throws RedisException if no verified link can be made now, or another thread is making one
   */
  Link get() {
    Link current = link;
    return current != null ? current : reconnect();
  }

  private Link reconnect() {
    if (!connecting.tryLock()) {
      throw new RedisException("Redis at " + server + " is being reconnected by another call");
    }
    try {
      Link current = link;
      if (current != null) {
        return current;
      }
      if (closed.get()) {
        throw new RedisException("the Redis tier of " + server + " is closed");
      }
      Link fresh = open();
      link = fresh;
      return fresh;
    } finally {
      connecting.unlock();
    }
  }

  /**
   * Connects, verifies every server process reached (H9), loads the scripts and runs the tier's
   * checks.
   */
  private Link open() {
    StatefulConnection<byte[], byte[]> connection;
    RedisClusterCommands<byte[], byte[]> redis;
    RedisClusterAsyncCommands<byte[], byte[]> async;
    List<RedisClusterCommands<byte[], byte[]>> nodes = new ArrayList<>();
    List<StatefulConnection<byte[], byte[]>> nodeConnections = new ArrayList<>();
    List<Integer> tags = new ArrayList<>();
    List<String> names = new ArrayList<>();
    if (clusterClient != null) {
      StatefulRedisClusterConnection<byte[], byte[]> cluster =
          clusterClient.connect(ByteArrayCodec.INSTANCE);
      cluster.setTimeout(commandTimeout);
      connection = cluster;
      redis = cluster.sync();
      async = cluster.async();
      try {
        List<RedisClusterNode> masters = new ArrayList<>();
        for (RedisClusterNode node : cluster.getPartitions()) {
          if (node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.getSlots().isEmpty()) {
            masters.add(node);
          }
        }
        masters.sort(Comparator.comparing(RedisClusterNode::getNodeId));
        for (RedisClusterNode master : masters) {
          // by host and port: the connection that commands routed by slot to this master use
          StatefulRedisConnection<byte[], byte[]> nodeConnection =
              cluster.getConnection(master.getUri().getHost(), master.getUri().getPort());
          nodeConnection.setTimeout(commandTimeout);
          nodes.add(nodeConnection.sync());
          nodeConnections.add(nodeConnection);
          tags.add(tagOwnedBy(master));
          names.add(master.getUri().getHost() + ":" + master.getUri().getPort());
        }
      } catch (RuntimeException e) {
        connection.closeAsync();
        throw e;
      }
    } else {
      StatefulRedisConnection<byte[], byte[]> single =
          requireNonNull(client).connect(ByteArrayCodec.INSTANCE);
      single.setTimeout(commandTimeout);
      connection = single;
      redis = single.sync();
      async = single.async();
      nodes.add(redis);
      nodeConnections.add(single);
      tags.add(0);
      names.add(server);
    }
    try {
      StringBuilder runIds = new StringBuilder();
      long fillsFrom = System.nanoTime();
      long evictions = 0;
      for (int i = 0; i < nodes.size(); i++) {
        RedisClusterCommands<byte[], byte[]> node = nodes.get(i);
        ServerEpoch.Verified verified =
            ServerEpoch.verify(node, keys, tags.get(i), fenceMillis, names.get(i));
        runIds.append(i == 0 ? "" : ",").append(verified.runId());
        if (verified.fillsFromNanos() - fillsFrom > 0) {
          fillsFrom = verified.fillsFromNanos();
        }
        for (LuaScript script : scripts) {
          script.load(node);
        }
        ServerEpoch.loadScripts(node);
        evictions += Link.evictions(node);
      }
      Link made =
          new Link(
              connection,
              redis,
              async,
              List.copyOf(nodes),
              List.copyOf(nodeConnections),
              runIds.toString(),
              fillsFrom,
              evictions);
      verify.accept(made);
      return made;
    } catch (RuntimeException e) {
      connection.closeAsync();
      throw e;
    }
  }

  /** Returns the number of an epoch key whose slot {@code master} owns. */
  private int tagOwnedBy(RedisClusterNode master) {
    for (int n = 0; n < 1_000_000; n++) {
      if (master.hasSlot(SlotHash.getSlot(keys.epoch(n)))) {
        return n;
      }
    }
    throw new IllegalStateException(
        "no epoch key of prefix " + keys.prefix() + " hashes to a slot of " + master);
  }

  /** Drops {@code used} if it is still the link and one of its connections closed. */
  void dropIfBroken(@Nullable Link used) {
    if (used != null && !used.isOpen()) {
      drop(used);
    }
  }

  /**
   * Drops {@code used} if it is still the link, so that the next call makes and verifies a new one.
   */
  void drop(Link used) {
    if (LINK.compareAndSet(this, used, null)) {
      evictionsBefore.addAndGet(used.lastEvictions());
      used.close();
    }
  }

  /** Returns the evictions counted by the links dropped so far. */
  long evictionsOfDroppedLinks() {
    return evictionsBefore.get();
  }

  /** Closes the link, and the client if the tier created it; idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      connecting.lock();
      try {
        Link current = link;
        link = null;
        if (current != null) {
          current.closeAndWait(commandTimeout);
        }
      } finally {
        connecting.unlock();
      }
      if (deactivations != null) {
        deactivations.dispose();
      }
      if (ownedClient != null) {
        ownedClient.shutdown();
      }
    }
  }
}
