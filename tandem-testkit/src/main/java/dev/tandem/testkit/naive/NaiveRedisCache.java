package dev.tandem.testkit.naive;

import static java.util.Objects.requireNonNull;

import dev.tandem.Versioned;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.SetArgs;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The tutorial's shared cache: a Redis server that many nodes use through plain {@code GET}, {@code
 * SET} and {@code DEL} (Lettuce), each value stored as {@code "<version>:<value>"}. Like the
 * tutorial, it treats the cache as optional: a failing or timed-out call is a miss on read and is
 * ignored on write (so a write whose {@code SET} or {@code DEL} failed leaves the old value cached,
 * race H4).
 *
 * <p>It is <b>wrong on purpose</b>, the negative control of the shared tier; with several nodes,
 * each with its own instance, it serves stale values (H1, H2, H3, H4, H8).
 */
public final class NaiveRedisCache<K, V> implements NaiveCache<K, V> {

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final RedisCommands<String, String> redis;
  private final String prefix;
  private final Function<? super V, String> encoder;
  private final Function<String, ? extends V> decoder;
  private final SetArgs expiry;

  /**
   * Connects to {@code uri} (one connection).
   *
   * @param uri the server
   * @param prefix prepended to every key, so that runs sharing a server do not meet
   * @param timeToLive how long a value stays cached; zero for no expiry
   * @param commandTimeout how long a call may take before it counts as failed
   * @param encoder turns a value into text (without changing it on the way back)
   * @param decoder turns the text back into the value
   * @throws RedisException if the server cannot be reached
   */
  public NaiveRedisCache(
      RedisURI uri,
      String prefix,
      Duration timeToLive,
      Duration commandTimeout,
      Function<? super V, String> encoder,
      Function<String, ? extends V> decoder) {
    requireNonNull(uri, "uri");
    this.prefix = requireNonNull(prefix, "prefix");
    this.encoder = requireNonNull(encoder, "encoder");
    this.decoder = requireNonNull(decoder, "decoder");
    this.expiry = timeToLive.isZero() ? new SetArgs() : SetArgs.Builder.px(timeToLive.toMillis());
    // the URI's timeout bounds the connection handshake: generous, so that a busy machine still
    // connects
    RedisURI parsed =
        RedisURI.builder(uri)
            .withTimeout(
                CONNECT_TIMEOUT.compareTo(commandTimeout) > 0 ? CONNECT_TIMEOUT : commandTimeout)
            .build();
    this.client = RedisClient.create(parsed);
    client.setOptions(
        ClientOptions.builder()
            .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
            .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
            .build());
    try {
      this.connection = client.connect(StringCodec.UTF8);
    } catch (RuntimeException e) {
      client.shutdown();
      throw e;
    }
    this.redis = connection.sync();
  }

  @Override
  public @Nullable Versioned<V> get(K key) {
    String stored;
    try {
      stored = redis.get(prefix + key);
    } catch (RedisException e) {
      return null; // "the cache is down: read the database"
    }
    if (stored == null) {
      return null;
    }
    int colon = stored.indexOf(':');
    return new Versioned<>(
        decoder.apply(stored.substring(colon + 1)), Long.parseLong(stored.substring(0, colon)));
  }

  @Override
  public void put(K key, Versioned<V> value) {
    try {
      redis.set(prefix + key, value.version() + ":" + encoder.apply(value.value()), expiry);
    } catch (RedisException e) {
      // "the cache is only a cache": the old value stays (H4)
    }
  }

  @Override
  public void remove(K key) {
    try {
      redis.del(prefix + key);
    } catch (RedisException e) {
      // as in put
    }
  }

  @Override
  public void clear() {
    try {
      ScanArgs args = ScanArgs.Builder.matches(prefix + "*").limit(1000);
      ScanCursor cursor = ScanCursor.INITIAL;
      do {
        KeyScanCursor<String> page = redis.scan(cursor, args);
        if (!page.getKeys().isEmpty()) {
          redis.del(page.getKeys().toArray(new String[0]));
        }
        cursor = page;
      } while (!cursor.isFinished());
    } catch (RedisException e) {
      // as in put
    }
  }

  @Override
  public long size() {
    try {
      return redis.dbsize();
    } catch (RedisException e) {
      return 0;
    }
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
  }

  @Override
  public String toString() {
    return "NaiveRedisCache{" + client + ", prefix=" + prefix + "}";
  }
}
