package dev.tandem.redis;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies one Redis server process before a tier uses it (race H9): a server that restarted empty,
 * from an old snapshot, or a replica promoted in a fail-over, may hold entries older than
 * acknowledged writes and has lost the fences and watermarks that stood for writes in flight.
 *
 * <p>The server's {@code run_id} (INFO server) is new in every process. The tier's epoch key on the
 * server holds the run id at which its keys there were last vouched for. If it names this process,
 * the keys are trusted. Otherwise the caller takes the flush lock (in the same script that read the
 * epoch key), unlinks every key of the tier on that server in batches that each check the lock is
 * still its own, then, still holding the lock, writes the new run id into the epoch key and
 * releases the lock. A caller that finds the lock taken fails: its tier stays unavailable until the
 * flush is done.
 *
 * <p>The epoch value also carries a server time before which fills must not install: the write
 * fence timeout after the server came back (or after it started, if it came back empty and the tier
 * had no keys on it), since a write fenced on the previous process may still be in flight and its
 * fence is gone.
 */
final class ServerEpoch {

  /** How long the flush lock lives unless renewed; every batch renews it. */
  static final long LOCK_TTL_MILLIS = 15_000;

  private static final Logger log = LoggerFactory.getLogger(ServerEpoch.class);
  private static final LuaScript BEGIN = LuaScript.plain("epoch_begin");
  private static final LuaScript FLUSH = LuaScript.plain("epoch_flush");
  private static final LuaScript END = LuaScript.plain("epoch_end");
  private static final int BATCH = 500;
  private static final String RELEASE =
      "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

  /**
   * What a verification found: the process's run id, the {@link System#nanoTime()} from which fills
   * are safe, and how many keys were removed (-1 if the keys were already vouched for).
   */
  record Verified(String runId, long fillsFromNanos, long removed) {}

  private ServerEpoch() {}

  /** Another node holds the flush lock: a passing state, the tier is unavailable until it ends. */
  static final class ClearingElsewhere extends RedisException {
    private static final long serialVersionUID = 1L;

    ClearingElsewhere(String message) {
      super(message);
    }
  }

  /**
   * Verifies the server that {@code node} reaches, clearing this tier's keys on it if it cannot
   * vouch for them.
   *
   * @param tag the number of the epoch key, whose slot the server must own
   * @throws RedisException if the server fails, or another node is clearing the keys
   */
  static Verified verify(
      RedisClusterCommands<byte[], byte[]> node,
      KeySpace<?> keys,
      int tag,
      long fenceMillis,
      String server) {
    String info = node.info("server");
    String runId = field(info, "run_id", server);
    long uptimeSeconds = Long.parseLong(field(info, "uptime_in_seconds", server));
    byte[][] epochKeys = {keys.epoch(tag), keys.flushLock(tag)};
    byte[] token = ascii(Long.toString(ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE)));
    byte[] lockTtl = ascii(Long.toString(LOCK_TTL_MILLIS));
    long[] begun = BEGIN.runPair(node, epochKeys, ascii(runId), token, lockTtl);
    if (begun[0] == 0) {
      return new Verified(runId, System.nanoTime() + begun[1] * 1_000_000, -1);
    }
    if (begun[0] == 1) {
      throw new ClearingElsewhere(
          "Redis at "
              + server
              + " (run id "
              + runId
              + ") is a new server process and another"
              + " node is clearing the keys of prefix "
              + keys.prefix()
              + " on it; the tier stays unavailable until it has");
    }
    boolean hadEpoch = begun[0] == 3;
    try {
      return flush(
          node,
          keys,
          runId,
          uptimeSeconds,
          hadEpoch,
          epochKeys,
          token,
          lockTtl,
          fenceMillis,
          server);
    } catch (RuntimeException e) {
      try { // let another node take over at once rather than when the lock lapses
        node.eval(RELEASE, ScriptOutputType.INTEGER, new byte[][] {epochKeys[1]}, token);
      } catch (RuntimeException release) {
        e.addSuppressed(release);
      }
      throw e;
    }
  }

  private static Verified flush(
      RedisClusterCommands<byte[], byte[]> node,
      KeySpace<?> keys,
      String runId,
      long uptimeSeconds,
      boolean hadEpoch,
      byte[][] epochKeys,
      byte[] token,
      byte[] lockTtl,
      long fenceMillis,
      String server) {
    List<byte[]> time = node.time();
    long serverNowMillis =
        Long.parseLong(new String(time.get(0), StandardCharsets.US_ASCII)) * 1000
            + Long.parseLong(new String(time.get(1), StandardCharsets.US_ASCII)) / 1000;
    long removed = 0;
    ScanArgs args =
        ScanArgs.Builder.matches(keys.dataPattern().getBytes(StandardCharsets.UTF_8)).limit(BATCH);
    ScanCursor cursor = ScanCursor.INITIAL;
    do {
      KeyScanCursor<byte[]> page = node.scan(cursor, args);
      List<byte[]> batch = new ArrayList<>(page.getKeys().size() + 2);
      batch.add(token);
      batch.add(lockTtl);
      for (byte[] key : page.getKeys()) {
        if (!keys.isEpochKey(key)) {
          batch.add(key);
        }
      }
      if (batch.size() > 2) {
        long unlinked = FLUSH.run(node, new byte[][] {epochKeys[1]}, batch.toArray(new byte[0][]));
        if (unlinked < 0) {
          throw lostLock(server, keys);
        }
        removed += unlinked;
      }
      cursor = page;
    } while (!cursor.isFinished());
    // Empty and never vouched for: a first use, or a restart without data. Writes fenced on an
    // earlier process started before this one did.
    String fillsFrom =
        !hadEpoch && removed == 0
            ? Long.toString(serverNowMillis - uptimeSeconds * 1000 + fenceMillis)
            : "";
    long[] ended =
        END.runPair(
            node,
            epochKeys,
            token,
            ascii(runId),
            ascii(fillsFrom),
            ascii(Long.toString(fenceMillis)));
    if (ended[0] != 0) {
      throw lostLock(server, keys);
    }
    if (hadEpoch || removed > 0) {
      log.warn(
          "Redis at {} is a new server process (run id {}) holding {} keys of prefix {} it could not vouch for"
              + " (restarted from a snapshot, or failed over): removed them; fills resume in {} ms",
          server,
          runId,
          removed,
          keys.prefix(),
          Math.max(0, ended[1]));
    } else {
      log.info(
          "Redis at {} (run id {}) had no keys of prefix {}: the tier starts cold; fills resume in {} ms",
          server,
          runId,
          keys.prefix(),
          Math.max(0, ended[1]));
    }
    return new Verified(runId, System.nanoTime() + ended[1] * 1_000_000, removed);
  }

  /** Loads the scripts of this class into the server that {@code node} reaches. */
  static void loadScripts(RedisClusterCommands<byte[], byte[]> node) {
    BEGIN.load(node);
    FLUSH.load(node);
    END.load(node);
  }

  private static RedisException lostLock(String server, KeySpace<?> keys) {
    return new RedisException(
        "clearing the keys of prefix "
            + keys.prefix()
            + " on Redis at "
            + server
            + " took longer than the flush lock lives; another node may have taken over");
  }

  private static String field(String info, String name, String server) {
    for (String line : info.split("\r?\n")) {
      if (line.startsWith(name + ":")) {
        return line.substring(name.length() + 1).strip();
      }
    }
    throw new RedisException("Redis at " + server + " does not report " + name + " in INFO server");
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
