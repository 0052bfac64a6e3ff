package dev.tandem.cli.peers;

import dev.tandem.spi.Store;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** The peers that {@code tandem bench} and {@code tandem torture} can run in Tandem's place. */
public enum Peer {
  /** Cache-aside by hand over Lettuce. */
  CACHE_ASIDE("cache-aside by hand (Lettuce GET; SQL on a miss, then SET; SET after the commit)"),
  /** Redisson's write-through RMap. */
  REDISSON("Redisson 3.52 RMap, WRITE_THROUGH MapWriter/MapLoader over JdbcStore, StringCodec"),
  /** Redisson's write-through RLocalCachedMap. */
  REDISSON_NEAR(
      "Redisson 3.52 RLocalCachedMap (LRU, INVALIDATE), WRITE_THROUGH MapWriter/MapLoader over JdbcStore"),
  /** Hazelcast's IMap with a write-through MapStore. */
  HAZELCAST(
      "Hazelcast 5.7 embedded member per node, IMap with a write-through MapStore over JdbcStore");

  private final String description;

  Peer(String description) {
    this.description = description;
  }

  /** Returns the name on the command line: {@code cache-aside}, {@code redisson-near}, ... */
  public String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Returns what the peer is and how it is set up. */
  public String description() {
    return description;
  }

  /** Returns whether the peer keeps its data in the run's Redis. */
  public boolean needsRedis() {
    return this != HAZELCAST;
  }

  /** Returns every name, as on the command line. */
  public static List<String> labels() {
    return Arrays.stream(values()).map(Peer::label).toList();
  }

  /**
   * Returns the peer of a command-line name (case-insensitive, {@code -} or {@code _}), or null.
   */
  public static @Nullable Peer named(String name) {
    String wanted = name.strip().replace('_', '-');
    return Arrays.stream(values())
        .filter(p -> p.label().equalsIgnoreCase(wanted))
        .findFirst()
        .orElse(null);
  }

  /**
   * Starts the peer of node {@code node} over {@code store}, whose values it holds as text by
   * {@code codec}.
   *
   * @throws RuntimeException whatever the peer's client throws when it cannot start
   */
  public <V> PeerMap open(
      PeerSettings settings, Store<String, V> store, PeerCodec<V> codec, int node) {
    TableBridge<V> bridge = new TableBridge<>(store, codec);
    quietLogs();
    return switch (this) {
      case CACHE_ASIDE -> new CacheAsidePeer(settings, bridge);
      case REDISSON -> new RedissonPeer(settings, bridge, false);
      case REDISSON_NEAR -> new RedissonPeer(settings, bridge, true);
      case HAZELCAST -> new HazelcastPeer(settings, bridge, node);
    };
  }

  /**
   * Redisson and Hazelcast log each connection and member at INFO, and Hazelcast warns at start
   * that it lacks {@code --add-opens} (it runs, a little slower; docs/peers.md): errors only,
   * unless set with -D.
   */
  private static void quietLogs() {
    if (System.getProperty("hazelcast.logging.type") == null) {
      System.setProperty("hazelcast.logging.type", "slf4j");
    }
    for (String logger : List.of("org.redisson", "com.hazelcast")) {
      String property = "org.slf4j.simpleLogger.log." + logger;
      if (System.getProperty(property) == null) {
        System.setProperty(property, "error");
      }
    }
  }
}
