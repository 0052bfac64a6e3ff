package dev.tandem.cli.torture;

import dev.tandem.cli.CommandFailedException;
import dev.tandem.cli.Redaction;
import dev.tandem.cli.RedisKeys;
import dev.tandem.testkit.fault.FaultProxy;
import dev.tandem.testkit.server.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The Redis of a torture run, shared by its nodes: a {@code redis-server} started for the run, or
 * the server of a URI; when cache faults are injected, with a {@link FaultProxy} per node in front
 * of it (node {@code i} connects through proxy {@code i}, so that a fault can cut one node off as
 * well as all of them). The run's keys carry a prefix of their own; closing deletes them (from a
 * URI's server) or stops the server.
 */
final class TortureRedis implements AutoCloseable {

  private final RedisURI direct;
  private final @Nullable RedisServer server;
  private final List<FaultProxy> proxies;
  private final String prefix;
  private final String description;
  private final boolean owned;
  private final Duration entryTimeToLive;
  private final Duration commandTimeout;

  private TortureRedis(
      RedisURI direct,
      @Nullable RedisServer server,
      List<FaultProxy> proxies,
      String description,
      Duration entryTimeToLive,
      Duration commandTimeout) {
    this(
        direct,
        server,
        proxies,
        description,
        "torture-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()) + ":",
        true,
        entryTimeToLive,
        commandTimeout);
  }

  private TortureRedis(
      RedisURI direct,
      @Nullable RedisServer server,
      List<FaultProxy> proxies,
      String description,
      String prefix,
      boolean owned,
      Duration entryTimeToLive,
      Duration commandTimeout) {
    this.direct = direct;
    this.server = server;
    this.proxies = List.copyOf(proxies);
    this.description = description;
    this.prefix = prefix;
    this.owned = owned;
    this.entryTimeToLive = entryTimeToLive;
    this.commandTimeout = commandTimeout;
  }

  /**
   * Returns the Redis of another process's run (a node of {@code torture --processes}): the nodes
   * connects to {@code uri} (already its own proxy's, if any) with the run's key prefix; closing
   * does nothing.
   */
  static TortureRedis attach(
      String uri, String prefix, Duration entryTimeToLive, Duration commandTimeout) {
    return new TortureRedis(
        RedisURI.create(uri),
        null,
        List.of(),
        "Redis at " + Redaction.url(uri),
        prefix,
        false,
        entryTimeToLive,
        commandTimeout);
  }

  /**
   * Starts a server (if {@code uri} is null) and, if {@code proxied}, a fault proxy per node in
   * front of it.
   *
   * @param password the password for {@code uri}'s server (replacing one in the URI), or null
   * @param nodes how many nodes connect (one proxy each)
   * @param entryTimeToLive how long the nodes' tiers keep an entry in Redis
   * @param commandTimeout the Redis command timeout of the nodes' tiers
   * @throws CommandFailedException if the server cannot be started or the URI is invalid
   */
  static TortureRedis open(
      @Nullable String uri,
      @Nullable String password,
      boolean proxied,
      int nodes,
      Duration entryTimeToLive,
      Duration commandTimeout,
      Consumer<String> say) {
    RedisServer server = null;
    List<FaultProxy> proxies = new ArrayList<>();
    try {
      RedisURI direct;
      String description;
      if (uri == null) {
        say.accept("starting redis-server for the run...");
        server = RedisServer.start();
        direct = RedisURI.create(server.uri());
        description = "redis-server started for this run on 127.0.0.1:" + server.port();
      } else {
        direct = RedisURI.create(uri);
        if (password != null) {
          direct = RedisURI.builder(direct).withPassword(password.toCharArray()).build();
        }
        description =
            "Redis at "
                + direct.getHost()
                + ":"
                + direct.getPort()
                + " (not ours: never killed or paused)";
      }
      if (proxied) {
        for (int i = 0; i < nodes; i++) {
          proxies.add(FaultProxy.start(direct.getHost(), direct.getPort()));
        }
        description +=
            nodes == 1
                ? ", reached through a fault proxy"
                : ", reached by each node through a fault proxy of" + " its own";
      }
      return new TortureRedis(
          direct, server, proxies, description, entryTimeToLive, commandTimeout);
    } catch (RuntimeException e) {
      proxies.forEach(FaultProxy::close);
      if (server != null) {
        server.close();
      }
      throw new CommandFailedException(
          Redaction.text(
              "cannot "
                  + (uri == null ? "start redis-server" : "use --redis-uri " + uri)
                  + ": "
                  + e.getMessage()),
          e);
    }
  }

  /** Returns what the server is, for the output. */
  String description() {
    return description;
  }

  /** Returns the server the run started, or null for a URI's server. */
  @Nullable RedisServer server() {
    return server;
  }

  /** Returns the fault proxy of each node, in node order; empty if the nodes connect directly. */
  List<FaultProxy> proxies() {
    return proxies;
  }

  /** Returns how long the nodes' tiers keep an entry in Redis. */
  Duration entryTimeToLive() {
    return entryTimeToLive;
  }

  /** Returns the Redis command timeout of the nodes' tiers. */
  Duration commandTimeout() {
    return commandTimeout;
  }

  /** Returns the prefix of every key of this run. */
  String prefix() {
    return prefix;
  }

  /** Returns the URI node {@code node} connects to: its proxy's, if the nodes have proxies. */
  RedisURI nodeUri(int node) {
    if (proxies.isEmpty()) {
      return RedisURI.builder(direct).build();
    }
    FaultProxy proxy = proxies.get(node);
    return RedisURI.builder(direct).withHost(proxy.host()).withPort(proxy.port()).build();
  }

  /**
   * Stops the proxy; deletes the run's keys from a URI's server (best effort); stops our server.
   */
  @Override
  public void close() {
    if (!owned) {
      return;
    }
    proxies.forEach(FaultProxy::close);
    if (server != null) {
      server.close();
      return;
    }
    RedisClient client =
        RedisClient.create(RedisURI.builder(direct).withTimeout(Duration.ofSeconds(5)).build());
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      RedisKeys.unlinkMatching(c.sync(), prefix + "*");
    } catch (RuntimeException e) {
      // best effort: the keys have a prefix of their own and expire
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  @Override
  public String toString() {
    return description;
  }
}
