package dev.tandem.redis;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * One of the tier's Lua scripts: read from {@code dev/tandem/redis/<name>.lua} with the metadata
 * field names ({@link MetaField}) and the shared {@code lib.lua} in front (or alone: {@link
 * #plain}), loaded once with SCRIPT LOAD and run with EVALSHA. Through a cluster connection, SCRIPT
 * LOAD reaches every master and EVALSHA the master of the first key's slot. A server that lost its
 * script cache (a restart, SCRIPT FLUSH, a fail-over) answers NOSCRIPT: the script is loaded again
 * and the call repeated once.
 */
final class LuaScript {

  private final String name;
  private final String body;
  private final String sha;

  private LuaScript(String name, String body) {
    this.name = name;
    this.body = body;
    this.sha = sha1(body);
  }

  /** Reads the script {@code name} and the shared library from the class path. */
  static LuaScript named(String name) {
    return new LuaScript(name, MetaField.luaConstants() + resource("lib") + "\n" + resource(name));
  }

  /**
   * Reads the script {@code name} alone, without the library: for a script whose first line must be
   * its flags ({@code #!lua flags=...}).
   */
  static LuaScript plain(String name) {
    return new LuaScript(name, resource(name));
  }

  /** Loads the script into the server's script cache. */
  void load(RedisClusterCommands<byte[], byte[]> redis) {
    String loaded = redis.scriptLoad(body);
    if (!sha.equals(loaded)) {
      throw new IllegalStateException(
          "script " + name + " loaded as " + loaded + " but its SHA-1 is " + sha);
    }
  }

  /** Runs the script; returns its integer reply. */
  long run(RedisClusterCommands<byte[], byte[]> redis, byte[][] keys, byte[]... args) {
    Long reply;
    try {
      reply = redis.evalsha(sha, ScriptOutputType.INTEGER, keys, args);
    } catch (RedisNoScriptException e) {
      load(redis);
      reply = redis.evalsha(sha, ScriptOutputType.INTEGER, keys, args);
    }
    if (reply == null) {
      throw new IllegalStateException("script " + name + " returned no integer");
    }
    return reply;
  }

  /** Runs the script; returns its reply, an array of two integers. */
  long[] runPair(RedisClusterCommands<byte[], byte[]> redis, byte[][] keys, byte[]... args) {
    List<Object> reply;
    try {
      reply = redis.evalsha(sha, ScriptOutputType.MULTI, keys, args);
    } catch (RedisNoScriptException e) {
      load(redis);
      reply = redis.evalsha(sha, ScriptOutputType.MULTI, keys, args);
    }
    if (reply == null
        || reply.size() != 2
        || !(reply.get(0) instanceof Long first)
        || !(reply.get(1) instanceof Long second)) {
      throw new IllegalStateException(
          "script " + name + " returned " + reply + ", not two integers");
    }
    return new long[] {first, second};
  }

  /**
   * Sends the script without waiting for its reply, so that many calls share a round trip; the
   * caller awaits the replies. No reload on NOSCRIPT: the future fails with it.
   */
  RedisFuture<Long> send(
      RedisClusterAsyncCommands<byte[], byte[]> redis, byte[][] keys, byte[]... args) {
    return redis.evalsha(sha, ScriptOutputType.INTEGER, keys, args);
  }

  String sha() {
    return sha;
  }

  @Override
  public String toString() {
    return name + ".lua (" + sha + ")";
  }

  private static String resource(String name) {
    String path = name + ".lua";
    try (InputStream in = LuaScript.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing resource dev/tandem/redis/" + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("could not read dev/tandem/redis/" + path, e);
    }
  }

  private static String sha1(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is not available", e);
    }
  }
}
