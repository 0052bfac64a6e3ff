package dev.tandem.cli.bench;

import dev.tandem.cli.CommandFailedException;
import dev.tandem.cli.Redaction;
import dev.tandem.cli.RedisKeys;
import dev.tandem.testkit.server.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The Redis of a bench run, shared by every system that needs one: a {@code redis-server} started
 * for the run (no persistence, as the tests run it) or the server of {@code --redis-url}. Every key
 * of the run carries the run's prefix; {@link #clear} deletes them before each system, so that each
 * starts from an empty Redis, and closing deletes them (or stops the server the run started).
 */
final class BenchRedis implements AutoCloseable {

  private final String uri;
  private final @Nullable RedisServer server;
  private final String description;
  private final String prefix;

  private final boolean owned;

  private BenchRedis(String uri, @Nullable RedisServer server, String description) {
    this(
        uri,
        server,
        description,
        "bench-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()) + ":",
        true);
  }

  private BenchRedis(
      String uri, @Nullable RedisServer server, String description, String prefix, boolean owned) {
    this.uri = uri;
    this.server = server;
    this.description = description;
    this.prefix = prefix;
    this.owned = owned;
  }

  /**
   * Returns the Redis of a node of {@code bench --nodes}: the parent's, with its prefix; closing
   * does nothing.
   */
  static BenchRedis attach(String uri, String prefix) {
    return new BenchRedis(uri, null, "Redis at " + Redaction.url(uri), prefix, false);
  }

  /**
   * Starts {@code redis-server} if {@code url} is null, else uses the server of {@code url}.
   *
   * @throws CommandFailedException if the server cannot be started or reached
   */
  static BenchRedis open(@Nullable String url, Consumer<String> say) {
    if (url == null) {
      say.accept("starting redis-server for the run...");
      try {
        RedisServer server = RedisServer.start();
        return new BenchRedis(
            server.uri(),
            server,
            "redis-server started for this run on 127.0.0.1:"
                + server.port()
                + " (no persistence)");
      } catch (RuntimeException e) {
        throw new CommandFailedException(
            "cannot start redis-server (Debian: apt-get install redis-server): " + e.getMessage(),
            e);
      }
    }
    BenchRedis redis = new BenchRedis(url, null, "Redis at " + Redaction.url(url));
    redis.clear(); // proves the server answers before any system is built
    return redis;
  }

  /** Returns the server's URI ({@code redis://host:port}, with a password if it has one). */
  String uri() {
    return uri;
  }

  /** Returns what the server is, for the output. */
  String description() {
    return description;
  }

  /** Returns the prefix of every key of the run. */
  String prefix() {
    return prefix;
  }

  /**
   * Deletes every key of the run (those whose name holds the run's prefix: Redisson wraps names in
   * braces).
   *
   * @throws CommandFailedException if Redis cannot be reached
   */
  void clear() {
    RedisClient client =
        RedisClient.create(
            RedisURI.builder(RedisURI.create(uri)).withTimeout(Duration.ofSeconds(10)).build());
    try (StatefulRedisConnection<String, String> c = client.connect()) {
      RedisKeys.unlinkMatching(c.sync(), "*" + prefix + "*");
    } catch (RuntimeException e) {
      throw new CommandFailedException(
          Redaction.text("cannot clear the run's keys in " + description + ": " + e.getMessage()),
          e);
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }

  /**
   * Stops the server the run started, or deletes the run's keys from a server given by URL (best
   * effort).
   */
  @Override
  public void close() {
    if (!owned) {
      return;
    }
    if (server != null) {
      server.close();
      return;
    }
    try {
      clear();
    } catch (CommandFailedException e) {
      // best effort: the keys carry the run's prefix
    }
  }
}
