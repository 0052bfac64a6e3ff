package dev.tandem.cli.peers;

import com.hazelcast.config.Config;
import com.hazelcast.config.EvictionConfig;
import com.hazelcast.config.EvictionPolicy;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MapStoreConfig;
import com.hazelcast.config.MaxSizePolicy;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.TcpIpConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import org.jspecify.annotations.Nullable;

/**
 * A Hazelcast member embedded in the node, as Hazelcast's documentation sets up write-through: an
 * {@code IMap} with a {@code MapStore} of write delay 0 (write-through: {@code set} returns after
 * the store committed), lazy initial load, one synchronous backup (the default), LRU eviction at
 * the node's cache size, values as text (Hazelcast's built-in string serializer, no Java
 * serialization). The members of a run form one cluster of their own on 127.0.0.1 (TCP/IP join, no
 * multicast); each entry lives in the partition of one member, which runs its {@code MapStore}
 * calls. A write is {@code set}, a compare-and-set {@code replace(key, old, new)}, a delete {@code
 * delete}, an eviction {@code evict}.
 */
final class HazelcastPeer implements PeerMap {

  private static final String MAP = "tandem";

  private final TableBridge<?> bridge;
  private final HazelcastInstance member;
  private final IMap<String, String> map;

  HazelcastPeer(PeerSettings settings, TableBridge<?> bridge, int node) {
    this.bridge = bridge;
    HazelcastCluster cluster = settings.hazelcast();
    Config config = new Config();
    config.setClusterName(cluster.name());
    config.setInstanceName(cluster.name() + "-" + node);
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    config.setProperty("hazelcast.socket.bind.any", "false");
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(cluster.port() + node).setPortAutoIncrement(false);
    network.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    TcpIpConfig tcp = join.getTcpIpConfig().setEnabled(true);
    for (int i = 0; i < cluster.members(); i++) {
      tcp.addMember("127.0.0.1:" + (cluster.port() + i));
    }
    MapConfig map = new MapConfig(MAP).setBackupCount(1);
    map.setMapStoreConfig(
        new MapStoreConfig()
            .setEnabled(true)
            .setImplementation(bridge)
            .setWriteDelaySeconds(0)
            .setInitialLoadMode(MapStoreConfig.InitialLoadMode.LAZY));
    map.setEvictionConfig(
        new EvictionConfig()
            .setEvictionPolicy(EvictionPolicy.LRU)
            .setMaxSizePolicy(MaxSizePolicy.PER_NODE)
            .setSize((int) Math.min(Integer.MAX_VALUE, settings.localCacheSize())));
    config.addMapConfig(map);
    this.member = Hazelcast.newHazelcastInstance(config);
    this.map = member.getMap(MAP);
  }

  @Override
  public @Nullable String get(String key) {
    return map.get(key);
  }

  @Override
  public void put(String key, String value) {
    map.set(key, value);
  }

  @Override
  public boolean replace(String key, String expected, String value) {
    return map.replace(key, expected, value);
  }

  @Override
  public void remove(String key) {
    map.delete(key);
  }

  @Override
  public void evict(String key) {
    map.evict(key);
  }

  @Override
  public TableBridge<?> bridge() {
    return bridge;
  }

  @Override
  public void close() {
    member.shutdown();
  }
}
