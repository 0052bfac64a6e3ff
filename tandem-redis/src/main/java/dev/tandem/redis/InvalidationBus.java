package dev.tandem.redis;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The subscription to the Redis pub/sub channel on which {@link RedisTier}s announce which entries
 * changed (they publish from inside the scripts that change them), and on which near tiers publish
 * their heartbeats.
 *
 * <p>A message is {@code <node> <payload>}; {@code <node>} is a random id of the publishing tier,
 * so that a near tier skips the announcements of its own shared tier. The payload is an entry key
 * (it ends with a closing brace), {@code *} for every key, a heartbeat {@code !<nanos>} (a near
 * tier hears its own heartbeats and ignores the others'), or {@code ?}, which a shared tier
 * publishes when it connects to prove that its Redis user may publish here (ignored). Redis queues
 * a message for every subscriber before it runs the next command, at most once, and delivers a
 * subscriber's messages in the order it ran their PUBLISH commands: so when a heartbeat comes back,
 * every message published on that server before it has arrived. A subscriber that is disconnected
 * loses what is published meanwhile, so the receiver hears of every loss of the subscription
 * ({@link Receiver#deaf}) before it hears of the next subscription ({@link Receiver#listening}):
 * Lettuce reports both from the connection's own event loop, in order, and subscribes again by
 * itself after reconnecting.
 */
final class InvalidationBus implements AutoCloseable {

  /** What the bus reports; called from Lettuce's event loop, so each call must be short. */
  interface Receiver {
    /** Another node changed the key stored under {@code entryKey}. */
    void changed(String entryKey);

    /** Another node dropped every key. */
    void changedAll();

    /** This node's heartbeat published at {@code sentAt} ({@link System#nanoTime()}) came back. */
    void heartbeat(long sentAt);

    /** The subscription is confirmed: from now on no message is lost until {@link #deaf}. */
    void listening();

    /** The subscription is lost: messages may be lost from now on until {@link #listening}. */
    void deaf();
  }

  private static final Logger log = LoggerFactory.getLogger(InvalidationBus.class);

  /** The payload that names every entry (the shared tier's invalidate-all). */
  static final String ALL = "*";

  private static final char HEARTBEAT = '!';

  /** What a shared tier publishes when it connects (see {@code RedisTier#checkMayAnnounce}). */
  static final String CONNECTED = "?";

  private final RedisClient client;
  private final String channel;
  private final String ownPrefix;
  private final Receiver receiver;
  private final StatefulRedisPubSubConnection<String, String> subscriber;
  private final RedisConnectionStateListener stateListener;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CountDownLatch confirmed = new CountDownLatch(1);
  private final AtomicReference<@Nullable Throwable> listenFailure = new AtomicReference<>();

  /**
   * Connects and subscribes, skipping the announcements of {@code node} (the shared tier of the
   * receiving near tier) and passing on only its heartbeats; {@code receiver} hears {@link
   * Receiver#listening} once the subscription is confirmed, before this constructor returns
   * (Lettuce completes the SUBSCRIBE command before it tells the listeners, so the constructor
   * waits for the latter).
   *
   * @throws io.lettuce.core.RedisException if Redis cannot be reached, or does not confirm the
   *     subscription within {@code timeout}
   */
  InvalidationBus(
      RedisClient client, String channel, String node, Duration timeout, Receiver receiver) {
    this.client = client;
    this.channel = channel;
    this.ownPrefix = node + " ";
    this.receiver = receiver;
    RedisConnectionStateListener listener =
        new RedisConnectionStateListener() {
          @Override
          public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
            if (connection == subscriberOrNull()) {
              log.debug("invalidation channel {} lost its subscription", channel);
              receiver.deaf();
            }
          }
        };
    this.stateListener = listener;
    this.subscriber = client.connectPubSub(io.lettuce.core.codec.StringCodec.UTF8);
    subscriber.setTimeout(timeout);
    client.addListener(listener);
    subscriber.addListener(
        new RedisPubSubAdapter<>() {
          @Override
          public void message(String from, String message) {
            if (channel.equals(from)) {
              receive(message);
            }
          }

          @Override
          public void subscribed(String to, long count) {
            if (channel.equals(to)) {
              try {
                receiver.listening();
              } catch (RuntimeException | Error e) {
                listenFailure.compareAndSet(null, e);
                throw e;
              } finally {
                confirmed.countDown();
              }
            }
          }
        });
    try {
      subscriber.sync().subscribe(channel);
      if (!confirmed.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new RedisCommandTimeoutException(
            "the subscription to " + channel + " was not confirmed within " + timeout);
      }
      Throwable failed = listenFailure.get();
      if (failed != null) {
        throw new IllegalStateException(
            "the receiver failed on the subscription to " + channel, failed);
      }
    } catch (InterruptedException e) {
      close();
      Thread.currentThread().interrupt();
      throw new RedisCommandInterruptedException(e);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Returns the message of this node's heartbeat stamped {@code sentAt}. */
  String heartbeatMessage(long sentAt) {
    return ownPrefix + HEARTBEAT + sentAt;
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      client.removeListener(stateListener);
      subscriber.close();
    }
  }

  private StatefulRedisPubSubConnection<String, String> subscriberOrNull() {
    return subscriber;
  }

  private void receive(String message) {
    int space = message.indexOf(' ');
    if (space < 0) {
      log.warn("invalidation channel {}: ignored a malformed message '{}'", channel, message);
      return;
    }
    boolean own = space + 1 == ownPrefix.length() && message.startsWith(ownPrefix);
    String payload = message.substring(space + 1);
    if (payload.endsWith("}")) {
      if (!own) { // the shared tier's own announcements: the near tier dropped its copy itself
        receiver.changed(payload);
      }
    } else if (payload.equals(ALL)) {
      if (!own) {
        receiver.changedAll();
      }
    } else if (payload.equals(CONNECTED)) {
      // a shared tier connected and proved it may publish here: nothing changed
    } else if (payload.length() > 1 && payload.charAt(0) == HEARTBEAT) {
      if (own) { // the other nodes' heartbeats are theirs
        try {
          receiver.heartbeat(Long.parseLong(payload, 1, payload.length(), 10));
        } catch (NumberFormatException e) {
          log.warn("invalidation channel {}: ignored a malformed heartbeat '{}'", channel, message);
        }
      }
    } else {
      log.warn("invalidation channel {}: ignored a malformed message '{}'", channel, message);
    }
  }
}
